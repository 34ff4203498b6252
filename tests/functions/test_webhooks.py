"""Webhooks as a tenant sees them: registration, signed deliveries, retries, the outbox."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.app_client import AppClient
from tests.conftest import PRIVACY_ADMIN
from tests.fakes import FakeClock
from tests.functions.notify_helpers import (
    body,
    deliveries,
    register,
    signed_by,
    widget_request,
)
from tests.receiver import Receiver, serve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


def test_registration_shows_the_secret_once_and_never_again(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver
) -> None:
    created = register(client, tenant["tenantId"], receiver.url, ["dsar.received"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) == 6 + 44
    route = {"tenantId": tenant["tenantId"]}
    listed = client.call("list_webhooks", method="GET", headers=PRIVACY_ADMIN, route=route)
    assert listed.status == 200
    assert [w["webhookId"] for w in listed.json()["items"]] == [created["webhookId"]]
    secret_b64 = created["secret"].removeprefix("whsec_")
    stored = [
        json.dumps(client.services.store.query(c, (tenant["tenantId"],), max_items=500).items)
        for c in ("notifications", "audit")
    ]
    for blob in (listed.body.decode(), *stored):
        assert secret_b64 not in blob and "whsec_" not in blob


def test_a_widget_request_reaches_the_receiver_as_a_signed_dsar_received(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver
) -> None:
    created = register(client, tenant["tenantId"], receiver.url, ["dsar.received"])
    request_id = widget_request(client, tenant)
    client.drain_notify()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert signed_by(created["secret"], got)
    assert got.headers["webhook-id"].startswith("evt_")
    payload = body(got)
    assert payload["type"] == "dsar.received"
    assert payload["data"]["requestId"] == request_id
    assert payload["data"]["tenantId"] == tenant["tenantId"]
    assert payload["data"]["links"]["console"].endswith(
        f"/api/console/#/t/{tenant['tenantId']}/requests/{request_id}"
    )


def test_500_twice_then_200_is_three_attempts_under_one_webhook_id(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver, clock: FakeClock
) -> None:
    receiver.answers = [500, 500, 200]
    created = register(client, tenant["tenantId"], receiver.url, ["dsar.received"])
    widget_request(client, tenant)
    client.drain_notify()
    [log] = deliveries(client, tenant["tenantId"], created["webhookId"])
    assert (log["status"], log["attempts"], log["lastStatus"]) == ("retrying", 1, 500)
    client.run_timer("dispatch_notifications")  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    clock.advance(timedelta(seconds=40))
    client.run_timer("dispatch_notifications")
    clock.advance(timedelta(seconds=80))
    client.run_timer("dispatch_notifications")
    assert [r.headers["webhook-id"] for r in receiver.received] == [log["eventId"]] * 3
    assert all(signed_by(created["secret"], r) for r in receiver.received)
    assert len({r.headers["webhook-timestamp"] for r in receiver.received}) == 3
    assert len({r.body for r in receiver.received}) == 1
    [log] = deliveries(client, tenant["tenantId"], created["webhookId"])
    assert (log["status"], log["attempts"], log["lastStatus"]) == ("delivered", 3, 200)
    assert "nextAttemptAt" not in log


def test_a_lost_wake_up_is_delivered_by_the_timer(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver
) -> None:
    """The outbox: the event was stored with the request; only the wake-up went missing."""
    register(client, tenant["tenantId"], receiver.url, ["dsar.received"])
    widget_request(client, tenant)
    bus, queue = client.services.bus, client.services.settings.notify_queue
    for message in bus.receive(queue, max_messages=50):
        bus.complete(queue, message.lock_token)  # lost
    assert receiver.received == []
    client.run_timer("dispatch_notifications")
    assert [body(r)["type"] for r in receiver.received] == ["dsar.received"]
    client.run_timer("dispatch_notifications")  # relayed once: nothing more
    assert len(receiver.received) == 1


def test_an_event_a_webhook_did_not_subscribe_to_is_not_sent(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver
) -> None:
    register(client, tenant["tenantId"], receiver.url, ["dsar.completed"])
    widget_request(client, tenant)
    client.drain_notify()
    client.run_timer("dispatch_notifications")
    assert receiver.received == []


def test_a_deleted_webhook_gets_nothing_more(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver, clock: FakeClock
) -> None:
    receiver.answers = [503]
    created = register(client, tenant["tenantId"], receiver.url, ["dsar.received"])
    widget_request(client, tenant)
    client.drain_notify()
    route = {"tenantId": tenant["tenantId"], "webhookId": created["webhookId"]}
    gone = client.call("delete_webhook", method="DELETE", headers=PRIVACY_ADMIN, route=route)
    assert gone.status == 204
    clock.advance(timedelta(hours=1))
    client.run_timer("dispatch_notifications")
    assert len(receiver.received) == 1
    again = client.call("list_webhook_deliveries", method="GET", headers=PRIVACY_ADMIN, route=route)
    assert again.status == 404


def test_a_rotated_secret_overlaps_with_both_signatures(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver, clock: FakeClock
) -> None:
    created = register(client, tenant["tenantId"], receiver.url, ["dsar.received"])
    route = {"tenantId": tenant["tenantId"], "webhookId": created["webhookId"]}
    rotated = client.call(
        "rotate_webhook_secret", body={"overlapHours": 2}, headers=PRIVACY_ADMIN, route=route
    )
    assert rotated.status == 201 and rotated.headers.get("Cache-Control") == "no-store"
    new = rotated.json()["secret"]
    widget_request(client, tenant)
    client.drain_notify()
    first = receiver.received[0]
    assert signed_by(new, first) and signed_by(created["secret"], first)
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    clock.advance(timedelta(hours=3))
    widget_request(client, tenant, kind="access")
    client.drain_notify()
    second = receiver.received[1]
    assert signed_by(new, second) and not signed_by(created["secret"], second)
