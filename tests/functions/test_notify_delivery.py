"""What notifications deliver: breach notices, e-mail, refused URLs, failures, no personal data."""

from __future__ import annotations

import email
import json
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.composition import compose, install_app
from shared.notify.models import EventType
from tests.app_client import AppClient
from tests.conftest import PLATFORM, PRIVACY_ADMIN, with_ports
from tests.fakes import FakeClock
from tests.functions.notify_helpers import PLANTED, body, deliveries, register, widget_request
from tests.receiver import Receiver, serve

ALL_EVENTS = [e.value for e in EventType]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


def report_incident(client: AppClient, tenant_id: str, clock: FakeClock) -> str:
    now = clock.now()
    answer = client.call(
        "report_incident",
        headers=PLATFORM,
        body={
            "detectedAt": now.isoformat(),
            "startedAt": (now - timedelta(hours=3)).isoformat(),
            "nature": "support export sent to the wrong recipient",
            "systems": ["support console"],
            "categories": ["contact"],
            "measures": {"taken": ["recipient deleted it"], "proposed": []},
            "contact": "DPO desk",
            "tenantIds": [tenant_id],
        },
    )
    assert answer.status == 201, answer.body
    return str(answer.json()["incidentId"])


def own_notice(client: AppClient, tenant_id: str, incident_id: str) -> dict[str, Any]:
    route = {"tenantId": tenant_id, "incidentId": incident_id}
    answer = client.call("get_own_incident_notice", method="GET", headers=PRIVACY_ADMIN,
                         route=route)
    assert answer.status == 200, answer.body
    return dict(answer.json())


def set_contacts(client: AppClient, tenant_id: str, contacts: list[dict[str, Any]]) -> None:
    answer = client.call("update_tenant", method="PATCH", headers=PRIVACY_ADMIN,
                         route={"tenantId": tenant_id}, body={"privacyContacts": contacts})
    assert answer.status == 200, answer.body


def mailbox(client: AppClient) -> list[Path]:
    folder = client.services.settings.data_dir / "mailbox"
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_a_breach_notice_becomes_sent_on_delivery_and_the_tenant_acknowledges_it(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver, clock: FakeClock
) -> None:
    tenant_id = tenant["tenantId"]
    register(client, tenant_id, receiver.url, ["incident.notice"])
    incident_id = report_incident(client, tenant_id, clock)
    route = {"tenantId": tenant_id, "incidentId": incident_id}
    early = client.call("acknowledge_incident_notice", headers=PRIVACY_ADMIN, route=route)
    assert early.status == 409  # nothing was sent yet
    client.drain_notify()
    [got] = receiver.received
    data = body(got)["data"]
    assert body(got)["type"] == "incident.notice" and data["incidentId"] == incident_id
    own = f"/v1/tenants/{tenant_id}/incident-notices/{incident_id}"
    assert data["links"]["notice"].endswith(own)
    notice = own_notice(client, tenant_id, incident_id)
    assert notice["status"] == "sent" and notice["sentAt"]
    acknowledged = client.call("acknowledge_incident_notice", headers=PRIVACY_ADMIN, route=route)
    assert acknowledged.status == 200 and acknowledged.json()["status"] == "acknowledged"
    again = client.call("acknowledge_incident_notice", headers=PRIVACY_ADMIN, route=route)
    assert again.status == 409


