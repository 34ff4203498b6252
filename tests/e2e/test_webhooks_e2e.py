"""Webhooks through the real host: a visitor's request reaches a receiver on loopback within
seconds, signed; a host killed while a delivery is in flight delivers it after restart."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.conftest import visitor_secret
from tests.e2e.helpers import advance, as_role, run_function, wait_for, widget
from tests.e2e.host_process import HostProcess
from tests.functions.notify_helpers import PLANTED, signed_by
from tests.receiver import Receiver, serve

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


def setup(host: HostProcess, receiver: Receiver) -> tuple[str, str, str]:
    """A tenant with a dsar.received webhook and a privacy contact; (tenant, key, secret)."""
    with httpx.Client(base_url=f"{host.url}/api", timeout=10) as api:
        created = api.post("/v1/tenants", headers=as_role("Platform.Admin"), json={
            "name": "Shop", "region": "eu", "allowedOrigins": ["https://shop.example"],
            "privacyContacts": [{"email": "dpo@shop.example", "events": ["dsar.received"]}],
        })
        assert created.status_code == 201, created.text
        tenant_id, key = created.json()["tenantId"], created.json()["widgetKey"]
        hook = api.post(f"/v1/tenants/{tenant_id}/webhooks", headers=as_role("Privacy.Admin"),
                        json={"url": receiver.url, "events": ["dsar.received"]})
        assert hook.status_code == 201, hook.text
    return tenant_id, key, hook.json()["secret"]


def visitor_request(host: HostProcess, key: str) -> str:
    with httpx.Client(base_url=f"{host.url}/api", timeout=10) as api:
        sent = api.post("/v1/privacy-requests", headers=widget(key), json={
            "visitorId": PLANTED["visitor"], "visitorSecret": visitor_secret(PLANTED["visitor"]),
            "email": PLANTED["email"], "phone": PLANTED["phone"], "type": "erasure",
            "message": PLANTED["message"],
        })
        assert sent.status_code == 202, sent.text
        return str(sent.json()["requestId"])


def test_a_visitor_request_reaches_the_receiver_within_seconds_signed(
    host: HostProcess, receiver: Receiver
) -> None:
    tenant_id, key, secret = setup(host, receiver)
    request_id = visitor_request(host, key)
    wait_for(lambda: receiver.received, timeout=10, what="dsar.received at the receiver")
    got = receiver.received[0]
    payload: dict[str, Any] = Webhook(secret).verify(got.body, got.headers)  # wall clock too
    assert payload["type"] == "dsar.received"
    assert payload["data"]["requestId"] == request_id
    assert payload["data"]["tenantId"] == tenant_id
    mailbox = host.data_dir / "mailbox"
    [mail] = wait_for(lambda: list(mailbox.glob("*.eml")), timeout=10, what="the e-mail")
    for text in (got.body.decode(), json.dumps(got.headers), mail.read_text(errors="replace")):
        for value in PLANTED.values():
            assert value not in text


def test_a_host_killed_during_a_delivery_delivers_it_after_restart(
    clock_host: HostProcess, receiver: Receiver
) -> None:
    _, key, secret = setup(clock_host, receiver)
    receiver.hold = threading.Event()  # the receiver keeps the first attempt waiting
    visitor_request(clock_host, key)
    assert receiver.arrived.wait(15), "no delivery attempt arrived"
    clock_host.kill9()
    first = receiver.received[0]
    receiver.hold.set()
    receiver.hold = None
    clock_host.start()
    advance(clock_host, "PT3M")  # the killed attempt's lease runs out
    run_function(clock_host, "dispatch_notifications")
    wait_for(lambda: len(receiver.received) >= 2, timeout=15, what="the delivery after restart")
    second = receiver.received[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.body == first.body and signed_by(secret, second)
