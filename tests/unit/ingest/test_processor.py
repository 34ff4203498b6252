"""The queue half of ingest: a redelivered message stores nothing twice and audits once; a
restricted subject's consent is answered and never queued (HTTP decides, once); contact
identifiers are indexed as digests."""

from __future__ import annotations

import json
import traceback
from typing import Any

import pytest

from shared.composition import App
from shared.containers import INDEX, SUBJECTS
from shared.crypto.transit import open_message, seal_message
from shared.ingest.processor import MalformedMessage
from shared.ports.document_store import Query
from tests.app_client import AppClient
from tests.conftest import visitor_secret, widget_headers

CONTACT = {
    "visitorId": "v-1",
    "visitorSecret": visitor_secret("v-1"),
    "email": "Jean.Dupont@example.com",
    "phone": "06 12 34 56 78",
    "name": "Jean",
    "consent": {"granted": True, "purposes": ["callback"], "textVersion": "2026-01"},
}


def deliver_twice(services: App) -> None:
    queue = services.settings.ingest_queue
    [message] = services.bus.receive(queue, max_messages=10)
    services.processor.process(message.body, message.message_id)
    services.processor.process(message.body, message.message_id)  # a redelivery
    services.bus.complete(queue, message.lock_token)


def stored(services: App, container: str, tenant_id: str) -> list[dict[str, Any]]:
    return services.store.query(container, (tenant_id,), Query(), 100).items


def test_a_redelivered_contact_is_stored_and_audited_once_with_no_plaintext(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    assert client.call("submit_contact", body=CONTACT, headers=widget_headers(tenant)).status == 202
    deliver_twice(services)
    kinds = sorted(i["type"] for i in stored(services, SUBJECTS.name, tid))
    assert kinds == ["consent", "contact", "subject"]
    entries = sorted(i["id"].split(":")[0] for i in stored(services, INDEX.name, tid))
    assert entries == ["email", "phone", "visitor"]
    raw = json.dumps(stored(services, SUBJECTS.name, tid) + stored(services, INDEX.name, tid))
    assert "jean" not in raw.lower() and "612345678" not in raw
    actions = [e["action"] for e in services.audit_for("eu").entries(tid).items]
    assert actions.count("contact.created") == 1 and actions.count("consent.recorded") == 1


def test_a_restricted_subject_s_consent_is_answered_and_never_queued(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    client.call("submit_contact", body=CONTACT, headers=widget_headers(tenant))
    deliver_twice(services)
    subject = services.visitors.find(tid, "v-1")
    assert subject.doc is not None
    services.store.replace(SUBJECTS.name, subject.doc | {"flags": {"restricted": True}})
    body = {
        "visitorId": "v-1",
        "visitorSecret": visitor_secret("v-1"),
        "purposes": {"x": True},
        "textVersion": "1",
    }
    answer = client.call("submit_consent", body=body, headers=widget_headers(tenant))
    assert answer.status == 202 and answer.json()["consentId"]  # answered as any consent...
    assert services.bus.receive(services.settings.ingest_queue, max_messages=10) == []
    kinds = sorted(i["type"] for i in stored(services, SUBJECTS.name, tid))
    assert kinds == ["consent", "contact", "subject"]  # ...and nothing of it is queued or kept


def test_a_payload_that_fails_its_schema_fails_without_quoting_it(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    """A message queued before a deploy tightened its model fails (retried, then dead-lettered)
    with an exception that names the broken rule and none of the values."""
    assert client.call("submit_contact", body=CONTACT, headers=widget_headers(tenant)).status == 202
    [message] = services.bus.receive(services.settings.ingest_queue, max_messages=10)
    envelope = json.loads(open_message(services.keys, message.body, message.message_id))
    envelope["payload"]["name"] = "Planted Name " * 1000  # longer than any model allows
    body = seal_message(services.keys, json.dumps(envelope).encode(), message.message_id)
    with pytest.raises(MalformedMessage) as caught:
        services.processor.process(body, message.message_id)
    printed = "".join(traceback.format_exception(caught.value))
    assert "string_too_long" in printed
    for planted in ("Planted Name", "Jean.Dupont@example.com", "06 12 34 56 78", "Jean"):
        assert planted not in printed
    kinds = {i["type"] for i in stored(services, SUBJECTS.name, tenant["tenantId"])}
    assert kinds == {"subject"}  # the visitor's binding from HTTP; nothing of the message
