"""The host's admin API: run non-HTTP functions on demand, list functions, host status.

Same paths as the real Functions host, so scripts work against both. Every admin call needs
the master key (``x-functions-key`` or ``code``; ``<data-dir>/master.key``), from loopback too:
a web page open in the developer's browser can post to 127.0.0.1 but cannot read the key.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from infra.embedded_host.app_loader import (
    HTTP_TRIGGER,
    SERVICE_BUS_TRIGGER,
    TIMER_TRIGGER,
    FunctionDescriptor,
    call_sync,
)
from infra.embedded_host.host_keys import HostKeys
from infra.embedded_host.http_conversion import problem
from infra.embedded_host.queue_runner import to_service_bus_message
from infra.embedded_host.timer_runner import call_timer
from shared.ports.message_bus import ReceivedMessage

logger = logging.getLogger("embedded_host.admin")


def presented_key(request: Request) -> str | None:
    return request.headers.get("x-functions-key") or request.query_params.get("code")


MASTER_KEY_NEEDED = (
    "the host's admin API needs the master key: header x-functions-key or query parameter "
    "code, the content of <data-dir>/master.key"
)


def admin_denied(request: Request, keys: HostKeys) -> Response | None:
    """None when the caller presents the master key; a 401 problem otherwise. For extra routes."""
    if keys.allows("admin", presented_key(request)):
        return None
    return problem(401, "Unauthorized", detail=MASTER_KEY_NEEDED)


def _argument(function: FunctionDescriptor, payload: object) -> object:
    """What a Service Bus trigger would pass: a ServiceBusMessage of the input."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    now = datetime.now(UTC)
    return to_service_bus_message(ReceivedMessage(
        body=text.encode("utf-8"), message_id=str(uuid.uuid4()), lock_token=str(uuid.uuid4()),
        delivery_count=1, sequence_number=0, enqueued_time=now, locked_until=now,
    ))


def admin_routes(functions: Sequence[FunctionDescriptor], keys: HostKeys) -> list[BaseRoute]:
    by_name = {f.name.lower(): f for f in functions}

    async def list_functions(request: Request) -> Response:
        if denied := admin_denied(request, keys):
            return denied
        return JSONResponse([{"name": f.name, "trigger": f.trigger_type} for f in functions])

    async def status(request: Request) -> Response:
        if denied := admin_denied(request, keys):
            return denied
        return JSONResponse({"state": "Running"})

    async def run_function(request: Request) -> Response:
        """Runs the function to completion before answering 202, so callers can rely on it."""
        if denied := admin_denied(request, keys):
            return denied
        function = by_name.get(request.path_params["name"].lower())
        if function is None:
            return problem(404, "Function not found")
        if function.trigger_type not in (TIMER_TRIGGER, SERVICE_BUS_TRIGGER):
            title = "Use the HTTP route" if function.trigger_type == HTTP_TRIGGER else "Unsupported"
            return problem(400, title)
        try:
            payload = json.loads(await request.body() or b"{}").get("input")
        except (ValueError, AttributeError):
            return problem(400, "Body must be a JSON object like {\"input\": ...}")
        try:
            if function.trigger_type == TIMER_TRIGGER:  # one run at a time, as in Azure
                await anyio.to_thread.run_sync(partial(call_timer, function, past_due=False))
            else:
                await anyio.to_thread.run_sync(call_sync, function, _argument(function, payload))
        except Exception as exc:
            logger.error("admin invocation failed",
                         extra={"function": function.name, "error_type": type(exc).__name__})
            return problem(500, "Function failed")
        return Response(status_code=202)

    return [
        Route("/admin/functions", list_functions, methods=["GET"]),
        Route("/admin/functions/{name}", run_function, methods=["POST"]),
        Route("/admin/host/status", status, methods=["GET"]),
    ]
