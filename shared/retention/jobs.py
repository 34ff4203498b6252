"""Re-stamping existing items after a retention change or a legal hold change.

Cosmos DB counts TTL from the last write, so a new policy must be written onto each item as the
time it has *left* (``item_ttl``); items already past their new period are deleted now. The work
runs in bounded steps from a timer, with the continuation saved on the tenant (visible in its
GET as ``retentionJob``), never inside the HTTP request. The target state derives from the
tenant's current policy and holds, so a step may be repeated and requests simply merge.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.audit.trail import AuditTrail
from shared.containers import SUBJECTS
from shared.lifecycle import advance
from shared.policies.holds import is_held
from shared.policies.retention import Category, item_ttl
from shared.policies.stored_records import record_count
from shared.ports.clock import Clock
from shared.ports.document_store import BatchOp, DocumentStore, Filter, PatchOp, Query
from shared.retention.lifecycle import RETENTION_JOB, JobStatus
from shared.retention.models import RetentionJob
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant

PAGE = 500
SYSTEM_ACTOR = "system:retention"
CATEGORIES = [c.value for c in Category if c is not Category.AUDIT]


@dataclass
class Budget:
    """Bounds one run: at most ``items`` items and ``seconds`` of work."""

    items: int
    seconds: float
    started: float = field(default_factory=time.monotonic)
    used: int = 0

    def exhausted(self) -> bool:
        return self.used >= self.items or time.monotonic() - self.started >= self.seconds


def request_restamp(
    tenants: TenantDirectory,
    tenant_id: str,
    reason: str,
    clock: Clock,
    subject_ids: list[str] | None = None,
) -> Tenant:
    """Queue (or widen) the tenant's re-stamp job; it restarts from the beginning."""

    def merge(tenant: Tenant) -> dict[str, Any]:
        now = clock.now()
        current = tenant.retentionJob
        scope: list[str] | None = subject_ids
        if current and current.status != JobStatus.COMPLETED.value:
            scope = (
                None
                if current.subjectIds is None or subject_ids is None
                else sorted(set(current.subjectIds) | set(subject_ids))
            )
            reasons = sorted(set(current.reasons) | {reason})
        else:
            reasons = [reason]
        job = RetentionJob(
            jobId=f"job-{uuid.uuid4().hex[:12]}",
            status=RETENTION_JOB.initial.value,
            reasons=reasons,
            subjectIds=scope,
            requestedAt=now,
            updatedAt=now,
        )
        return {"retentionJob": job.model_dump(mode="json")}

    return tenants.update_fields(tenant_id, merge)


class RetentionJobs:
    def __init__(
        self,
        tenants: TenantDirectory,
        store: DocumentStore,
        audit: AuditTrail,
        clock: Clock,
        region: str,
    ) -> None:
        self._tenants = tenants
        self._store = store
        self._audit = audit
        self._clock = clock
        self._region = region

    def run(self, budget: Budget) -> list[dict[str, Any]]:
        """Advance every pending job of this region within ``budget``; reports per tenant."""
        reports = []
        for tenant in self._tenants.in_region(self._region):
            job = tenant.retentionJob
            if job is None or job.status == JobStatus.COMPLETED.value or budget.exhausted():
                continue
            reports.append(self._advance(tenant, job, budget))
        return reports

    def _advance(self, tenant: Tenant, job: RetentionJob, budget: Budget) -> dict[str, Any]:
        counts: Counter[str] = Counter()
        index, token = json.loads(job.continuation) if job.continuation else (0, None)
        scopes = (
            [(tenant.tenantId,)]
            if job.subjectIds is None
            else [(tenant.tenantId, s) for s in job.subjectIds]
        )
        query = Query(filters=[Filter("category", "in", CATEGORIES)])
        while index < len(scopes) and not budget.exhausted():
            size = min(PAGE, budget.items - budget.used)
            page = self._store.query(SUBJECTS.name, scopes[index], query, size, token)
            self._restamp(tenant, page.items, counts)
            budget.used += len(page.items)
            token = page.continuation
            index += 0 if token else 1
        done = index >= len(scopes)
        state = None if done else json.dumps([index, token])
        self._save(tenant.tenantId, job.jobId, counts, state, done)
        if done:
            self._audit.append(
                tenant.tenantId,
                tenant.retention,
                actor=SYSTEM_ACTOR,
                action="retention.restamped",
                target=tenant.tenantId,
                details={"jobId": job.jobId, "reasons": job.reasons, "counts": dict(counts)},
            )
        return {"tenantId": tenant.tenantId, "jobId": job.jobId, "done": done, **counts}

    def _restamp(self, tenant: Tenant, items: list[dict[str, Any]], counts: Counter[str]) -> None:
        now = self._clock.now()
        deletes: list[tuple[tuple[str, ...], str]] = []
        patches: dict[tuple[str, str], list[BatchOp]] = defaultdict(list)
        for item in items:
            pk = (item["tenantId"], item["subjectId"])
            ttl = target_ttl(tenant, item, now)
            counts["processed"] += 1  # documents: the unit of work and budget
            if ttl == 0:
                deletes.append((pk, item["id"]))
                counts[f"deleted.{item['category']}"] += record_count(item)
            elif expiry(ttl, math.floor(now.timestamp())) != expiry(item.get("ttl"), item["_ts"]):
                patches[pk].append(
                    BatchOp("patch", id=item["id"], patch=[PatchOp("set", "/ttl", ttl)])
                )
                counts[f"restamped.{item['category']}"] += record_count(item)
        if deletes:
            self._store.delete_many(SUBJECTS.name, deletes)
        for pk, ops in patches.items():
            for start in range(0, len(ops), 100):
                self._store.batch(SUBJECTS.name, pk, ops[start : start + 100])

    def _save(
        self,
        tenant_id: str,
        job_id: str,
        counts: Counter[str],
        continuation: str | None,
        done: bool,
    ) -> None:
        def progress(tenant: Tenant) -> dict[str, Any]:
            job = tenant.retentionJob
            if job is None or job.jobId != job_id:
                return {}  # a newer request replaced this job; it starts over
            now = self._clock.now()
            target = JobStatus.COMPLETED if done else JobStatus.RUNNING
            if job.status != target.value:  # running -> running is progress, not a move
                advance(RETENTION_JOB, job.status, target)
            job = job.model_copy(
                update={
                    "status": target.value,
                    "continuation": continuation,
                    "processed": job.processed + counts["processed"],
                    "restamped": job.restamped
                    + sum(v for k, v in counts.items() if k.startswith("restamped.")),
                    "deleted": job.deleted
                    + sum(v for k, v in counts.items() if k.startswith("deleted.")),
                    "updatedAt": now,
                    "completedAt": now if done else None,
                }
            )
            return {"retentionJob": job.model_dump(mode="json")}

        self._tenants.update_fields(tenant_id, progress)


def expiry(ttl: int | None, written: int) -> int | None:
    """Absolute expiry (epoch seconds) of a TTL stamped at ``written``; None when it never expires.

    Comparing expiries, not TTLs, skips items whose stamp already says the right moment, so a
    re-run rewrites nothing (each write would cost a request and restart nothing useful).
    """
    return None if ttl is None or ttl < 0 else written + ttl


def target_ttl(tenant: Tenant, item: dict[str, Any], now: datetime) -> int:
    """What an item's TTL must be now under the tenant's policy and holds."""
    held = is_held(tenant.legalHolds, item.get("subjectId"), now)
    created = datetime.fromisoformat(item["createdAt"])
    return item_ttl(Category(item["category"]), created, now, tenant.retention, held)
