"""Offboarding: contract end -> 30-day export window -> purge -> consent proof expiry.

Phases advance from a timer in bounded, resumable steps, one run at a time per tenant (a lease,
``shared.retention.leases``: the timer and a manual run may overlap). The purge
(``offboarding_purge``) deletes every item of the tenant, its wrapped data keys, blind-index
entries, privacy requests and notifications, except consent proof (kept until contract end + 3
years) and data under a legal hold; it leaves the audit trail and a certificate of counts and
times (no personal data), each record counted once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shared.audit.trail import AuditTrail
from shared.auth import Principal
from shared.containers import TENANTS
from shared.errors import Conflict
from shared.lifecycle import advance
from shared.notify.models import EventType
from shared.notify.outbox import NO_WAKE, Outbox, OutboxRef, event_doc
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Item
from shared.recordings.audio import AudioChunks
from shared.recordings.cleanup import RecordingCleanup
from shared.retention.jobs import Budget
from shared.retention.leases import Lease, LeaseLost, Leases
from shared.retention.lifecycle import OFFBOARDING, OffboardingPhase
from shared.retention.models import Offboarding, OffboardingMode
from shared.retention.offboarding_export import build_export, delete_export
from shared.retention.offboarding_purge import TenantPurge
from shared.subjects.keys import SubjectKeys
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.lifecycle import TenantStatus
from shared.tenancy.models import Tenant

SYSTEM_ACTOR = "system:offboarding"
log = logging.getLogger("shared.retention")


class OffboardingService:
    def __init__(
        self,
        tenants: TenantDirectory,
        store: DocumentStore,
        subjects: SubjectKeys,
        blobs: BlobStore,
        audit_for: Callable[[str], AuditTrail],
        clock: Clock,
        region: str,
        export_days: int = 30,
        consent_years: int = 3,
        outbox: Outbox = NO_WAKE,
    ) -> None:
        self._outbox = outbox
        self._tenants = tenants
        self._store = store
        self._subjects = subjects
        self._blobs = blobs
        self._audit_for = audit_for
        self._clock = clock
        self._region = region
        self._export_days = export_days
        self._consent_years = consent_years
        self._purger = TenantPurge(store, RecordingCleanup(store, AudioChunks(blobs), clock), clock)
        self._leases = Leases(store, clock, "offboarding")

    def start(
        self,
        principal: Principal,
        tenant_id: str,
        contract_end: datetime,
        mode: OffboardingMode = "export_then_delete",
    ) -> Tenant:
        tenant = self._tenants.get(tenant_id)
        if tenant.offboarding and tenant.offboarding.phase != OffboardingPhase.SCHEDULED.value:
            raise Conflict("offboarding is already under way for this tenant")
        window_opens = max(contract_end, self._clock.now())  # late notice still gets 30 days
        keep = mode == "export_then_delete"  # delete_now: nothing is kept past contract end
        plan = Offboarding(
            phase=OFFBOARDING.initial.value,
            mode=mode,
            contractEnd=contract_end,
            exportAvailableUntil=window_opens + timedelta(days=self._export_days)
            if keep
            else contract_end,
            consentPurgeAt=contract_end + timedelta(days=365 * self._consent_years + 1)
            if keep
            else contract_end,
        )
        updated = self._tenants.update_fields(
            tenant_id,
            lambda t: {
                "offboarding": plan.model_dump(mode="json"),
                "contractEnd": contract_end.isoformat(),
            },
            status=TenantStatus.OFFBOARDING,
        )
        self._audit_for(tenant.region).append(
            tenant_id,
            tenant.retention,
            actor=principal.actor,
            action="offboarding.scheduled",
            target=tenant_id,
            details={"contractEnd": contract_end.isoformat(), "mode": mode},
        )
        return updated

    def advance(self, budget: Budget) -> list[dict[str, Any]]:
        """Move every offboarding tenant of this region as far as its dates and the budget
        allow; a tenant another run is moving now (its lease is held) waits for the next run."""
        reports = []
        for tenant in self._tenants.in_region(self._region):
            plan = tenant.offboarding
            if plan is None or budget.exhausted() or self._due(plan) is None:
                continue
            lease = self._leases.acquire(tenant.tenantId)
            if lease is None:
                continue
            try:
                fresh = self._tenants.get(tenant.tenantId)  # as the last holder left it
                assert fresh.offboarding is not None
                phase = self._step(fresh, fresh.offboarding, budget, lease)
            except LeaseLost:
                log.warning("offboarding run overtaken", extra={"tenantId": tenant.tenantId})
                continue
            finally:
                lease.release()
            if phase != plan.phase:
                reports.append({"tenantId": tenant.tenantId, "phase": phase})
        return reports

    def _due(self, plan: Offboarding) -> str | None:
        """What the plan's dates ask for now (None: nothing until a later run)."""
        now = self._clock.now()
        scheduled = plan.phase == OffboardingPhase.SCHEDULED.value
        if scheduled and now >= plan.contractEnd:
            return "delete_now" if plan.mode == "delete_now" else "export"
        if plan.phase == OffboardingPhase.EXPORT_AVAILABLE.value:
            return "close_window" if now >= plan.exportAvailableUntil else None
        if plan.phase == OffboardingPhase.PURGING.value:
            return "purge"
        if plan.phase == OffboardingPhase.PURGED.value and now >= plan.consentPurgeAt:
            return "consent_purge"
        return None

    def _step(self, tenant: Tenant, plan: Offboarding, budget: Budget, lease: Lease) -> str:
        due = self._due(plan)
        if due == "delete_now":  # no export: purge everything at contract end
            self._set(tenant, lease, {"continuation": None}, "offboarding.deleting",
                      {"mode": plan.mode}, phase=OffboardingPhase.PURGING)
            plan = plan.model_copy(update={"phase": OffboardingPhase.PURGING.value})
            return self._purge(tenant, plan, budget, lease, keep_consent=False)
        if due == "export":
            now = self._clock.now()
            manifest = build_export(self._store, self._subjects, self._blobs, tenant.tenantId,
                                    now, before_upload=lease.renew)
            files = manifest["files"]
            details = {"files": len(files), "records": sum(f["records"] for f in files)}
            self._set(tenant, lease, {"export": manifest}, "offboarding.exported", details,
                      phase=OffboardingPhase.EXPORT_AVAILABLE,
                      event=export_ready(tenant.tenantId, manifest, plan, now))
            self._outbox.wake([OutboxRef(TENANTS.name, (tenant.tenantId,), tenant.tenantId)])
            return OffboardingPhase.EXPORT_AVAILABLE
        if due == "close_window":
            delete_export(self._blobs, tenant.tenantId)
            self._set(tenant, lease, {"continuation": None}, None, None, OffboardingPhase.PURGING)
            return OffboardingPhase.PURGING
        if due == "purge":
            return self._purge(tenant, plan, budget, lease, keep_consent=plan.mode != "delete_now")
        if due == "consent_purge":
            return self._purge(tenant, plan, budget, lease, keep_consent=False)
        return plan.phase

    def _purge(
        self, tenant: Tenant, plan: Offboarding, budget: Budget, lease: Lease, keep_consent: bool
    ) -> str:
        delete_now = plan.mode == "delete_now"
        stage = "purge" if keep_consent or delete_now else "consentPurge"
        counts = self._purger.run(tenant, stage, keep_consent, lease, budget, plan.continuation)
        if counts is None:
            return plan.phase
        now = self._clock.now().isoformat()
        certificate = dict(plan.certificate or {})
        certificate[stage] = {"completedAt": now, "counts": dict(sorted(counts.items()))}
        certificate.update(
            {"tenantId": tenant.tenantId, "contractEnd": plan.contractEnd.isoformat(),
             "mode": plan.mode}
        )
        if delete_now:
            certificate["export"] = "none: the controller chose deletion without export"
        phase = OffboardingPhase.PURGED if keep_consent else OffboardingPhase.CLOSED
        self._set(
            tenant,
            lease,
            {"continuation": None, "certificate": certificate},
            f"offboarding.{phase}",
            {"counts": dict(counts)},
            phase=phase,
            status=TenantStatus.OFFBOARDED,
        )
        if phase == OffboardingPhase.CLOSED:
            lease.end()
        else:
            lease.state = None
        return phase

    def _set(
        self,
        tenant: Tenant,
        lease: Lease,
        fields: dict[str, Any],
        action: str | None,
        details: dict[str, Any] | None,
        phase: OffboardingPhase | None = None,
        status: TenantStatus | None = None,
        event: dict[str, Any] | None = None,
    ) -> None:
        """Save the plan's progress; with ``phase``, move it there (checked by its table: the
        offboarding phase is written here and nowhere else). ``event`` rides in the same write
        of the tenant document (its ``outbox``, ``shared.notify.outbox``). The lease is
        renewed first: a run that lost it writes nothing."""
        lease.renew()

        def change(current: Tenant) -> dict[str, Any]:
            plan = current.offboarding
            assert plan is not None
            update = dict(fields)
            if phase is not None and plan.phase != phase:
                update["phase"] = advance(OFFBOARDING, plan.phase, phase).value
            saved = {"offboarding": plan.model_copy(update=update).model_dump(mode="json")}
            return saved | ({"outbox": [event], "outboxPending": True} if event else {})

        self._tenants.update_fields(tenant.tenantId, change, status)
        if action:
            self._audit_for(tenant.region).append(
                tenant.tenantId,
                tenant.retention,
                actor=SYSTEM_ACTOR,
                action=action,
                target=tenant.tenantId,
                details=details,
            )


def export_ready(
    tenant_id: str, manifest: dict[str, Any], plan: Offboarding, now: datetime
) -> Item:
    """The ``offboarding.export_ready`` event: counts and dates of the package, no content."""
    data = {
        "tenantId": tenant_id,
        "files": len(manifest["files"]),
        "records": sum(f["records"] for f in manifest["files"]),
        "contractEnd": plan.contractEnd.isoformat(),
        "exportAvailableUntil": plan.exportAvailableUntil.isoformat(),
    }
    partition = {"tenantId": tenant_id}
    return event_doc(EventType.OFFBOARDING_EXPORT_READY, data, now, partition, target=tenant_id)
