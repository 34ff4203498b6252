"""The backstop sweep deletes what is past its period that TTL did not remove, skips held
subjects, resumes where a bounded run stopped, and audits counts per category."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.auth import Principal
from shared.composition import App
from shared.containers import SUBJECTS
from shared.ports.document_store import Query
from shared.retention.jobs import Budget
from shared.retention.models import LegalHoldCreate
from shared.subjects.models import HoldIdentifiers
from tests.fakes import FakeClock


def plant(services: App, tenant_id: str, subject_id: str, n: int, days_ago: int) -> None:
    at = (services.clock.now() - timedelta(days=days_ago)).isoformat()
    for i in range(n):
        services.store.create(
            SUBJECTS.name,
            {
                "id": f"{subject_id}-{i}",
                "tenantId": tenant_id,
                "subjectId": subject_id,
                "category": "behaviour",
                "createdAt": at,
                "ttl": -1,  # stamped while held, say: TTL will not remove it
            },
        )


def left(services: App, tenant_id: str) -> list[str]:
    return sorted(
        i["id"] for i in services.store.query(SUBJECTS.name, (tenant_id,), Query(), 99).items
    )


def test_expired_items_go_in_bounded_runs_and_the_trail_gets_counts(
    services: App, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    plant(services, tid, "s-old", 3, days_ago=40)
    plant(services, tid, "s-new", 1, days_ago=5)
    first = services.sweeps.sweep_expired(Budget(items=2, seconds=60))
    assert not first["complete"]
    second = services.sweeps.sweep_expired(Budget(items=100, seconds=60))
    assert second["complete"]
    assert left(services, tid) == ["s-new-0"]
    details = [
        e["details"]["deleted"]
        for e in services.audit_for("eu").entries(tid, action="retention.sweep-expired").items
    ]
    assert sum(d["behaviour"] for d in details) == 3


def test_a_held_subject_is_skipped(services: App, tenant: dict[str, Any]) -> None:
    tid = tenant["tenantId"]
    plant(services, tid, "s-old", 2, days_ago=40)
    visitor = services.visitors.find(tid, "v-held").subject_id
    plant(services, tid, visitor, 1, days_ago=40)
    hold = LegalHoldCreate(
        scope="subject", identifiers=HoldIdentifiers(visitorId="v-held"), reason="claim"
    )
    services.legal_holds.create(Principal(actor="oid-1", grants=frozenset()), tid, hold)
    services.sweeps.sweep_expired(Budget(items=100, seconds=60))
    assert left(services, tid) == [f"{visitor}-0"]
