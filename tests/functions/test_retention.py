"""Retention in-process with a fake clock: TTL per category, re-stamps, holds and sweeps."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.containers import SUBJECTS
from shared.policies.stored_records import record_count
from shared.ports.document_store import ContainerSpec, Filter, Query
from shared.retention.jobs import Budget
from tests.app_client import AppClient
from tests.conftest import PLATFORM, PRIVACY_ADMIN, collect_body, visitor_secret, widget_headers
from tests.fakes import FakeClock


def count(client: AppClient, tenant_id: str, category: str, subject: str | None = None) -> int:
    pk = (tenant_id,) if subject is None else (tenant_id, subject)
    query = Query(filters=[Filter("category", "=", category)])
    items = client.services.store.query(SUBJECTS.name, pk, query, 10_000).items
    return sum(record_count(i) for i in items)


def subject_of(client: AppClient, tenant_id: str, visitor: str) -> str:
    return client.services.visitors.find(tenant_id, visitor).subject_id


def ingest(client: AppClient, tenant: dict[str, Any], visitor: str = "v-1", n: int = 3) -> None:
    headers = widget_headers(tenant)
    assert client.call("collect", body=collect_body(n, visitor), headers=headers).status == 202
    client.call(
        "submit_contact",
        headers=headers,
        body={
            "visitorId": visitor,
            "visitorSecret": visitor_secret(visitor),
            "email": f"{visitor}@example.com",
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
        },
    )
    client.call(
        "submit_message",
        headers=headers,
        route={"conversationId": "c-1"},
        body={
            "visitorId": visitor,
            "visitorSecret": visitor_secret(visitor),
            "author": "visitor",
            "text": "hello",
            "ts": "2026-11-02T09:00:00Z",
        },
    )
    client.drain()


def test_each_category_expires_on_its_own_day(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    ingest(client, tenant)
    tid = tenant["tenantId"]
    clock.advance(timedelta(days=29, hours=23))
    assert [
        count(client, tid, c)
        for c in ("behaviour", "technical", "contact", "consent", "conversation")
    ] == [3, 1, 1, 1, 1]
    clock.advance(timedelta(hours=1))
    assert count(client, tid, "behaviour") == count(client, tid, "technical") == 0
    assert count(client, tid, "contact") == count(client, tid, "consent") == 1
    clock.advance(timedelta(days=60))
    assert count(client, tid, "conversation") == 0 and count(client, tid, "contact") == 1


def test_shortening_restamps_with_the_remaining_time(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    ingest(client, tenant)
    clock.advance(timedelta(days=5))
    answer = client.call(
        "update_tenant",
        "PATCH",
        headers=PLATFORM,
        route={"tenantId": tenant["tenantId"]},
        body={"retention": {"behaviour": 7}},
    )
    assert answer.status == 200 and answer.json()["retentionJob"]["status"] == "pending"
    client.run_timer("run_retention_jobs")
    job = client.services.tenants.get(tenant["tenantId"]).retentionJob
    assert job is not None and job.status == "completed" and job.restamped == 3
    clock.advance(timedelta(days=1, hours=23))
    assert count(client, tenant["tenantId"], "behaviour") == 3
    clock.advance(timedelta(hours=1))
    assert count(client, tenant["tenantId"], "behaviour") == 0
    assert count(client, tenant["tenantId"], "technical") == 1  # technical keeps its 30 days


def test_an_item_already_past_a_shortened_period_is_deleted_now(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    ingest(client, tenant)
    clock.advance(timedelta(days=10))
    client.call(
        "update_tenant",
        "PATCH",
        headers=PLATFORM,
        route={"tenantId": tenant["tenantId"]},
        body={"retention": {"behaviour": 7}},
    )
    client.run_timer("run_retention_jobs")
    job = client.services.tenants.get(tenant["tenantId"]).retentionJob
    assert job is not None and job.deleted == 3
    assert count(client, tenant["tenantId"], "behaviour") == 0
    assert count(client, tenant["tenantId"], "technical") == 1


def test_lengthening_beyond_the_ceiling_is_refused(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    answer = client.call(
        "update_tenant",
        "PATCH",
        headers=PLATFORM,
        route={"tenantId": tenant["tenantId"]},
        body={"retention": {"conversation": 100_000}},
    )
    assert answer.status == 400 and "conversation" in answer.json()["detail"]
    assert client.services.tenants.get(tenant["tenantId"]).retentionJob is None


def hold(client: AppClient, tenant: dict[str, Any], **body: Any) -> Any:
    return client.call(
        "create_legal_hold",
        headers=PRIVACY_ADMIN,
        route={"tenantId": tenant["tenantId"]},
        body=body,
    )


def test_a_subject_hold_keeps_that_subject_only_and_release_resumes_retention(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    ingest(client, tenant, "v-held")
    clock.advance(timedelta(days=20))
    ingest(client, tenant, "v-late")  # 20 days younger: still inside its period at release
    ingest(client, tenant, "v-free")
    held, late, free = (subject_of(client, tid, v) for v in ("v-held", "v-late", "v-free"))
    answer = hold(
        client,
        tenant,
        scope="subject",
        reason="claim 2026-17",
        identifiers={"email": "v-held@example.com", "visitorId": "v-late"},
    )
    assert answer.status == 201 and answer.json()["subjectCount"] == 2
    client.run_timer("run_retention_jobs")
    clock.advance(timedelta(days=31))
    assert count(client, tid, "behaviour", held) == 3 and count(client, tid, "behaviour", late) == 3
    assert count(client, tid, "behaviour", free) == 0
    release = client.call(
        "release_legal_hold",
        "DELETE",
        headers=PRIVACY_ADMIN,
        route={"tenantId": tid, "holdId": answer.json()["holdId"]},
    )
    assert release.status == 204
    client.run_timer("run_retention_jobs")
    assert count(client, tid, "behaviour", held) == 0  # past its period: deleted at once
    assert count(client, tid, "behaviour", late) == 0  # day 31 of 30
    actions = [e["action"] for e in client.services.audit_for("eu").entries(tid, limit=200).items]
    assert "hold.created" in actions and "hold.released" in actions


def test_data_written_during_a_tenant_hold_never_expires(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    assert hold(client, tenant, scope="tenant", reason="regulator").status == 201
    ingest(client, tenant)
    clock.advance(timedelta(days=400))
    assert count(client, tenant["tenantId"], "behaviour") == 3


def test_a_hold_on_an_identifier_seen_later_holds_that_subject_when_it_arrives(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    answer = hold(
        client, tenant, scope="subject", reason="x", identifiers={"email": "v-late@example.com"}
    )
    assert answer.status == 201 and answer.json()["subjectCount"] == 0
    assert "v-late" not in answer.body.decode()
    ingest(client, tenant, "v-late")  # events, then the contact naming the held email
    client.run_timer("run_retention_jobs")
    [held] = client.services.tenants.get(tenant["tenantId"]).legalHolds
    assert held.subjectIds == [subject_of(client, tenant["tenantId"], "v-late")]
    clock.advance(timedelta(days=40))
    assert count(client, tenant["tenantId"], "behaviour") == 3


def test_a_hold_on_a_visitor_id_applies_before_its_data_arrives(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    answer = hold(
        client, tenant, scope="subject", reason="x", identifiers={"visitorId": "v-future"}
    )
    assert answer.status == 201 and answer.json()["subjectCount"] == 1
    ingest(client, tenant, "v-future")
    clock.advance(timedelta(days=40))
    assert count(client, tenant["tenantId"], "behaviour") == 3


@pytest.fixture
def ttl_off(client: AppClient) -> None:
    """TTL switched off on the container: only the backstop sweep can delete."""
    client.services.store.ensure_container(
        ContainerSpec(SUBJECTS.name, SUBJECTS.partition_key_paths, default_ttl=None)
    )


def test_backstop_sweep_is_bounded_resumable_and_idempotent(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock, ttl_off: None
) -> None:
    for visitor in range(5):
        ingest(client, tenant, f"v-{visitor}", n=20)
    clock.advance(timedelta(days=31))
    assert count(client, tenant["tenantId"], "behaviour") == 100
    sweeps = client.services.sweeps
    first = sweeps.sweep_expired(Budget(items=4, seconds=60))  # 10 documents hold the 105
    assert first["complete"] is False
    deleted = sum(first["deleted"][tenant["tenantId"]].values())
    assert 0 < deleted < 105
    rest = sweeps.sweep_expired(Budget(items=10_000, seconds=60))
    assert rest["complete"] is True
    assert deleted + sum(rest["deleted"][tenant["tenantId"]].values()) == 105  # 100 + 5 technical
    assert count(client, tenant["tenantId"], "behaviour") == 0
    assert count(client, tenant["tenantId"], "conversation") == 5
    again = sweeps.sweep_expired(Budget(items=10_000, seconds=60))
    assert again == {"complete": True, "deleted": {}}
    entries = client.services.audit_for("eu").entries(
        tenant["tenantId"], action="retention.sweep-expired"
    )
    assert len(entries.items) == 2
