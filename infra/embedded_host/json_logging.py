"""JSON-lines logs on stderr, and an access log that cannot leak personal data.

The access line names the route *template* and the function, never the concrete path, query
string, headers, body or client IP: any of those may carry personal data or identifiers.
Exceptions are reduced to their type name for the same reason (messages may quote input).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_KEY = "embedded_host.access"
"""Scope key of a dict where handlers record ``route`` and ``function`` for the access line."""

_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "color_message", "taskName",
}
access_logger = logging.getLogger("embedded_host.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["error_type"] = record.exc_info[0].__name__
        return json.dumps(entry, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """Route every logger (uvicorn's included) through one JSON handler on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def record_access(scope: Scope, *, route: str | None, function: str | None) -> None:
    """Called by handlers so the access line names what was routed to."""
    info = scope.get(ACCESS_KEY)
    if isinstance(info, dict):
        info.update(route=route, function=function)


class AccessLogMiddleware:
    """One JSON access line per HTTP request: method, route template, function, status, time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info: dict[str, Any] = {"status": 500}
        scope[ACCESS_KEY] = info
        started = time.perf_counter()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                info["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            info.setdefault("route", getattr(scope.get("route"), "path", None))
            info.setdefault("function", None)
            access_logger.info("request", extra={
                "method": scope["method"], **info,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            })
