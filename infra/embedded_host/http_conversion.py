"""Starlette request -> ``func.HttpRequest`` and function result -> Starlette response.

Mirrors what the Functions host and Python worker do, so functions see the same headers
(including ``X-Forwarded-For``, which Azure's front end always adds) and content types.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shared.errors import status_problem_type

_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding"})


def problem(
    status: int, title: str, headers: dict[str, str] | None = None, detail: str | None = None
) -> Response:
    """An RFC 9457 problem response, the shape every error of the host and the app has
    (``type``, ``title``, ``status``, ``detail``); its type is the status's documented page."""
    body: dict[str, object] = {
        "type": status_problem_type(status),
        "title": title,
        "status": status,
        "detail": detail or title,
    }
    return JSONResponse(
        body,
        status_code=status,
        headers=headers,
        media_type="application/problem+json",
    )


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed ``limit``: by its Content-Length
    before reading anything, or while streaming (chunked bodies have no length)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def to_function_request(
    request: Request, route_params: dict[str, str], body: bytes
) -> func.HttpRequest:
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    if "x-forwarded-for" not in headers and request.client is not None:
        headers["x-forwarded-for"] = request.client.host
    return func.HttpRequest(
        request.method,
        str(request.url),
        headers=headers,
        params=dict(request.query_params),
        route_params=route_params,
        body=body,
    )


def to_response(result: Any) -> Response:
    """Convert what an HTTP function returned; a str is a 200 text body, as in the worker."""
    if isinstance(result, str):
        return Response(result, media_type="text/plain; charset=utf-8")
    if not isinstance(result, func.HttpResponse):
        raise TypeError("an HTTP function must return func.HttpResponse or str")
    headers = {
        k: v for k, v in result.headers.items() if k.lower() not in _DROPPED_RESPONSE_HEADERS
    }
    if not any(k.lower() == "content-type" for k in headers):
        mimetype = result.mimetype or "text/plain"
        charset = f"; charset={result.charset}" if mimetype.startswith("text/") else ""
        headers["content-type"] = f"{mimetype}{charset}"
    return Response(result.get_body() or b"", status_code=result.status_code, headers=headers)
