"""Legal holds: pause deletion for a tenant or for subjects found through the blind index.

Creating or releasing a hold changes the tenant's policy and queues a re-stamp of the items in
its scope (``ttl = -1`` while held; the remaining time, or deletion now, once released).
Audit entries name the hold and its scope size, never the identifiers or the free-text reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from shared.audit.trail import AuditTrail
from shared.auth import Principal
from shared.errors import BadRequest, NotFound
from shared.ports.clock import Clock
from shared.ports.key_provider import KeyProvider
from shared.retention.jobs import request_restamp
from shared.retention.models import LegalHold, LegalHoldCreate
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.resolution import identifier_digests, subjects_for
from shared.subjects.visitors import VisitorBinding
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant


class LegalHolds:
    def __init__(
        self,
        tenants: TenantDirectory,
        index: BlindIndexEntries,
        keys: KeyProvider,
        visitors: VisitorBinding,
        audit_for: Callable[[str], AuditTrail],
        clock: Clock,
    ) -> None:
        self._tenants = tenants
        self._index = index
        self._keys = keys
        self._visitors = visitors
        self._audit_for = audit_for
        self._clock = clock

    def _audit(self, tenant: Tenant) -> AuditTrail:
        return self._audit_for(tenant.region)

    def create(self, principal: Principal, tenant_id: str, cmd: LegalHoldCreate) -> LegalHold:
        tenant = self._tenants.get(tenant_id)
        subject_ids: list[str] = []
        digests: dict[str, str] = {}
        if cmd.scope == "subject":
            if cmd.identifiers is None:
                raise BadRequest("a subject-scoped hold needs identifiers")
            every = identifier_digests(self._keys, tenant, cmd.identifiers)
            digests = every.current
            found = set(subjects_for(self._index, tenant, every, self._clock.now()))
            if cmd.identifiers.visitorId:  # known even before the visitor's data arrives
                found.add(self._visitors.find(tenant_id, cmd.identifiers.visitorId).subject_id)
            subject_ids = sorted(found)
        hold = LegalHold(
            holdId=f"hold-{uuid.uuid4().hex[:16]}",
            scope=cmd.scope,
            subjectIds=subject_ids,
            identifierDigests=digests,
            reason=cmd.reason,
            until=cmd.until,
            createdAt=self._clock.now(),
            createdBy=principal.actor,
        )
        self._tenants.update_fields(
            tenant_id,
            lambda t: {"legalHolds": [h.model_dump(mode="json") for h in [*t.legalHolds, hold]]},
        )
        request_restamp(
            self._tenants,
            tenant_id,
            "hold.created",
            self._clock,
            subject_ids if cmd.scope == "subject" else None,
        )
        self._audit(tenant).append(
            tenant_id,
            tenant.retention,
            actor=principal.actor,
            action="hold.created",
            target=hold.holdId,
            details={
                "scope": hold.scope,
                "subjects": len(subject_ids),
                "until": cmd.until.isoformat() if cmd.until else None,
            },
        )
        return hold

    def release(self, actor: str, tenant_id: str, hold_id: str, why: str = "released") -> None:
        tenant = self._tenants.get(tenant_id)
        hold = next((h for h in tenant.legalHolds if h.holdId == hold_id), None)
        if hold is None:
            raise NotFound("no such legal hold")
        self._tenants.update_fields(
            tenant_id,
            lambda t: {
                "legalHolds": [
                    h.model_dump(mode="json") for h in t.legalHolds if h.holdId != hold_id
                ]
            },
        )
        request_restamp(
            self._tenants,
            tenant_id,
            "hold.released",
            self._clock,
            hold.subjectIds if hold.scope == "subject" else None,
        )
        self._audit(tenant).append(
            tenant_id,
            tenant.retention,
            actor=actor,
            action=f"hold.{why}",
            target=hold_id,
            details={"scope": hold.scope, "subjects": len(hold.subjectIds)},
        )

    def release_lapsed(self, tenant: Tenant) -> int:
        """Holds whose ``until`` has passed are released like any other (sweep duty)."""
        now = self._clock.now()
        lapsed = [h for h in tenant.legalHolds if h.until is not None and h.until <= now]
        for hold in lapsed:
            self.release("system:retention", tenant.tenantId, hold.holdId, why="lapsed")
        return len(lapsed)


def adopt_subject(
    tenants: TenantDirectory,
    clock: Clock,
    tenant_id: str,
    kind: str,
    digest: str,
    subject_id: str,
) -> bool:
    """A subject newly found by a held identifier joins that hold; its items are re-stamped."""
    tenant = tenants.get(tenant_id)
    matching = [
        h.holdId
        for h in tenant.legalHolds
        if h.identifierDigests.get(kind) == digest and subject_id not in h.subjectIds
    ]
    if not matching:
        return False

    def join(current: Tenant) -> dict[str, object]:
        holds = [
            h.model_copy(update={"subjectIds": sorted({*h.subjectIds, subject_id})})
            if h.holdId in matching
            else h
            for h in current.legalHolds
        ]
        return {"legalHolds": [h.model_dump(mode="json") for h in holds]}

    tenants.update_fields(tenant_id, join)
    request_restamp(tenants, tenant_id, "hold.subject_joined", clock, [subject_id])
    return True
