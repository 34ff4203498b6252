"""The HTTP half of ingest: a resend counts as duplicates by event id, a refused visitor leaves
nothing on the queue, and the queue carries sealed envelopes only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.composition import App
from shared.errors import VisitorMismatch
from shared.ingest.gate import WidgetCall
from tests.app_client import AppClient
from tests.conftest import ORIGIN, collect_body


def call(tenant: dict[str, Any], body: dict[str, Any]) -> WidgetCall:
    return WidgetCall(
        widget_key=tenant["widgetKey"],
        origin=ORIGIN,
        forwarded_for="203.0.113.77",
        body=json.dumps(body).encode(),
    )


def queued(services: App) -> list[bytes]:
    messages = services.bus.receive(services.settings.ingest_queue, max_messages=20)
    for m in messages:
        services.bus.complete(services.settings.ingest_queue, m.lock_token)
    return [m.body for m in messages]


def test_a_resend_is_counted_as_duplicates_and_enqueues_nothing_more(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    body = collect_body(3)
    first = services.ingest.collect(call(tenant, body))
    again = services.ingest.collect(call(tenant, body))
    assert (first.accepted, first.duplicates, again.accepted, again.duplicates) == (3, 0, 0, 3)
    [message] = queued(services)
    assert b"jean" not in message and b"203.0.113" not in message  # sealed


def test_a_call_naming_another_s_visitor_leaves_nothing_on_the_queue(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    services.ingest.collect(call(tenant, collect_body(1)))
    queued(services)
    stolen = collect_body(1) | {"visitorSecret": "someone-else-secret-000"}
    with pytest.raises(VisitorMismatch):
        services.ingest.collect(call(tenant, stolen))
    assert queued(services) == []
