"""Widget endpoints (API.md): admit, validate, enqueue, answer 202. Called from browsers."""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func
from pydantic import BaseModel

from functions._http import answers_problems, json_response, limits_body, problem, services
from shared.errors import ApiError, Forbidden
from shared.ingest.gate import MAX_BODY_BYTES, WidgetCall
from shared.ingest.models import CollectAccepted
from shared.telemetry.core import ingest_events

bp = func.Blueprint()
ALLOWED_HEADERS = "Content-Type, X-Widget-Key"


def _call(req: func.HttpRequest) -> WidgetCall:
    return WidgetCall(
        widget_key=req.headers.get("x-widget-key"),
        origin=req.headers.get("origin"),
        forwarded_for=req.headers.get("x-forwarded-for"),
        body=req.get_body(),
    )


def _cors(origin: str | None) -> dict[str, str]:
    """``Retry-After`` is not a CORS-safelisted header: without exposing it, a widget's script
    cannot read how long a 429 or 503 asks it to wait."""
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


def _preflight(req: func.HttpRequest) -> func.HttpResponse:
    origin = req.headers.get("origin")
    if not services().gate.preflight_allowed(origin):
        return problem(Forbidden("this origin is not allowed"))
    return func.HttpResponse(
        status_code=204,
        headers={
            **_cors(origin),
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
        },
    )


def _answer(req: func.HttpRequest, accept: Callable[[WidgetCall], BaseModel]) -> func.HttpResponse:
    """Preflight or the accepting call. CORS headers go only to an allowed origin of a known
    tenant: an accepted call was admitted with its origin; an error answer carries them only
    when the key's tenant lists the origin (a 401 or 413 to any other origin reveals nothing)."""
    if req.method == "OPTIONS":
        return _preflight(req)
    call = _call(req)
    try:
        accepted = accept(call)
    except ApiError as error:
        ingest_events("refused", 1, error.type.rsplit("/", 1)[-1])
        allowed = services().gate.cors_allowed(call)
        return problem(error, headers=_cors(call.origin) if allowed else None)
    if isinstance(accepted, CollectAccepted):
        ingest_events("accepted", accepted.accepted)
        ingest_events("duplicate", accepted.duplicates)
        ingest_events("refused", accepted.ignored or 0, "consent-withdrawn")
    return json_response(accepted, status=202, headers=_cors(call.origin))


@bp.route(route="v1/collect", methods=["POST", "OPTIONS"])
@answers_problems
@limits_body(MAX_BODY_BYTES)
def collect(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, services().ingest.collect)


@bp.route(route="v1/contacts", methods=["POST", "OPTIONS"])
@answers_problems
@limits_body(MAX_BODY_BYTES)
def submit_contact(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, services().ingest.contact)


@bp.route(route="v1/consents", methods=["POST", "OPTIONS"])
@answers_problems
@limits_body(MAX_BODY_BYTES)
def submit_consent(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, services().ingest.consent)


@bp.route(route="v1/conversations/{conversationId}/messages", methods=["POST", "OPTIONS"])
@answers_problems
@limits_body(MAX_BODY_BYTES)
def submit_message(req: func.HttpRequest) -> func.HttpResponse:
    conversation_id = req.route_params.get("conversationId", "")
    return _answer(req, lambda call: services().ingest.message(call, conversation_id))


@bp.route(route="v1/privacy-requests", methods=["POST", "OPTIONS"])
@answers_problems
@limits_body(MAX_BODY_BYTES)
def submit_privacy_request(req: func.HttpRequest) -> func.HttpResponse:
    return _answer(req, services().ingest.privacy_request)
