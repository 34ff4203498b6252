"""The steps a DSAR orchestration calls, one activity each; inputs and outputs are ids and counts.

Personal data stays in the store: activities load sealed identifiers and changes from the
request document, so the task hub never holds an email, a phone or a message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shared.audit.trail import AuditTrail
from shared.containers import SUBJECTS
from shared.dsar.export_package import build_package, delete_package
from shared.dsar.lifecycle import FINISHED
from shared.dsar.matches import DsarMatches
from shared.dsar.models import NEEDS_APPROVAL, DsarStatus, DsarType
from shared.dsar.requests import ESCALATE_BEFORE, DsarRequests
from shared.dsar.strategies import Step, Strategies
from shared.policies.holds import is_held
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Query
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.keys import SubjectKeys
from shared.subjects.resolution import match_subjects
from shared.telemetry import core as telemetry
from shared.tenancy.directory import TenantDirectory

SYSTEM_ACTOR = "system:dsar"
EXPORT_DAYS = 7


class OrchestrationSteps:
    def __init__(
        self,
        requests: DsarRequests,
        tenants: TenantDirectory,
        store: DocumentStore,
        subjects: SubjectKeys,
        index: BlindIndexEntries,
        blobs: BlobStore,
        strategies: Strategies,
        matches: DsarMatches,
        audit_for: Callable[[str], AuditTrail],
        clock: Clock,
        region: str,
    ) -> None:
        self._requests = requests
        self._tenants = tenants
        self._store = store
        self._subjects = subjects
        self._index = index
        self._blobs = blobs
        self._strategies = strategies
        self._matches = matches
        self._audit_for = audit_for
        self._clock = clock
        self._region = region

    def _audit(
        self,
        doc: dict[str, Any],
        action: str,
        details: dict[str, Any] | None = None,
        actor: str = SYSTEM_ACTOR,
    ) -> None:
        tenant = self._tenants.get(doc["tenantId"])
        self._audit_for(tenant.region).append(
            tenant.tenantId,
            tenant.retention,
            actor=actor,
            action=action,
            target=doc["id"],
            details={"type": doc["type"], **(details or {})},
            idempotency_key=f"{action}:{doc['id']}",
        )

    def register(self, tenant_id: str, request_id: str) -> dict[str, Any]:
        """Resolve the subjects (each match kept apart, with how it matched) and decide whether
        a Privacy.Admin decision is needed."""
        doc = self._requests.get(tenant_id, request_id)
        resolution = self._matches.resolve(self._tenants.get(tenant_id), doc, self._clock.now())
        subject_ids = resolution.subject_ids
        kind = DsarType(doc["type"])
        needs = (kind in NEEDS_APPROVAL or doc["source"] == "widget") and "decision" not in doc
        fields: dict[str, Any] = {
            "subjectIds": subject_ids,
            "matches": resolution.matches,
            "matchesIncompleteFor": resolution.truncated,
            "lookupIndexIds": resolution.lookup_index_ids,
            "progress": {"subjects": len(subject_ids)},
        }
        waits = needs and doc["status"] == DsarStatus.RECEIVED
        self._requests.update(
            tenant_id,
            request_id,
            fields,
            DsarStatus.AWAITING_APPROVAL if waits else None,
            "waiting for a Privacy.Admin decision",
        )
        return {"needsApproval": needs, "categories": self._strategies.categories(kind)}

    def check_deadline(self, tenant_id: str, request_id: str) -> dict[str, Any]:
        """Escalate 7 days before the deadline and flag it when passed; say when to look next."""
        doc = self._requests.get(tenant_id, request_id)
        now = self._clock.now()
        deadline = datetime.fromisoformat(doc["deadline"])
        if "decision" in doc or DsarStatus(doc["status"]) in FINISHED:
            return {"decided": True, "next": None}
        if now >= deadline - ESCALATE_BEFORE and not doc.get("escalated"):
            self._requests.update(tenant_id, request_id, {"escalated": True})
            telemetry.count("privacy.dsar.escalated")
            self._audit(doc, "dsar.escalated", {"deadline": doc["deadline"]})
        if now >= deadline and not doc.get("overdue"):
            self._requests.update(tenant_id, request_id, {"overdue": True})
            self._audit(doc, "dsar.overdue", {"deadline": doc["deadline"]})
        upcoming = [t for t in (deadline - ESCALATE_BEFORE, deadline) if t > now]
        return {"decided": False, "next": min(upcoming).isoformat() if upcoming else None}

    def decision(self, tenant_id: str, request_id: str) -> dict[str, Any]:
        return dict(self._requests.get(tenant_id, request_id).get("decision") or {})

    def reject(self, tenant_id: str, request_id: str) -> None:
        doc = self._requests.get(tenant_id, request_id)
        if doc["status"] == DsarStatus.REJECTED:
            return
        result = {
            "outcome": "rejected",
            "decidedBy": doc.get("decidedBy"),
            "completedAt": self._clock.now().isoformat(),
        }
        reason = doc.get("decisionReason") or "rejected by a Privacy.Admin"
        doc = self._requests.advance(
            tenant_id,
            request_id,
            DsarStatus.REJECTED,
            reason,
            doc.get("decidedBy"),
            result=result | {"reason": reason},
        )
        self._audit(doc, "dsar.rejected", result)  # the free-text reason stays out of the audit

    def start(self, tenant_id: str, request_id: str) -> None:
        doc = self._requests.get(tenant_id, request_id)
        if doc["status"] != DsarStatus.RUNNING:
            reason = doc.get("decisionReason") or "no approval needed"
            self._requests.advance(
                tenant_id, request_id, DsarStatus.RUNNING, reason, doc.get("decidedBy")
            )

    def fail(self, tenant_id: str, request_id: str, why: str) -> None:
        """End a request that cannot be carried out (``why``: a short code such as
        ``orchestration_failed``, never personal data); a finished request stays as it is."""
        doc = self._requests.get(tenant_id, request_id)
        if DsarStatus(doc["status"]) in FINISHED:
            return
        result = {"outcome": "failed", "reason": why, "failedAt": self._clock.now().isoformat()}
        doc = self._requests.advance(tenant_id, request_id, DsarStatus.FAILED, why, result=result)
        self._audit(doc, "dsar.failed", {"reason": why})

    def run_category(self, tenant_id: str, request_id: str, category: str) -> dict[str, Any]:
        doc = self._requests.get(tenant_id, request_id)
        tenant = self._tenants.get(tenant_id)
        step = Step(
            doc,
            tenant,
            doc.get("subjectIds", []),
            category,
            self._clock.now(),
            self._requests.sealed(doc, "changes"),
        )
        counts = self._strategies.by_type[DsarType(doc["type"])](step)
        progress = dict(doc.get("progress", {})) | {category: "done"}
        self._requests.update(tenant_id, request_id, {"progress": progress})
        return counts

    def finish(self, tenant_id: str, request_id: str, results: list[dict[str, Any]]) -> None:
        """Type-specific closing (package, shredding), verification, certificate, audit."""
        doc = self._requests.get(tenant_id, request_id)
        if doc["status"] == DsarStatus.COMPLETED:
            return
        kind = DsarType(doc["type"])
        now = self._clock.now()
        certificate: dict[str, Any] = {
            "requestId": request_id,
            "type": kind.value,
            "reason": doc.get("reason"),
            "receivedAt": doc["receivedAt"],
            "completedAt": now.isoformat(),
            "approver": doc.get("decidedBy"),
            "subjects": len(doc.get("subjectIds", [])),
            "categories": results,
        }
        if kind in (DsarType.ACCESS, DsarType.PORTABILITY):
            manifest = build_package(
                self._blobs,
                request_id,
                {"requestId": request_id, "type": kind.value, "generatedAt": now.isoformat()},
            )
            certificate["files"] = len(manifest["files"])
            certificate["exportExpiresAt"] = (now + timedelta(days=EXPORT_DAYS)).isoformat()
        if kind == DsarType.ERASURE:
            certificate["verification"] = self._shred_and_verify(doc)
        doc = self._requests.advance(
            tenant_id, request_id, DsarStatus.COMPLETED, "completed", result=certificate
        )
        self._audit(doc, "dsar.completed", {"certificate": certificate})

    def _shred_and_verify(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Delete what is left of each subject (index entries, receipts, the data key), then
        prove that nothing of an erased subject can still be found or read. A request that
        resolved no subject is ``nothing_found``, never ``verified``: an empty result must not
        read as a successful erasure (a changed index key once made it look like one)."""
        tenant = self._tenants.get(doc["tenantId"])
        now = self._clock.now()
        subject_ids = set(doc.get("subjectIds", []))
        held = {s for s in subject_ids if is_held(tenant.legalHolds, s, now)}
        erased = subject_ids - held
        lookups = set(doc.get("lookupIndexIds", []))
        lookups |= {f"{k}:{d}" for k, d in doc.get("identifierDigests", {}).items()}
        for sid in erased:
            subject = self._subjects.subject(tenant.tenantId, sid) or {}
            for item_id in {*subject.get("indexIds", []), *lookups}:
                self._index.unlink(tenant.tenantId, item_id, sid)
            pk = (tenant.tenantId, sid)
            rest = self._store.query(SUBJECTS.name, pk, Query(), 10_000).items
            self._store.delete_many(SUBJECTS.name, [(pk, i["id"]) for i in rest])
        readable = {
            s
            for s in erased
            if self._subjects.cipher(tenant.tenantId, s) is not None
            or self._store.query(SUBJECTS.name, (tenant.tenantId, s), Query(), 1).items
        }
        pairs = [(kind, digest) for kind, _, digest in (i.partition(":") for i in lookups)]
        found = match_subjects(self._index, tenant, pairs, now)
        readable |= erased & set(found.subject_ids)
        outcome = _outcome(bool(subject_ids), bool(erased), bool(readable))
        return {
            "verified": outcome == "verified",
            "outcome": outcome,
            "subjectsErased": len(erased),
            "subjectsStillReadable": len(readable),
            "subjectsKeptUnderHold": len(held),
        }

    def _finished(self) -> list[dict[str, Any]]:
        return [
            doc
            for tenant in self._tenants.in_region(self._region)
            for doc in self._requests.every(tenant.tenantId)
            if DsarStatus(doc["status"]) in FINISHED
        ]

    def finished_unpurged(self) -> list[tuple[str, str]]:
        """Finished requests whose orchestration history may still be in the task hub."""
        return [
            (d["tenantId"], d["id"])
            for d in self._finished()
            if d.get("orchestrated") and not d.get("historyPurged")
        ]

    def mark_purged(self, tenant_id: str, request_id: str) -> None:
        self._requests.update(tenant_id, request_id, {"historyPurged": True})

    def expire_exports(self) -> int:
        """Delete access packages past their 7 days; the certificate stays."""
        now = self._clock.now()
        removed = 0
        for doc in self._finished():
            expires = (doc.get("result") or {}).get("exportExpiresAt")
            if expires and now >= datetime.fromisoformat(expires) and not doc.get("exportDeleted"):
                delete_package(self._blobs, doc["id"])
                self._requests.update(doc["tenantId"], doc["id"], {"exportDeleted": True})
                removed += 1
        return removed


def _outcome(resolved: bool, erased: bool, readable: bool) -> str:
    """nothing_found: no subject matched; incomplete: something erased is still findable or
    readable; kept_under_hold: every match is held; verified: erased and proven gone."""
    if not resolved:
        return "nothing_found"
    if readable:
        return "incomplete"
    return "verified" if erased else "kept_under_hold"
