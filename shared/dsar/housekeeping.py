"""What happens to finished requests over time (the ``purge_finished_dsar`` timer).

Their orchestration histories are purged from the task hub, access exports are deleted after
7 days, and ``dsrRecordDays`` (a tenant setting, 90 by default) after a request finished its
personal part is deleted: the sealed identifiers, requester details and notes, the wrapped
request key that sealed them, the identifiers' blind-index digests and the subjects' refs. What
remains is the certificate (type, dates, counts, actor ids, outcome), the history of statuses
and the audit trail, until the whole record expires (``PRIVACY_DSR_RECORD_DAYS``). An erased
person's identifiers then exist nowhere, not even in the request that erased them.

One exception keeps the subjects' refs: a restriction or objection still in force (its lift
needs them); they are deleted at the first sweep after the lift.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.audit.control import ControlAudit
from shared.dsar.export_package import delete_package
from shared.dsar.lifecycle import FINISHED
from shared.dsar.models import DsarStatus, DsarType
from shared.dsar.requests import REMOVE, DsarRequests
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant

SYSTEM_ACTOR = "system:dsar"
PERSONAL = (
    "enc",
    "dataKey",
    "identifierDigests",
    "identifierKeyVersion",
    "lookupIndexIds",
    "matches",
    "matchesIncompleteFor",
    "subjectHints",
)
"""Fields of a request that hold, seal or derive from the requester's identifiers."""
Doc = dict[str, Any]


def in_force(doc: Doc) -> bool:
    """A completed restriction or objection not lifted: its subjects are still flagged."""
    return (
        doc["type"] in (DsarType.RESTRICTION, DsarType.OBJECTION)
        and doc["status"] == DsarStatus.COMPLETED
        and "lifted" not in (doc.get("result") or {})
    )


def personal_fields(doc: Doc) -> list[str]:
    """What minimisation deletes from this request now."""
    names = [name for name in PERSONAL if name in doc]
    if doc.get("subjectIds") and not in_force(doc):
        names.append("subjectIds")
    return names


class DsarHousekeeping:
    def __init__(
        self,
        requests: DsarRequests,
        tenants: TenantDirectory,
        blobs: BlobStore,
        audit: ControlAudit,
        clock: Clock,
        region: str,
    ) -> None:
        self._requests = requests
        self._tenants = tenants
        self._blobs = blobs
        self._audit = audit
        self._clock = clock
        self._region = region

    def finished(self) -> list[tuple[Tenant, Doc]]:
        """The region's finished requests, read once per housekeeping run and handed to each
        step: a step's writes re-read their document under the ETag, so a snapshot suffices."""
        return [
            (tenant, doc)
            for tenant in self._tenants.in_region(self._region)
            for doc in self._requests.every(tenant.tenantId)
            if DsarStatus(doc["status"]) in FINISHED
        ]

    def finished_unpurged(
        self, finished: list[tuple[Tenant, Doc]] | None = None
    ) -> list[tuple[str, str]]:
        """Finished requests whose orchestration history may still be in the task hub."""
        return [
            (d["tenantId"], d["id"])
            for _, d in (self.finished() if finished is None else finished)
            if d.get("orchestrated") and not d.get("historyPurged")
        ]

    def mark_purged(self, tenant_id: str, request_id: str) -> None:
        """Recorded only while the request is still finished (a retry may have started a
        new orchestration meanwhile, whose history is not purged)."""

        def still_finished(doc: Doc) -> Doc:
            return {"historyPurged": True} if DsarStatus(doc["status"]) in FINISHED else {}

        self._requests.update(tenant_id, request_id, still_finished)

    def expire_exports(self, finished: list[tuple[Tenant, Doc]] | None = None) -> int:
        """Delete access packages past their 7 days; the certificate stays."""
        now = self._clock.now()
        removed = 0
        for _, doc in self.finished() if finished is None else finished:
            expires = (doc.get("result") or {}).get("exportExpiresAt")
            if expires and now >= datetime.fromisoformat(expires) and not doc.get("exportDeleted"):
                delete_package(self._blobs, doc["id"])
                self._requests.update(doc["tenantId"], doc["id"], {"exportDeleted": True})
                removed += 1
        return removed

    def minimise(self, finished: list[tuple[Tenant, Doc]] | None = None) -> int:
        """Delete the personal part of every request finished ``dsrRecordDays`` ago."""
        now = self._clock.now()
        done = 0
        for tenant, doc in self.finished() if finished is None else finished:
            ended = datetime.fromisoformat(doc.get("finishedAt") or doc["receivedAt"])
            if now < ended + timedelta(days=tenant.dsrRecordDays) or not personal_fields(doc):
                continue
            self._minimise(tenant, doc, now)
            done += 1
        return done

    def _minimise(self, tenant: Tenant, doc: Doc, now: datetime) -> None:
        removed: list[str] = []

        def strip(current: Doc) -> Doc:
            removed[:] = personal_fields(current)
            return dict.fromkeys(removed, REMOVE) | {"minimisedAt": now.isoformat()}

        self._requests.update(tenant.tenantId, doc["id"], strip)
        if not removed:  # another instance's sweep got there first
            return
        self._audit.tenant(
            tenant,
            actor=SYSTEM_ACTOR,
            action="dsar.minimised",
            target=doc["id"],
            details={"type": doc["type"], "fields": sorted(removed)},
            idempotency_key=f"dsar.minimised:{doc['id']}:{'+'.join(sorted(removed))}",
        )
