"""Stored items: the tenant's IP policy, sealed personal fields and a TTL counted from when the
data arrived (held subjects never expire)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.crypto.envelope import FieldCipher, new_data_key
from shared.ingest.envelope import IngestEnvelope
from shared.ingest.items import StoredItems
from shared.ingest.models import CollectPayload
from shared.policies.retention import Category
from shared.retention.models import LegalHold
from tests.conftest import collect_body
from tests.fakes import FakeClock
from tests.unit.conftest import a_tenant

CIPHER = FieldCipher(new_data_key(), "t-1", "s-1")
PAYLOAD = CollectPayload.model_validate(
    {k: v for k, v in collect_body(1).items() if k != "visitorSecret"}  # as queued: no secret
)


def envelope(clock: FakeClock) -> IngestEnvelope:
    return IngestEnvelope(
        kind="collect",
        tenantId="t-1",
        subjectId="s-1",
        requestId="m-1",
        receivedAt=clock.now(),
        clientIp="203.0.113.77",
        payload={},
    )


def items(clock: FakeClock) -> StoredItems:
    return StoredItems(clock, lambda tenant, ip: "ab" * 32)


@pytest.mark.parametrize(
    ("policy", "stored"),
    [("truncate", "203.0.113.0"), ("hash", "hmac:" + "ab" * 16), ("keep", "203.0.113.77")],
)
def test_the_technical_item_keeps_the_ip_as_the_tenant_s_policy_says_and_sealed(
    clock: FakeClock, policy: str, stored: str
) -> None:
    tenant = a_tenant(clock, ipPolicy=policy)
    item = items(clock).technical(envelope(clock), tenant, PAYLOAD, CIPHER)
    assert "203.0.113" not in json.dumps(item)  # never in the clear
    assert CIPHER.decrypt_fields(item["id"], item["enc"]) == {"ip": stored}
    assert (item["category"], item["browser"], item["ttl"]) == ("technical", "Firefox", 30 * 86400)


def test_events_are_stored_without_their_query_string_and_sealed_under_their_own_id(
    clock: FakeClock,
) -> None:
    tenant = a_tenant(clock)
    doc = items(clock).events(envelope(clock), tenant, PAYLOAD, CIPHER, list(PAYLOAD.events))
    [event] = doc["events"]
    assert "jean" not in json.dumps(doc)
    assert CIPHER.decrypt_fields(event["id"], event["enc"]) == {"url": "https://shop.example/p"}


def test_a_ttl_counts_from_arrival_and_a_held_subject_never_expires(clock: FakeClock) -> None:
    env = envelope(clock)
    clock.advance(timedelta(days=10))  # processed ten days after it arrived
    tenant = a_tenant(clock)
    behaviour = items(clock).item(env, "x", tenant=tenant, category=Category.BEHAVIOUR)
    assert behaviour["ttl"] == 20 * 86400
    hold = LegalHold(
        holdId="h-1",
        scope="subject",
        subjectIds=["s-1"],
        reason="claim",
        createdAt=clock.now(),
        createdBy="oid-admin",
    )
    held = a_tenant(clock, legalHolds=[hold.model_dump(mode="json")])
    assert items(clock).item(env, "x", tenant=held, category=Category.BEHAVIOUR)["ttl"] == -1
