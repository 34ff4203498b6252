"""An authority request reaches a tenant's webhooks and privacy contacts when its notice is
released, and not before: nothing at all while a gag order runs, then one delivery per tenant
concerned, carrying ids and dates only and never naming another tenant."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.app_client import AppClient
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import new_tenant
from tests.functions.notify_helpers import body, register, signed_by
from tests.functions.test_authority_requests import body as request_body
from tests.functions.test_authority_requests import notices, record
from tests.functions.test_notify_delivery import mailbox, set_contacts
from tests.receiver import Receiver, serve

DPO = "dpo@shop-a.example"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


def deliver(client: AppClient) -> None:
    """Everything the notification machinery would send now: wake-ups, then the backstop."""
    client.drain_notify()
    client.run_timer("dispatch_notifications")


def test_under_a_gag_nothing_is_delivered_until_release_then_once_per_tenant(
    client: AppClient, clock: FakeClock, receiver: Receiver
) -> None:
    a, b = new_tenant(client, "A")["tenantId"], new_tenant(client, "B")["tenantId"]
    hooks = {t: register(client, t, receiver.url, ["authority.notice"]) for t in (a, b)}
    set_contacts(client, a, [{"email": DPO, "events": ["dsar.received"]}])
    until = clock.now() + timedelta(days=3)
    gag = {"ordered": True, "until": until.isoformat()}
    request = record(client, request_body(clock, a, b, gag=gag)).json()
    deliver(client)
    clock.advance(timedelta(days=3) - timedelta(minutes=1))
    client.run_timer("release_authority_notices")
    assert notices(client, a) == []
    deliver(client)
    assert receiver.received == [] and mailbox(client) == []  # the gag holds: nothing left

    clock.advance(timedelta(minutes=1))
    client.run_timer("release_authority_notices")
    deliver(client)
    got = {body(r)["data"]["tenantId"]: r for r in receiver.received}
    assert len(receiver.received) == 2 and set(got) == {a, b}
    for tenant_id, received in got.items():
        assert signed_by(hooks[tenant_id]["secret"], received)
        payload = body(received)
        assert payload["type"] == "authority.notice"
        data = payload["data"]
        assert data["requestId"] == request["requestId"] and data["releasedAt"]
        assert data["links"]["notices"].endswith(f"/tenants/{tenant_id}/authority-notices")
        other = b if tenant_id == a else a
        text = received.body.decode()
        for secret in (other, "Paris", "procedure", "contact", "conversation"):
            assert secret not in text, secret  # ids and dates only; no other tenant named
    [mail] = mailbox(client)  # A's contact did not choose the event: told all the same
    message = email.message_from_bytes(mail.read_bytes())
    assert message["To"] == DPO and request["requestId"] in mail.read_text(errors="replace")

    notices(client, a)  # reads and later timer runs release nothing new
    client.run_timer("release_authority_notices")
    deliver(client)
    assert len(receiver.received) == 2 and len(mailbox(client)) == 1


def test_a_request_without_a_gag_is_delivered_at_once(
    client: AppClient, clock: FakeClock, receiver: Receiver
) -> None:
    a = new_tenant(client, "A")["tenantId"]
    register(client, a, receiver.url, ["authority.notice"])
    created = record(client, request_body(clock, a))
    assert created.status == 201
    client.drain_notify()  # the wake-up alone, no timer
    [received] = receiver.received
    assert body(received)["data"]["requestId"] == created.json()["requestId"]


def test_a_webhook_that_did_not_subscribe_hears_nothing(
    client: AppClient, clock: FakeClock, receiver: Receiver
) -> None:
    a = new_tenant(client, "A")["tenantId"]
    register(client, a, receiver.url, ["dsar.received"])
    assert record(client, request_body(clock, a)).status == 201
    deliver(client)
    assert receiver.received == []
