"""Shared plumbing of the HTTP functions: answers, problem+json, CORS and error mapping."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import azure.functions as func
from pydantic import BaseModel

from functions._cross_site import refuse_cross_site
from shared.auth import Principal, Role, principal_from_headers, require, require_mfa
from shared.composition import App, get_app
from shared.errors import ApiError, BadRequest, FieldError
from shared.ports.document_store import InvalidContinuation
from shared.settings import UnsafeSettings
from shared.telemetry import core as telemetry

log = logging.getLogger("functions.http")
PROBLEM = "application/problem+json"

Handler = Callable[[func.HttpRequest], func.HttpResponse]


def json_response(
    payload: BaseModel | dict[str, Any] | list[Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    if isinstance(payload, BaseModel):
        body = payload.model_dump_json(exclude_none=True)
    else:
        body = json.dumps(payload, separators=(",", ":"), default=str)
    return func.HttpResponse(
        body, status_code=status, headers=headers, mimetype="application/json", charset="utf-8"
    )


def problem(error: ApiError, headers: dict[str, str] | None = None) -> func.HttpResponse:
    body: dict[str, Any] = {
        "type": error.type,
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
    }
    if error.errors:
        body["errors"] = [{"path": e.path, "message": e.message} for e in error.errors]
    body.update(error.extra)
    return func.HttpResponse(
        json.dumps(body),
        status_code=error.status,
        headers={**(headers or {}), **error.headers},
        mimetype=PROBLEM,
        charset="utf-8",
    )


def answers_problems(handler: Handler) -> Handler:
    """ApiError -> its problem+json; anything else -> a 500 that names no detail. Each run is
    one span named after the function (its store, bus and key calls nest inside)."""

    @functools.wraps(handler)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        with run_span(handler.__name__, "http") as span:
            try:
                answer = handler(req)
            except Exception as exc:
                answer = _answer_failure(handler.__name__, exc)
            span.set_attribute("http.status_code", answer.status_code)
            return answer

    return wrapper


def _answer_failure(function: str, exc: Exception) -> func.HttpResponse:
    if isinstance(exc, ApiError):
        return problem(exc)
    if isinstance(exc, UnsafeSettings):  # names settings only: say it in full, loudly
        log.critical(str(exc), extra={"function": function})
        return problem(ApiError("the app refuses to run with unsafe settings; see its log"))
    if isinstance(exc, InvalidContinuation):  # every paged endpoint: the client's mistake
        return problem(
            BadRequest(
                "the continuation token is not one this query issued",
                errors=[FieldError("?continuation", "invalid continuation token")],
            )
        )
    log.error("unhandled error", extra={"function": function, "error": type(exc).__name__})
    return problem(ApiError("an unexpected error occurred; it has been logged"))


def run_span(function: str, trigger: str) -> Any:
    """The span of one function run (``faas.trigger``: http, pubsub, timer)."""
    attributes = {"faas.name": function, "faas.trigger": trigger}
    return telemetry.span(f"function {function}", **attributes)


def limits_body(max_bytes: int) -> Callable[[Handler], Handler]:
    """A body over ``max_bytes`` is a 413 decided by its Content-Length, before anything reads
    or parses it. The limit is published as ``max_body_bytes`` so the embedded host stops
    reading the request past it (chunked bodies included) instead of buffering it."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(req: func.HttpRequest) -> func.HttpResponse:
            from shared.errors import PayloadTooLarge

            declared = req.headers.get("content-length", "")
            too_long = declared.isdigit() and int(declared) > max_bytes
            if too_long or len(req.get_body()) > max_bytes:
                raise PayloadTooLarge(f"the body exceeds {max_bytes} bytes")
            return handler(req)

        wrapper.max_body_bytes = max_bytes  # type: ignore[attr-defined]
        return wrapper

    return decorate


AsyncHandler = Callable[..., Awaitable[func.HttpResponse]]


def answers_problems_async(handler: AsyncHandler) -> AsyncHandler:
    """``answers_problems`` for async functions (those holding a Durable client)."""

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
        with run_span(handler.__name__, "http") as span:
            try:
                answer = await handler(*args, **kwargs)
            except Exception as exc:
                answer = _answer_failure(handler.__name__, exc)
            span.set_attribute("http.status_code", answer.status_code)
            return answer

    return wrapper


def services() -> App:
    """The app's composed graph; a trigger takes the one use case it calls from it."""
    return get_app()


def principal_trusted() -> bool:
    """Dev auth locally; in Azure only behind App Service Authentication (it sets this)."""
    return (
        services().settings.dev_auth or os.environ.get("WEBSITE_AUTH_ENABLED", "").lower() == "true"
    )


def _tenant_groups() -> dict[str, list[str]]:
    return services().settings.tenant_groups


def admin(
    req: func.HttpRequest,
    roles: frozenset[Role] | set[Role],
    tenant_id: str | None = None,
    action: str = "",
) -> Principal:
    """The one authorisation check of every admin route: may this principal act as one of
    ``roles`` in ``tenant_id`` (``None``: a tenant-less action, which needs a ``*`` grant)?
    A privileged ``action`` (``shared.auth.MFA_ACTIONS``) also needs a multi-factor sign-in
    when MFA is enforced. Refusals in a tenant are audited in that tenant's trail."""
    from shared.errors import Forbidden

    refuse_cross_site(req)
    principal = principal_from_headers(req.headers, principal_trusted(), _tenant_groups())
    try:
        require(principal, roles, tenant_id)
        require_mfa(principal, action, services().settings.require_mfa)
    except Forbidden:
        telemetry.count("privacy.access.denied")
        _record_denial(principal, tenant_id, action)
        raise
    return principal


def privileged(principal: Principal, tenant_id: str | None, action: str) -> None:
    """The MFA rule for an action only the body reveals as privileged (an erasure among the
    request types); refusals are audited like every other."""
    from shared.errors import Forbidden

    try:
        require_mfa(principal, action, services().settings.require_mfa)
    except Forbidden:
        _record_denial(principal, tenant_id, action)
        raise


def _record_denial(principal: Principal, tenant_id: str | None, action: str) -> None:
    if tenant_id:  # the refusal stands even where it cannot be recorded
        with contextlib.suppress(ApiError):
            services().tenant_admin.record_denial(principal, tenant_id, action or "access")


def query_int(req: func.HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = req.params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(
            "invalid query parameter",
            errors=[FieldError(f"?{name}", f"must be an integer {low}-{high}")],
        )
    return int(raw)
