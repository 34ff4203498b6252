"""Legal holds: pause deletion for a tenant or for subjects found through the blind index.

Creating or releasing a hold changes the tenant's policy and queues a re-stamp of the items in
its scope (``ttl = -1`` while held; the remaining time, or deletion now, once released).
Audit entries name the hold and its scope size, never the identifiers or the free-text reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from shared.auth import Principal
from shared.crypto.blind_index import IdentifierKind, blind_index
from shared.errors import BadRequest, NotFound
from shared.models.tenant import HoldIdentifiers, LegalHold, LegalHoldCreate, Tenant
from shared.policies.identifiers import InvalidIdentifier, normalise_email, normalise_phone
from shared.ports.clock import Clock
from shared.ports.key_provider import KeyProvider
from shared.services.audit_trail import AuditTrail
from shared.services.blind_index_entries import BlindIndexEntries
from shared.services.retention_jobs import request_restamp
from shared.services.tenant_directory import TenantDirectory


def resolve_subjects(
    index: BlindIndexEntries, keys: KeyProvider, tenant: Tenant, ids: HoldIdentifiers
) -> list[str]:
    """Subject ids behind any of the identifiers (several identifiers merge into one set)."""
    try:
        normalised: list[tuple[IdentifierKind, str]] = []
        if ids.email:
            normalised.append(("email", normalise_email(ids.email)))
        if ids.phone:
            normalised.append(("phone", normalise_phone(ids.phone, tenant.defaultCountry)))
        if ids.visitorId:
            normalised.append(("visitor", ids.visitorId))
    except InvalidIdentifier as exc:
        raise BadRequest(f"an identifier is not valid: {exc}") from None
    key = keys.secret("blind-index")
    found: set[str] = set()
    for kind, value in normalised:
        found |= set(
            index.lookup(tenant.tenantId, kind, blind_index(key, tenant.tenantId, kind, value))
        )
    return sorted(found)


class LegalHolds:
    def __init__(
        self,
        tenants: TenantDirectory,
        index: BlindIndexEntries,
        keys: KeyProvider,
        audit_for: Callable[[str], AuditTrail],
        clock: Clock,
    ) -> None:
        self._tenants = tenants
        self._index = index
        self._keys = keys
        self._audit_for = audit_for
        self._clock = clock

    def _audit(self, tenant: Tenant) -> AuditTrail:
        return self._audit_for(tenant.region)

    def create(self, principal: Principal, tenant_id: str, cmd: LegalHoldCreate) -> LegalHold:
        tenant = self._tenants.get(tenant_id)
        subject_ids: list[str] = []
        if cmd.scope == "subject":
            if cmd.identifiers is None:
                raise BadRequest("a subject-scoped hold needs identifiers")
            subject_ids = resolve_subjects(self._index, self._keys, tenant, cmd.identifiers)
            if not subject_ids:
                raise NotFound("no data subject of this tenant matches these identifiers")
        hold = LegalHold(
            holdId=f"hold-{uuid.uuid4().hex[:16]}",
            scope=cmd.scope,
            subjectIds=subject_ids,
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
