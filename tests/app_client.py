"""Drives the app's own registered functions in-process, as the Functions host would."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from azure.functions.servicebus import ServiceBusMessage
from azure.functions.timer import TimerRequest

import function_app
from shared.composition import App

FUNCTIONS = {f.get_function_name(): f for f in function_app.app.get_functions()}


def principal(*roles: str, tenants: tuple[str, ...] = ("*",), oid: str = "oid-admin-1") -> str:
    claims = [{"typ": "roles", "val": r} for r in roles]
    claims += [{"typ": "tenants", "val": t} for t in tenants]
    claims.append(
        {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": oid}
    )
    return base64.b64encode(json.dumps({"auth_typ": "aad", "claims": claims}).encode()).decode()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class AppClient:
    def __init__(self, services: App) -> None:
        self.services = services

    def call(
        self,
        name: str,
        method: str = "POST",
        body: Any = None,
        headers: dict[str, str] | None = None,
        route: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Answer:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        request = func.HttpRequest(
            method,
            f"http://localhost/api/{name}",
            headers=headers or {},
            params=params or {},
            route_params=route or {},
            body=data,
        )
        response = FUNCTIONS[name].get_user_function()(request)
        headers = dict(response.headers)
        headers.setdefault("Content-Type", response.mimetype)
        return Answer(response.status_code, headers, response.get_body())

    def run_timer(self, name: str) -> None:
        """Run a timer function now, as ``POST /admin/functions/{name}`` does."""
        FUNCTIONS[name].get_user_function()(TimerRequest(past_due=False))

    def drain(self, limit: int = 1000) -> int:
        """Run the queue processor over every ready message; failures are abandoned."""
        return self.drain_queue(self.services.settings.ingest_queue, "process_ingest", limit)

    def drain_notify(self, limit: int = 1000) -> int:
        """Run the notification dispatcher over every wake-up waiting on the notify queue."""
        queue = self.services.settings.notify_queue
        return self.drain_queue(queue, "deliver_notifications", limit)

    def drain_queue(self, queue: str, function: str, limit: int = 1000) -> int:
        bus = self.services.bus
        handled = 0
        while handled < limit:
            batch = bus.receive(queue, max_messages=20)
            if not batch:
                return handled
            for msg in batch:
                handled += 1
                message = ServiceBusMessage(
                    body=msg.body,
                    message_id=msg.message_id,
                    delivery_count=msg.delivery_count,
                    lock_token=msg.lock_token,
                    application_properties={},
                    user_properties={},
                )
                try:
                    FUNCTIONS[function].get_user_function()(message)
                except Exception as exc:
                    bus.abandon(queue, msg.lock_token, {"lastError": type(exc).__name__})
                else:
                    bus.complete(queue, msg.lock_token)
        return handled
