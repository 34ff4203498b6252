"""A Starlette app serving the function app's HTTP triggers from their own metadata.

Routes, methods and auth levels come from the decorators in the app (no second routing
table). Extra Starlette routes can be passed in for host extensions (test clock, Durable
Functions HTTP API); they are matched after the admin API and before function routes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from http import HTTPStatus

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Lifespan, Receive, Scope, Send

from infra.embedded_host.admin_routes import admin_routes, presented_key
from infra.embedded_host.app_loader import HTTP_TRIGGER, FunctionDescriptor
from infra.embedded_host.host_guard import LoopbackHostMiddleware
from infra.embedded_host.host_keys import HostKeys
from infra.embedded_host.http_conversion import (
    problem,
    read_body,
    to_function_request,
    to_response,
)
from infra.embedded_host.json_logging import AccessLogMiddleware, record_access
from infra.embedded_host.routes import MethodNotAllowed, RouteTable

logger = logging.getLogger("embedded_host.http")
HTTP_THREADS = 40
MAX_BODY_BYTES = 100 * 1024 * 1024
"""Azure's default request size limit, for functions that declare none."""


def split_path(path: str, route_prefix: str) -> list[str] | None:
    """Path segments (already decoded by the server) below the route prefix, or None."""
    parts = [p for p in path.split("/") if p]
    prefix = [p for p in route_prefix.split("/") if p]
    if [p.lower() for p in parts[: len(prefix)]] != [p.lower() for p in prefix]:
        return None
    return parts[len(prefix):]


class FunctionDispatcher:
    """Finds the function for a request, checks its auth level and invokes it."""

    def __init__(
        self,
        functions: Sequence[FunctionDescriptor],
        keys: HostKeys,
        route_prefix: str,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        http = [f for f in functions if f.trigger_type == HTTP_TRIGGER]
        self._table = RouteTable.build((f.route or f.name, f.methods, f) for f in http)
        self._keys = keys
        self._prefix = route_prefix
        self._max_body = max_body_bytes
        self._limiter: anyio.CapacityLimiter | None = None

    async def handle(self, request: Request) -> Response:
        segments = split_path(request.scope["path"], self._prefix)
        found = None if segments is None else self._table.match(segments, request.method)
        record_access(request.scope, route=None, function=None)
        if found is None:
            return problem(404, "Not Found", detail=(
                f"no function answers this path; the API is under /{self._prefix}/v1/ "
                f"(its description: /{self._prefix}/v1/openapi.json)"))
        if isinstance(found, MethodNotAllowed):
            allowed = ", ".join(sorted(found.allowed))
            return problem(405, "Method Not Allowed", {"Allow": allowed},
                           detail=f"this path answers {allowed}")
        function = found.target
        record_access(request.scope, route=found.template, function=function.name)
        if not self._keys.allows(function.auth_level, presented_key(request)):
            return problem(401, "Unauthorized", detail="this function needs a function key")
        limit = function.max_body_bytes or self._max_body
        body = await read_body(request, limit)
        if body is None:
            return problem(413, "Payload Too Large", detail=f"the body exceeds {limit} bytes")
        try:
            return to_response(await self._invoke(function, request, found.params, body))
        except Exception as exc:
            logger.error("function failed",
                         extra={"function": function.name, "error_type": type(exc).__name__})
            return problem(500, "Internal Server Error", detail="the failure has been logged")

    async def _invoke(
        self, function: FunctionDescriptor, request: Request, params: dict[str, str], body: bytes
    ) -> object:
        """Async functions run on the loop; sync ones in a bounded thread pool, as the worker."""
        argument = {function.arg_name: await to_function_request(request, params, body)}
        if function.is_async:
            return await function.user_function(**argument)
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(HTTP_THREADS)
        return await anyio.to_thread.run_sync(
            lambda: function.user_function(**argument), limiter=self._limiter
        )


class _AnyMethod:
    """An ASGI endpoint, so Starlette routes every method (even TRACE or made-up ones) to the
    dispatcher, which answers 405 with ``Allow`` in the problem format instead of plain text."""

    def __init__(self, handle: Callable[[Request], Awaitable[Response]]) -> None:
        self._handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._handle(Request(scope, receive))
        await response(scope, receive, send)


def create_http_app(
    functions: Sequence[FunctionDescriptor],
    keys: HostKeys,
    *,
    route_prefix: str = "api",
    extra_routes: Sequence[BaseRoute] = (),
    lifespan: Lifespan[Starlette] | None = None,
    loopback_only: bool = True,
    easy_auth: bool = False,
) -> Starlette:
    """``loopback_only``: the host is bound to loopback, so it answers loopback names only.
    ``easy_auth``: App Service Authentication's emulation (``/.auth/*`` and the session's
    principal), inside the guard and the access log like every other path."""
    dispatcher = FunctionDispatcher(functions, keys, route_prefix)
    routes: list[BaseRoute] = [
        *admin_routes(functions, keys),
        *extra_routes,
        Route("/{path:path}", _AnyMethod(dispatcher.handle)),
    ]
    middleware = [Middleware(AccessLogMiddleware)]
    if loopback_only:
        middleware.append(Middleware(LoopbackHostMiddleware))
    if easy_auth:
        from infra.embedded_host.easy_auth import EasyAuth

        middleware.append(Middleware(EasyAuth))
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_exception},
    )


async def _http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (a path no route pattern matches, e.g. one holding a line
    break) in the problem format too, instead of plain text."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else None
    return problem(status, HTTPStatus(status).phrase, headers,
                   detail="no function answers this path; the API is under /api/v1/")