def test_a_notice_by_e_mail_carries_the_notice_and_is_sent(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tenant_id = tenant["tenantId"]
    set_contacts(client, tenant_id, [{"email": "dpo@shop.example", "events": ["incident.notice"]}])
    incident_id = report_incident(client, tenant_id, clock)
    client.drain_notify()
    [path] = mailbox(client)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == "dpo@shop.example"
    names = {part.get_filename() for part in message.walk() if part.get_filename()}
    assert names == {f"breach-notice-{incident_id}.json", f"breach-notice-{incident_id}.md"}
    assert own_notice(client, tenant_id, incident_id)["status"] == "sent"


@pytest.mark.parametrize(
    "url",
    ["https://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data", "https://localhost/x",
     "http://127.0.0.1:8080/x", "https://[::1]/x", "ftp://hooks.example/x"],
)
def test_internal_addresses_are_refused_in_production_mode(
    client: AppClient, tenant: dict[str, Any], url: str
) -> None:
    app = client.services
    install_app(prod := compose(app.settings.model_copy(update={"webhook_local_urls": False}),
                                app.clock, store=app.store, directory=app.directory, bus=app.bus,
                                keys=app.keys, blobs=app.blobs))
    client.services = prod
    route = {"tenantId": tenant["tenantId"]}
    answer = client.call("register_webhook", headers=PRIVACY_ADMIN, route=route,
                         body={"url": url, "events": ["dsar.received"]})
    assert answer.status == 400 and answer.headers["Content-Type"].startswith(
        "application/problem+json")
    assert url.split("//")[1].split("/")[0] not in answer.body.decode()
    listed = client.call("list_webhooks", method="GET", headers=PRIVACY_ADMIN, route=route)
    assert listed.json()["items"] == []


def test_a_name_re_pointed_at_loopback_after_registration_is_not_sent_to(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver
) -> None:
    answers = iter([["93.184.216.34"]] + [["127.0.0.1"]] * 10)
    app = client.services
    prod = compose(app.settings.model_copy(update={"webhook_local_urls": False}), app.clock,
                   store=app.store, directory=app.directory, bus=app.bus, keys=app.keys,
                   blobs=app.blobs, resolve=lambda host, port: next(answers))
    install_app(prod)
    client.services = prod
    url = f"https://hooks.shop.example:{receiver.port}/privacy"
    created = register(client, tenant["tenantId"], url, ["dsar.received"])
    widget_request(client, tenant)
    client.drain_notify()
    assert receiver.received == []
    [log] = deliveries(client, tenant["tenantId"], created["webhookId"])
    assert (log["lastError"], log["status"]) == ("refused_address", "retrying")


def test_a_delivery_failing_for_24_hours_is_failed_and_mails_contacts_and_on_call(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver, clock: FakeClock
) -> None:
    app = with_ports(client)
    app = compose(app.settings.model_copy(update={"oncall_email": "oncall@vendor.example"}),
                  app.clock, store=app.store, directory=app.directory, bus=app.bus,
                  keys=app.keys, blobs=app.blobs)
    install_app(app)
    client.services = app
    receiver.answers = [500]
    tenant_id = tenant["tenantId"]
    set_contacts(client, tenant_id, [{"email": "dpo@shop.example", "events": ["dsar.completed"]}])
    created = register(client, tenant_id, receiver.url, ["dsar.received"])
    widget_request(client, tenant)
    client.drain_notify()
    for _ in range(40):
        clock.advance(timedelta(hours=1))
        client.run_timer("dispatch_notifications")
        client.drain_notify()
    [log] = deliveries(client, tenant_id, created["webhookId"])
    assert log["status"] == "failed" and log["attempts"] >= 12
    first, last = log["createdAt"], log["lastAttemptAt"]
    assert _hours(first, last) >= 24
    mails = [email.message_from_bytes(p.read_bytes()) for p in mailbox(client)]
    assert {m["To"] for m in mails} == {"dpo@shop.example", "oncall@vendor.example"}
    assert all("failed" in m["Subject"] for m in mails)


def _hours(start: str, end: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)) / timedelta(hours=1)


def test_no_planted_personal_value_reaches_a_webhook_body_or_an_e_mail(
    client: AppClient, tenant: dict[str, Any], receiver: Receiver, clock: FakeClock
) -> None:
    tenant_id = tenant["tenantId"]
    register(client, tenant_id, receiver.url, ALL_EVENTS)
    set_contacts(client, tenant_id, [{"email": "dpo@shop.example", "events": ALL_EVENTS}])
    request_id = widget_request(client, tenant)
    client.drain_notify()
    decided = client.services.dsar_steps
    decided.register(tenant_id, request_id)  # -> awaiting approval (a visitor's request)
    client.drain_notify()
    clock.advance(timedelta(days=24))
    decided.check_deadline(tenant_id, request_id)
    client.drain_notify()
    clock.advance(timedelta(days=7))
    decided.check_deadline(tenant_id, request_id)
    report_incident(client, tenant_id, clock)
    client.drain_notify()
    client.run_timer("dispatch_notifications")
    kinds = {body(r)["type"] for r in receiver.received}
    assert kinds == {"dsar.received", "dsar.awaiting_approval", "dsar.deadline_approaching",
                     "dsar.overdue", "incident.notice"}
    texts = [r.body.decode() + json.dumps(r.headers) for r in receiver.received]
    texts += [p.read_bytes().decode(errors="replace") for p in mailbox(client)]
    assert len(texts) >= 10
    for text in texts:
        for value in PLANTED.values():
            assert value not in text and value.split(" ")[0] not in text
        assert "jeanne" not in text.lower() and "12 34 56 78" not in text


def test_privacy_contacts_are_validated_and_reset_by_null(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    route = {"tenantId": tenant["tenantId"]}
    bad = client.call("update_tenant", method="PATCH", headers=PRIVACY_ADMIN, route=route,
                      body={"privacyContacts": [{"email": "not-an-address", "events": []}]})
    assert bad.status == 400 and "not-an-address" not in bad.body.decode()
    set_contacts(client, tenant["tenantId"], [{"email": "dpo@shop.example",
                                                "events": ["dsar.received"]}])
    reset = client.call("update_tenant", method="PATCH", headers=PRIVACY_ADMIN, route=route,
                        body={"privacyContacts": None})
    assert reset.status == 200 and reset.json()["privacyContacts"] == []

