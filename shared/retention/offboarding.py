"""Offboarding: contract end -> 30-day export window -> purge -> consent proof expiry.

Phases advance from a timer in bounded, resumable steps. The purge deletes every item of the
tenant, its wrapped data keys and blind-index entries, except consent proof (kept until contract
end + 3 years) and data under a legal hold; it leaves the audit trail and a certificate of
counts and times (no personal data).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shared.audit.trail import AuditTrail
from shared.auth import Principal
from shared.containers import INDEX, REQUESTS, SUBJECTS, TENANTS
from shared.errors import Conflict
from shared.lifecycle import advance
from shared.notify.models import EventType
from shared.notify.outbox import NO_WAKE, Outbox, OutboxRef, event_doc
from shared.policies.holds import is_held
from shared.policies.stored_records import record_count
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Item, Query
from shared.recordings.audio import AudioChunks
from shared.recordings.cleanup import RecordingCleanup
from shared.retention.jobs import Budget
from shared.retention.lifecycle import OFFBOARDING, OffboardingPhase
from shared.retention.models import Offboarding, OffboardingMode
from shared.retention.offboarding_export import build_export, delete_export
from shared.subjects.keys import SubjectKeys
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.lifecycle import TenantStatus
from shared.tenancy.models import Tenant

SYSTEM_ACTOR = "system:offboarding"
STAGES = (SUBJECTS.name, INDEX.name, REQUESTS.name)


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
        self._recordings = RecordingCleanup(store, AudioChunks(blobs), clock)

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
        """Move every offboarding tenant of this region as far as its dates and the budget allow."""
        reports = []
        for tenant in self._tenants.in_region(self._region):
            if tenant.offboarding is None or budget.exhausted():
                continue
            phase = self._step(tenant, tenant.offboarding, budget)
            if phase != tenant.offboarding.phase:
                reports.append({"tenantId": tenant.tenantId, "phase": phase})
        return reports

    def _step(self, tenant: Tenant, plan: Offboarding, budget: Budget) -> str:
        now = self._clock.now()
        due = plan.phase == OffboardingPhase.SCHEDULED.value and now >= plan.contractEnd
        if due and plan.mode == "delete_now":  # no export: purge everything at contract end
            self._set(tenant, {"continuation": None}, "offboarding.deleting", {"mode": plan.mode},
                      phase=OffboardingPhase.PURGING)
            plan = plan.model_copy(update={"phase": OffboardingPhase.PURGING.value})
            return self._purge(tenant, plan, budget, keep_consent=False)
        if due:
            manifest = build_export(self._store, self._subjects, self._blobs, tenant.tenantId, now)
            self._set(
                tenant,
                {"export": manifest},
                "offboarding.exported",
                {
                    "files": len(manifest["files"]),
                    "records": sum(f["records"] for f in manifest["files"]),
                },
                phase=OffboardingPhase.EXPORT_AVAILABLE,
                event=export_ready(tenant.tenantId, manifest, plan, now),
            )
            self._outbox.wake([OutboxRef(TENANTS.name, (tenant.tenantId,), tenant.tenantId)])
            return OffboardingPhase.EXPORT_AVAILABLE
        window_closed = now >= plan.exportAvailableUntil
        if plan.phase == OffboardingPhase.EXPORT_AVAILABLE.value and window_closed:
            delete_export(self._blobs, tenant.tenantId)
            self._set(tenant, {"continuation": None}, None, None, OffboardingPhase.PURGING)
            return OffboardingPhase.PURGING
        if plan.phase == OffboardingPhase.PURGING.value:
            return self._purge(tenant, plan, budget, keep_consent=plan.mode != "delete_now")
        if plan.phase == OffboardingPhase.PURGED.value and now >= plan.consentPurgeAt:
            return self._purge(tenant, plan, budget, keep_consent=False)
        return plan.phase

    def _purge(self, tenant: Tenant, plan: Offboarding, budget: Budget, keep_consent: bool) -> str:
        state = (
            json.loads(plan.continuation)
            if plan.continuation
            else {"stage": 0, "token": None, "counts": {}}
        )
        counts: Counter[str] = Counter(state["counts"])
        now = self._clock.now()
        while state["stage"] < len(STAGES) and not budget.exhausted():
            container = STAGES[state["stage"]]
            page = self._store.query(container, (tenant.tenantId,), Query(), 500, state["token"])
            doomed = [
                i
                for i in page.items
                if not self._kept(tenant, container, i, now, keep_consent, counts)
            ]
            self._store.delete_many(container, [(self._pk(container, i), i["id"]) for i in doomed])
            self._recordings.items_deleted(doomed)
            budget.used += len(page.items)
            state["token"] = page.continuation
            state["stage"] += 0 if page.continuation else 1
        state["counts"] = dict(counts)
        if state["stage"] < len(STAGES):
            self._set(tenant, {"continuation": json.dumps(state)}, None, None)
            return plan.phase
        return self._certify(tenant, plan, counts, keep_consent)

    @staticmethod
    def _pk(container: str, item: dict[str, Any]) -> tuple[str, ...]:
        return (
            (item["tenantId"], item["subjectId"])
            if container == SUBJECTS.name
            else (item["tenantId"],)
        )

    def _kept(
        self,
        tenant: Tenant,
        container: str,
        item: dict[str, Any],
        now: datetime,
        keep_consent: bool,
        counts: Counter[str],
    ) -> bool:
        """Counts what goes (per category) and what stays (and why)."""
        subject_ids = [item["subjectId"]] if "subjectId" in item else item.get("subjectIds", [])
        records = record_count(item)
        if container != REQUESTS.name and any(
            is_held(tenant.legalHolds, s, now) for s in subject_ids
        ):
            counts["kept.legalHold"] += records
            return True
        kind = (
            item.get("category")
            or {
                SUBJECTS.name: item.get("type", "other"),
                INDEX.name: "blindIndex",
                REQUESTS.name: "privacyRequests",
            }[container]
        )
        if kind == "subject":
            kind = "dataKeys"
        if keep_consent and kind == "consent":
            counts["kept.consent"] += records
            return True
        counts[f"deleted.{kind}"] += records
        return False

    def _certify(
        self, tenant: Tenant, plan: Offboarding, counts: Counter[str], keep_consent: bool
    ) -> str:
        now = self._clock.now().isoformat()
        certificate = dict(plan.certificate or {})
        delete_now = plan.mode == "delete_now"
        stage = "purge" if keep_consent or delete_now else "consentPurge"
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
            {"continuation": None, "certificate": certificate},
            f"offboarding.{phase}",
            {"counts": dict(counts)},
            phase=phase,
            status=TenantStatus.OFFBOARDED,
        )
        return phase

    def _set(
        self,
        tenant: Tenant,
        fields: dict[str, Any],
        action: str | None,
        details: dict[str, Any] | None,
        phase: OffboardingPhase | None = None,
        status: TenantStatus | None = None,
        event: dict[str, Any] | None = None,
    ) -> None:
        """Save the plan's progress; with ``phase``, move it there (checked by its table: the
        offboarding phase is written here and nowhere else). ``event`` rides in the same write
        of the tenant document (its ``outbox``, ``shared.notify.outbox``)."""

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
