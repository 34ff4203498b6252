"""The purge of a departing tenant: page by page, resumable, each record counted exactly once.

Every item of the tenant goes (subject items and their wrapped data keys, blind-index entries,
privacy requests, and its notifications: webhooks with their sealed secrets, the delivery log,
outbox leftovers), except consent proof while it must be kept and data under a legal hold. Each
page is planned first (what goes, what stays and why, counted per category), the plan is saved
in the run's lease with the keys of the page's doomed items, and only then are they deleted. A
run that dies between the save and the deletes leaves the keys behind: the next holder deletes
them first without counting them again; two runs never work at once (the lease). So the
certificate counts each record once, whatever crashed or overlapped.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from shared.containers import INDEX, NOTIFICATIONS, REQUESTS, SUBJECTS
from shared.policies.holds import is_held
from shared.policies.stored_records import record_count
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Query
from shared.recordings.cleanup import RecordingCleanup
from shared.retention.jobs import Budget
from shared.retention.leases import Lease
from shared.tenancy.models import Tenant

STAGES = (SUBJECTS.name, INDEX.name, REQUESTS.name, NOTIFICATIONS.name)
PAGE = 500
CONTAINER_KINDS = {INDEX.name: "blindIndex", REQUESTS.name: "privacyRequests"}
NOTIFICATION_KINDS = {"webhook": "webhooks", "delivery": "deliveries", "outbox": "outboxEvents"}
"""The certificate's names for what the notifications partition holds."""


def kind_of(container: str, item: dict[str, Any]) -> str:
    """The certificate's name for an item: its retention category, else what it is."""
    if container == NOTIFICATIONS.name:
        found = item.get("kind") or item.get("docType")
        return NOTIFICATION_KINDS.get(str(found), "notifications")
    kind = item.get("category") or CONTAINER_KINDS.get(container) or item.get("type", "other")
    return "dataKeys" if kind == "subject" else str(kind)


class TenantPurge:
    def __init__(self, store: DocumentStore, recordings: RecordingCleanup, clock: Clock) -> None:
        self._store = store
        self._recordings = recordings
        self._clock = clock

    def run(
        self,
        tenant: Tenant,
        stage_name: str,
        keep_consent: bool,
        lease: Lease,
        budget: Budget,
        legacy: str | None = None,
    ) -> Counter[str] | None:
        """Purge as far as the budget allows; the counts once every container is done, else
        None (the progress is in the lease for the next run). ``stage_name`` tells the first
        purge from the consent purge, so the one's leftover progress never passes for the
        other's; ``legacy`` is progress saved on the tenant by an earlier version."""
        state = self._state(lease.state, stage_name, legacy)
        self._delete(tenant.tenantId, state["pending"])  # saved by a run that died before
        counts: Counter[str] = Counter(state["counts"])
        now = self._clock.now()
        while state["stage"] < len(STAGES) and not budget.exhausted():
            container = STAGES[state["stage"]]
            page = self._store.query(container, (tenant.tenantId,), Query(), PAGE, state["token"])
            doomed = [
                i for i in page.items if not _kept(tenant, container, i, now, keep_consent, counts)
            ]
            state = state | {
                "stage": state["stage"] + (0 if page.continuation else 1),
                "token": page.continuation,
                "counts": dict(counts),
                "pending": [_key(container, i) for i in doomed],
            }
            lease.save(state)  # LeaseLost: another run holds the tenant; this page stays
            self._delete(tenant.tenantId, state["pending"])
            budget.used += len(page.items)
        lease.state = state | {"pending": []}  # deleted: the release saves it so
        return counts if state["stage"] >= len(STAGES) else None

    @staticmethod
    def _state(saved: dict[str, Any] | None, stage_name: str, legacy: str | None) -> Any:
        fresh = {"purge": stage_name, "stage": 0, "token": None, "counts": {}, "pending": []}
        if saved is not None and saved.get("purge") == stage_name:
            return saved
        if saved is None and legacy:
            return fresh | json.loads(legacy)
        return fresh

    def _delete(self, tenant_id: str, keys: list[list[str]]) -> None:
        for container in dict.fromkeys(k[0] for k in keys):
            refs = [
                ((tenant_id, k[1]) if container == SUBJECTS.name else (tenant_id,), k[2])
                for k in keys
                if k[0] == container
            ]
            self._store.delete_many(container, refs)
        self._recordings.items_deleted(
            {"tenantId": tenant_id, "subjectId": k[1], "id": k[2], "type": k[3]} for k in keys
        )


def _key(container: str, item: dict[str, Any]) -> list[str]:
    """What deleting an item later needs: container, subject (if any), id, and its type (a
    recording's audio goes with it)."""
    return [container, str(item.get("subjectId", "")), item["id"], str(item.get("type", ""))]


def _kept(
    tenant: Tenant,
    container: str,
    item: dict[str, Any],
    now: datetime,
    keep_consent: bool,
    counts: Counter[str],
) -> bool:
    """Counts what goes (per kind) and what stays (and why)."""
    subject_ids = [item["subjectId"]] if "subjectId" in item else item.get("subjectIds", [])
    records = record_count(item)
    if container != REQUESTS.name and any(is_held(tenant.legalHolds, s, now) for s in subject_ids):
        counts["kept.legalHold"] += records
        return True
    kind = kind_of(container, item)
    if keep_consent and kind == "consent":
        counts["kept.consent"] += records
        return True
    counts[f"deleted.{kind}"] += records
    return False
