"""Timer sweeps: the control behind TTL, and the evidence that deletion happened.

The backstop sweep finds items past their period that TTL did not remove (TTL off, a policy
shortened, a hold released) and deletes them unless held; it resumes from a saved position,
so an interrupted run deletes nothing twice and a run on a clean store deletes nothing.
Each run appends audit entries with counts per tenant and category.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from shared.audit.trail import AuditTrail
from shared.containers import AUDIT, MAINTENANCE, SUBJECTS
from shared.policies.holds import is_held
from shared.policies.retention import Category, effective_days
from shared.policies.stored_records import record_count
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, NotFound, Query
from shared.ports.message_bus import MessageBus
from shared.recordings.cleanup import RecordingCleanup
from shared.retention.holds import LegalHolds
from shared.retention.jobs import Budget
from shared.telemetry import core as telemetry
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant

SYSTEM_ACTOR = "system:sweep"
SWEPT = (Category.BEHAVIOUR, Category.TECHNICAL, Category.CONVERSATION, Category.RECORDING)
STAMP = "_stamp"


class Sweeps:
    def __init__(
        self,
        tenants: TenantDirectory,
        store: DocumentStore,
        bus: MessageBus,
        holds: LegalHolds,
        audit_for: Callable[[str], AuditTrail],
        clock: Clock,
        region: str,
        queues: list[str],
        dead_letter_days: int,
        recordings: RecordingCleanup,
    ) -> None:
        self._tenants = tenants
        self._store = store
        self._bus = bus
        self._holds = holds
        self._audit_for = audit_for
        self._clock = clock
        self._region = region
        self._queues = queues
        self._dead_letter_days = dead_letter_days
        self._recordings = recordings

    # -- positions ---------------------------------------------------------------------------

    def _position(self, name: str) -> dict[str, Any]:
        try:
            return self._store.read(MAINTENANCE.name, (STAMP,), name)
        except NotFound:
            return {"id": name, "tenantId": STAMP, "tenant": None, "step": 0, "token": None}

    def _save(self, position: dict[str, Any], report: dict[str, Any]) -> None:
        position["lastRun"] = {"at": self._clock.now().isoformat(), **report}
        self._store.upsert(MAINTENANCE.name, position)

    # -- backstop over subject data ------------------------------------------------------------

    def sweep_expired(self, budget: Budget) -> dict[str, Any]:
        return self._sweep("sweep-expired", budget, len(SWEPT), self._expired_page)

    def sweep_audit(self, budget: Budget) -> dict[str, Any]:
        return self._sweep("sweep-audit", budget, 1, self._audit_page)

    def _sweep(
        self,
        name: str,
        budget: Budget,
        steps: int,
        page_of: Callable[[Tenant, int, str | None, Counter[str], int], str | None],
    ) -> dict[str, Any]:
        """Walk tenants x steps from the saved position; pages delete what is due."""
        position = self._position(name)
        tenants = sorted(self._tenants.in_region(self._region), key=lambda t: t.tenantId)
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        todo = [
            t for t in tenants if position["tenant"] is None or t.tenantId >= position["tenant"]
        ]
        complete = True
        for tenant in todo:
            if position["tenant"] != tenant.tenantId:
                position.update(tenant=tenant.tenantId, step=0, token=None)
            while position["step"] < steps:
                if budget.exhausted():
                    complete = False
                    break
                room = max(1, min(500, budget.items - budget.used))
                token = page_of(
                    tenant, position["step"], position["token"], counts[tenant.tenantId], room
                )
                budget.used += counts[tenant.tenantId].pop("_scanned", 0)
                position["token"] = token
                position["step"] += 0 if token else 1
            if not complete:
                break
        if complete:
            position.update(tenant=None, step=0, token=None)
        report = {"complete": complete, "deleted": {t: dict(c) for t, c in counts.items() if c}}
        self._save(position, report)
        self._audit_counts(name, tenants, counts)
        return report

    def _expired_page(
        self, tenant: Tenant, step: int, token: str | None, counts: Counter[str], size: int
    ) -> str | None:
        now = self._clock.now()
        category = SWEPT[step]
        days = effective_days(category, tenant.retention)
        if days is None or is_held(tenant.legalHolds, None, now):
            return None
        cutoff = (now - timedelta(days=days)).isoformat()
        query = Query(
            filters=[Filter("category", "=", category.value), Filter("createdAt", "<", cutoff)]
        )
        page = self._store.query(SUBJECTS.name, (tenant.tenantId,), query, size, token)
        doomed = [i for i in page.items if not is_held(tenant.legalHolds, i["subjectId"], now)]
        refs = [((i["tenantId"], i["subjectId"]), i["id"]) for i in doomed]
        if self._store.delete_many(SUBJECTS.name, refs):
            counts[category.value] += sum(record_count(i) for i in doomed)
            self._recordings.items_deleted(doomed)
        counts["_scanned"] += len(page.items)
        return page.continuation

    def _audit_page(
        self, tenant: Tenant, step: int, token: str | None, counts: Counter[str], size: int
    ) -> str | None:
        days = effective_days(Category.AUDIT, tenant.retention) or 365
        cutoff = (self._clock.now() - timedelta(days=days)).isoformat()
        query = Query(filters=[Filter("type", "=", "entry"), Filter("at", "<", cutoff)])
        page = self._store.query(AUDIT.name, (tenant.tenantId,), query, size, token)
        refs = [((tenant.tenantId,), i["id"]) for i in page.items]
        if deleted := self._store.delete_many(AUDIT.name, refs):
            counts["audit"] += deleted
        counts["_scanned"] += len(page.items)
        return page.continuation

    def _audit_counts(
        self, name: str, tenants: list[Tenant], counts: dict[str, Counter[str]]
    ) -> None:
        by_id = {t.tenantId: t for t in tenants}
        for tenant_id, counted in counts.items():
            for category, deleted in counted.items():
                telemetry.count("privacy.retention.deleted", deleted, category=category)
            if counted and tenant_id in by_id:
                tenant = by_id[tenant_id]
                self._audit_for(tenant.region).append(
                    tenant_id,
                    tenant.retention,
                    actor=SYSTEM_ACTOR,
                    action=f"retention.{name}",
                    target=tenant_id,
                    details={"deleted": dict(counted)},
                )

    # -- other duties ----------------------------------------------------------------------------

    def sweep_dead_letters(self) -> dict[str, int]:
        cutoff = self._clock.now() - timedelta(days=self._dead_letter_days)
        return {q: self._bus.purge_dead_letters(q, cutoff) for q in self._queues}

    def sweep_recordings(self) -> dict[str, dict[str, int]]:
        """Audio no recording document accounts for (its document expired by TTL, an upload
        cut short): deleted, and counted in each tenant's trail."""
        found = {}
        for tenant in self._tenants.in_region(self._region):
            counted = self._recordings.sweep(tenant.tenantId)
            if counted:
                found[tenant.tenantId] = counted
                self._audit_for(tenant.region).append(
                    tenant.tenantId,
                    tenant.retention,
                    actor=SYSTEM_ACTOR,
                    action="retention.sweep-recordings",
                    target=tenant.tenantId,
                    details={"deleted": counted},
                )
        return found

    def release_lapsed_holds(self) -> int:
        return sum(self._holds.release_lapsed(t) for t in self._tenants.in_region(self._region))
