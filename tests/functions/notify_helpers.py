"""Shared steps of the notification tests: register, trigger, verify a signature."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook

from tests.app_client import AppClient
from tests.conftest import PRIVACY_ADMIN, visitor_secret, widget_headers
from tests.receiver import Received

PLANTED = {
    "email": "jeanne.planted@example.com",
    "phone": "+33 6 12 34 56 78",
    "name": "Jeanne Plantée",
    "message": "please erase me, my address is 12 rue Secrète",
    "visitor": "v-planted-visitor",
}


def register(client: AppClient, tenant_id: str, url: str, events: list[str]) -> dict[str, Any]:
    answer = client.call(
        "register_webhook",
        body={"url": url, "events": events},
        headers=PRIVACY_ADMIN,
        route={"tenantId": tenant_id},
    )
    assert answer.status == 201, answer.body
    return dict(answer.json())


def widget_request(client: AppClient, tenant: dict[str, Any], kind: str = "erasure") -> str:
    """A visitor's privacy request through the widget, carried through the ingest queue."""
    answer = client.call(
        "submit_privacy_request",
        headers=widget_headers(tenant),
        body={
            "visitorId": PLANTED["visitor"],
            "visitorSecret": visitor_secret(PLANTED["visitor"]),
            "email": PLANTED["email"],
            "phone": PLANTED["phone"],
            "type": kind,
            "message": PLANTED["message"],
        },
    )
    assert answer.status == 202, answer.body
    client.drain()
    return str(answer.json()["requestId"])


def signed_by(secret: str, received: Received) -> bool:
    """The Standard Webhooks check, recomputed (the library's own ``verify`` compares the
    timestamp with the wall clock, and these tests run on a fake clock)."""
    h = received.headers
    moment = datetime.fromtimestamp(int(h["webhook-timestamp"]), UTC)
    expected = Webhook(secret).sign(h["webhook-id"], moment, received.body.decode())
    return expected in h["webhook-signature"].split(" ")


def body(received: Received) -> dict[str, Any]:
    return dict(json.loads(received.body))


def deliveries(client: AppClient, tenant_id: str, webhook_id: str) -> list[dict[str, Any]]:
    answer = client.call(
        "list_webhook_deliveries",
        method="GET",
        headers=PRIVACY_ADMIN,
        route={"tenantId": tenant_id, "webhookId": webhook_id},
    )
    assert answer.status == 200, answer.body
    return list(answer.json()["items"])
