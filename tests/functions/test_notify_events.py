"""The other events: a subprocessor change to every tenant, the offboarding export, on-call."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from shared.composition import compose, install_app
from tests.app_client import AppClient
from tests.conftest import ORIGIN, PLATFORM, PRIVACY_ADMIN
from tests.fakes import FakeClock
from tests.functions.grants_world import SUBPROCESSOR
from tests.functions.notify_helpers import body, register
from tests.functions.test_notify_delivery import mailbox, report_incident
from tests.receiver import Receiver, serve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


def new_tenant(client: AppClient, name: str) -> str:
    answer = client.call("create_tenant", headers=PLATFORM,
                         body={"name": name, "region": "eu", "allowedOrigins": [ORIGIN]})
    assert answer.status == 201
    return str(answer.json()["tenantId"])


def test_a_proposed_subprocessor_change_is_told_to_every_tenant_of_the_region(
    client: AppClient, receiver: Receiver
) -> None:
    first, second = new_tenant(client, "A"), new_tenant(client, "B")
    for tenant_id in (first, second):
        register(client, tenant_id, receiver.url, ["subprocessor.change_proposed"])
    answer = client.call("propose_subprocessor_change", headers=PLATFORM,
                         body={"kind": "add", "subprocessor": SUBPROCESSOR})
    assert answer.status == 201
    client.drain_notify()
    told = {body(r)["data"]["tenantId"] for r in receiver.received}
    assert told == {first, second}
    data = body(receiver.received[0])["data"]
    assert data["changeId"] == answer.json()["changeId"] and "Mailer Inc" not in str(data)
    listed = client.call("list_subprocessor_changes", method="GET", headers=PLATFORM)
    assert [c["changeId"] for c in listed.json()["items"]] == [answer.json()["changeId"]]


def test_the_offboarding_export_is_announced_once(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver, clock: FakeClock
) -> None:
    tenant_id = tenant["tenantId"]
    register(client, tenant_id, receiver.url, ["offboarding.export_ready"])
    end = (clock.now() + timedelta(hours=1)).isoformat()
    started = client.call("start_offboarding", headers=PRIVACY_ADMIN,
                          route={"tenantId": tenant_id}, body={"contractEnd": end})
    assert started.status == 202
    clock.advance(timedelta(hours=2))
    client.run_timer("advance_offboarding")
    client.drain_notify()
    client.run_timer("dispatch_notifications")
    [got] = receiver.received
    assert body(got)["type"] == "offboarding.export_ready"
    assert body(got)["data"]["links"]["export"].endswith(f"/tenants/{tenant_id}/offboarding/export")
    shown = client.call("get_tenant", method="GET", headers=PRIVACY_ADMIN,
                        route={"tenantId": tenant_id})
    assert shown.status == 200 and "outbox" not in shown.body.decode()


def test_a_notice_pending_12_hours_before_its_deadline_mails_on_call(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    app = client.services
    app = compose(app.settings.model_copy(update={"oncall_email": "oncall@vendor.example"}),
                  app.clock, store=app.store, directory=app.directory, bus=app.bus,
                  keys=app.keys, blobs=app.blobs)
    install_app(app)
    client.services = app
    incident_id = report_incident(client, tenant["tenantId"], clock)
    client.drain_notify()
    assert mailbox(client) == []  # no contact subscribed: the notice itself goes nowhere
    clock.advance(timedelta(hours=37))
    client.run_timer("escalate_incident_notices")
    client.drain_notify()
    [path] = mailbox(client)
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "oncall@vendor.example"
    assert incident_id in path.read_text(errors="replace")
