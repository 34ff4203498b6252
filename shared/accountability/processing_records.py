"""Records of processing for one tenant, generated from its live settings and state.

Nothing here is typed in by hand: categories and purposes come from the product's own table,
retention from the tenant's effective policy (overrides included), subprocessors from the
active register, holds and open requests from the tenant's current state.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from shared.accountability.records_models import (
    CategoryRecord,
    ContractTerms,
    DsarCounts,
    HoldRecord,
    PendingChange,
    RecordsOfProcessing,
)
from shared.accountability.subprocessors import Subprocessors, object_by
from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.dsar.lifecycle import FINISHED
from shared.dsar.models import DsarStatus
from shared.dsar.requests import DsarRequests
from shared.policies import processing
from shared.policies.retention import DEFAULT_RETENTION_DAYS, Category, effective_days
from shared.ports.clock import Clock
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant

PROCESSOR = "the widget vendor (this platform), processing on the controller's instructions"


def category_records(tenant: Tenant) -> list[CategoryRecord]:
    records = []
    for category in Category:
        override = tenant.retention.get(category.value)
        days = effective_days(category, tenant.retention)
        records.append(
            CategoryRecord(
                category=category.value,
                examples=processing.EXAMPLES[category],
                purposes=list(processing.PURPOSES[category]),
                defaultDays=DEFAULT_RETENTION_DAYS[category],
                overrideDays=override,
                effectiveDays=days,
                retention=processing.retention_rule(category, days, override is not None),
            )
        )
    return records


def dsar_counts(requests: list[dict[str, object]], now: datetime) -> DsarCounts:
    open_ = [r for r in requests if DsarStatus(str(r["status"])) not in FINISHED]
    overdue = sum(1 for r in open_ if datetime.fromisoformat(str(r["deadline"])) <= now)
    return DsarCounts(
        open=len(open_),
        overdue=overdue,
        byType=dict(Counter(str(r["type"]) for r in open_)),
        byStatus=dict(Counter(str(r["status"]) for r in open_)),
    )


class ProcessingRecords:
    def __init__(
        self,
        tenants: TenantDirectory,
        dsar_requests: DsarRequests,
        subprocessors: Subprocessors,
        audit: ControlAudit,
        clock: Clock,
    ) -> None:
        self._tenants = tenants
        self._dsar_requests = dsar_requests
        self._subprocessors = subprocessors
        self._audit = audit
        self._clock = clock

    def read(self, principal: Principal, tenant_id: str) -> RecordsOfProcessing:
        """The admin's read, served in the tenant's region (its open requests are counted from
        the region's store) and audited with counts."""
        tenant = self._tenants.local(tenant_id)
        records = self.build(tenant)
        details = {"subprocessors": len(records.subprocessors), "holds": len(records.legalHolds)}
        self._audit.tenant(tenant, principal.actor, "records.read", tenant_id, details)
        return records

    def build(self, tenant: Tenant) -> RecordsOfProcessing:
        now = self._clock.now()
        return RecordsOfProcessing(
            tenantId=tenant.tenantId,
            tenantName=tenant.name,
            region=tenant.region,
            status=tenant.status,
            contractEnd=tenant.contractEnd,
            generatedAt=now,
            controller=tenant.name,
            processor=PROCESSOR,
            purposes=sorted({p for ps in processing.PURPOSES.values() for p in ps}),
            categories=category_records(tenant),
            ipPolicy=tenant.ipPolicy,
            recordingEnabled=tenant.recordingEnabled,
            contractTerms=ContractTerms(
                dpaVersion=tenant.dpaVersion, objectionWindowDays=tenant.objectionWindowDays
            ),
            subprocessors=self._subprocessors.entries(active_only=True),
            pendingSubprocessorChanges=self._pending(tenant),
            securityMeasures=[
                *processing.SECURITY_MEASURES,
                processing.IP_POLICIES[tenant.ipPolicy],
            ],
            legalHolds=[
                HoldRecord(
                    holdId=h.holdId,
                    scope=h.scope,
                    subjects=len(h.subjectIds),
                    createdAt=h.createdAt,
                    until=h.until,
                )
                for h in tenant.legalHolds
            ],
            openDsar=dsar_counts(self._dsar_requests.every(tenant.tenantId), now),
        )

    def _pending(self, tenant: Tenant) -> list[PendingChange]:
        return [
            PendingChange(
                changeId=c["changeId"],
                kind=c["kind"],
                name=(c.get("subprocessor") or c.get("previous") or {}).get("name", ""),
                effectiveFrom=c["effectiveFrom"],
                objectBy=object_by(c, tenant),
                objected=any(o["tenantId"] == tenant.tenantId for o in c["objections"]),
            )
            for c in self._subprocessors.pending()
        ]
