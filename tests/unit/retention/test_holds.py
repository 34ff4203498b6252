"""Legal holds: a subject found later by a held identifier joins the hold, its items are
re-stamped, and the audit names the hold and its size, never the identifiers or reason."""

from __future__ import annotations

from typing import Any

from shared.auth import Principal
from shared.composition import App
from shared.retention.holds import adopt_subject
from shared.retention.models import LegalHoldCreate
from shared.subjects.models import HoldIdentifiers

ADMIN = Principal(actor="oid-privacy", grants=frozenset())


def test_a_subject_found_later_by_a_held_email_joins_the_hold_once(
    services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    cmd = LegalHoldCreate(
        scope="subject",
        identifiers=HoldIdentifiers(email="jean@example.com"),
        reason="claim 2026-17 by jean@example.com",
    )
    hold = services.legal_holds.create(ADMIN, tid, cmd)
    assert hold.subjectIds == []  # nothing of this email has arrived yet
    digest = hold.identifierDigests["email"]
    assert adopt_subject(services.tenants, services.clock, tid, "email", digest, "s-9")
    assert not adopt_subject(services.tenants, services.clock, tid, "email", digest, "s-9")
    current = services.tenants.get(tid)
    assert current.legalHolds[0].subjectIds == ["s-9"]
    job = current.retentionJob
    assert job is not None and "hold.subject_joined" in job.reasons and "s-9" in (
        job.subjectIds or []
    )
    audited = services.audit_for("eu").entries(tid, action="hold.created").items
    assert audited[0]["details"] == {"scope": "subject", "subjects": 0, "until": None}
    assert "jean" not in str(audited)


def test_releasing_a_hold_queues_the_re_stamp_of_its_subjects(
    services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    hold = services.legal_holds.create(ADMIN, tid, LegalHoldCreate(scope="tenant", reason="audit"))
    services.legal_holds.release(ADMIN.actor, tid, hold.holdId)
    current = services.tenants.get(tid)
    assert current.legalHolds == []
    assert current.retentionJob is not None and "hold.released" in current.retentionJob.reasons
