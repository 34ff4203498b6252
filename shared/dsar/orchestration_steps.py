"""The steps a DSAR orchestration calls, one activity each; inputs and outputs are ids and counts.

Personal data stays in the store: activities load sealed identifiers and changes from the
request document, so the task hub never holds an email, a phone or a message. Each lifecycle
point is one method (registered, awaiting approval, escalated, overdue, approved and waiting,
running, completed, rejected, failed), so whatever must be told at that point is told there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from shared.audit.trail import AuditTrail
from shared.dsar.approval import needs_two_people
from shared.dsar.deadlines import deadline_of, escalation_of, is_child, run_at
from shared.dsar.erasure_check import ErasureCheck
from shared.dsar.export_package import build_package
from shared.dsar.lifecycle import CLOSED, FINISHED
from shared.dsar.matches import DsarMatches
from shared.dsar.models import DsarStatus, DsarType
from shared.dsar.requests import DsarRequests
from shared.dsar.strategies import Step, Strategies
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.telemetry import core as telemetry
from shared.tenancy.directory import TenantDirectory

SYSTEM_ACTOR = "system:dsar"
EXPORT_DAYS = 7
Doc = dict[str, Any]


class OrchestrationSteps:
    def __init__(
        self,
        requests: DsarRequests,
        tenants: TenantDirectory,
        strategies: Strategies,
        matches: DsarMatches,
        erasure: ErasureCheck,
        blobs: BlobStore,
        audit_for: Callable[[str], AuditTrail],
        clock: Clock,
    ) -> None:
        self._requests = requests
        self._tenants = tenants
        self._strategies = strategies
        self._matches = matches
        self._erasure = erasure
        self._blobs = blobs
        self._audit_for = audit_for
        self._clock = clock

    def _audit(self, doc: Doc, action: str, details: Doc | None = None, once: str = "") -> None:
        """Audited once per request (``once`` tells apart repeats that count: each attempt)."""
        tenant = self._tenants.get(doc["tenantId"])
        self._audit_for(tenant.region).append(
            tenant.tenantId,
            tenant.retention,
            actor=SYSTEM_ACTOR,
            action=action,
            target=doc["id"],
            details={"type": doc["type"], **(details or {})},
            idempotency_key=f"{action}:{doc['id']}{once}",
        )

    def register(self, tenant_id: str, request_id: str) -> Doc:
        """Resolve the subjects (each match kept apart, with how it matched) and say whether a
        Privacy.Admin decision is needed. Once decided, the matches the approver saw are the
        ones acted on: a subject found later is not added behind the approver's back."""
        doc = self._requests.get(tenant_id, request_id)
        needs = needs_two_people(doc)
        fields: Doc = {}
        if "decision" not in doc or doc.get("matches") is None:
            resolution = self._matches.resolve(
                self._tenants.get(tenant_id), doc, self._clock.now()
            )
            fields = resolution.fields()
        waits = needs and "decision" not in doc and doc["status"] == DsarStatus.RECEIVED

        def change(current: Doc) -> Doc:
            subjects = fields["subjectIds"] if fields else current.get("subjectIds") or []
            changed = fields | {"progress": {"subjects": len(subjects)}}
            if needs and "decision" not in current and current.get("pause"):
                # paused before it was registered: it resumes to wait for its decision
                changed["pause"] = current["pause"] | {"resumeTo": DsarStatus.AWAITING_APPROVAL}
            return changed

        self._requests.update(
            tenant_id,
            request_id,
            change,
            DsarStatus.AWAITING_APPROVAL if waits else None,
            "waiting for a Privacy.Admin decision",
        )
        kind = DsarType(doc["type"])
        return {
            "needsApproval": needs,
            "categories": self._strategies.categories(kind),
            "mayWait": kind == DsarType.ERASURE and not is_child(doc),
        }

    def check_deadline(self, tenant_id: str, request_id: str) -> Doc:
        """Escalate before the deadline and flag it when passed; say when to look next. While
        the request waits for its requester its clock stands still: nothing to wake for."""
        doc = self._requests.get(tenant_id, request_id)
        now = self._clock.now()
        status = DsarStatus(doc["status"])
        if "decision" in doc or status in FINISHED:
            return {"decided": True, "next": None}
        if status == DsarStatus.AWAITING_REQUESTER:
            return {"decided": False, "next": None}
        deadline, escalation = deadline_of(doc), escalation_of(doc)
        if now >= escalation and not doc.get("escalated"):
            self.escalate(doc, "deadline_approaching")
        if now >= deadline and not doc.get("overdue"):
            self._requests.update(tenant_id, request_id, {"overdue": True})
            self._audit(doc, "dsar.overdue", {"deadline": doc["deadline"]})
        upcoming = [t for t in (escalation, deadline) if t > now]
        return {"decided": False, "next": min(upcoming).isoformat() if upcoming else None}

    def escalate(self, doc: Doc, why: str) -> None:
        """Flag the request for the tenant's privacy admins (the list shows it; the audit
        trail and whatever watches it are told): before a deadline, or on failure."""
        self._requests.update(doc["tenantId"], doc["id"], {"escalated": True})
        telemetry.count("privacy.dsar.escalated")
        once = f":{doc.get('attempt', 1)}" if why != "deadline_approaching" else ""
        self._audit(doc, "dsar.escalated", {"deadline": doc["deadline"], "why": why}, once)

    def decision(self, tenant_id: str, request_id: str) -> Doc:
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

    def hold(self, tenant_id: str, request_id: str) -> Doc:
        """An approved erasure waits the tenant's waiting period (``erasureWaitingDays``),
        cancellable meanwhile; a child's erasure does not wait. ``runsAt`` is kept, so a
        retried request does not wait again."""
        doc = self._requests.get(tenant_id, request_id)
        if doc["type"] != DsarType.ERASURE or is_child(doc):
            return {"runsAt": None}
        now = self._clock.now()
        if "runsAt" not in doc:
            days = self._tenants.get(tenant_id).erasureWaitingDays
            runs = run_at(now, days, deadline_of(doc))
            doc = self._requests.update(
                tenant_id, request_id, {"runsAt": runs.isoformat() if runs else None}
            )
        runs_at = doc.get("runsAt")
        if runs_at is None or now >= datetime.fromisoformat(runs_at):
            return {"runsAt": None}
        if doc["status"] != DsarStatus.APPROVED:
            doc = self._requests.advance(
                tenant_id, request_id, DsarStatus.APPROVED,
                "approved; waiting period before the erasure runs", doc.get("decidedBy"),
            )
            self._audit(doc, "dsar.approved", {"runsAt": runs_at})
        return {"runsAt": runs_at}

    def check_waiting(self, tenant_id: str, request_id: str) -> Doc:
        """Whether the waiting period was cancelled, or when it ends (None: now)."""
        doc = self._requests.get(tenant_id, request_id)
        if doc["status"] == DsarStatus.CANCELLED:
            return {"cancelled": True, "runsAt": None}
        runs_at = doc.get("runsAt")
        due = runs_at is None or self._clock.now() >= datetime.fromisoformat(runs_at)
        return {"cancelled": False, "runsAt": None if due else runs_at}

    def start(self, tenant_id: str, request_id: str) -> Doc:
        """Move to running; ``run`` is False when the request was cancelled just before."""
        doc = self._requests.get(tenant_id, request_id)
        if doc["status"] == DsarStatus.CANCELLED:
            return {"run": False}
        if doc["status"] != DsarStatus.RUNNING:
            reason = doc.get("decisionReason") or "no approval needed"
            self._requests.advance(
                tenant_id, request_id, DsarStatus.RUNNING, reason, doc.get("decidedBy")
            )
        return {"run": True}

    def fail(self, tenant_id: str, request_id: str, why: str) -> None:
        """End a request that could not be carried out (``why``: a short code such as
        ``category_failed``, never personal data) and escalate it; a Privacy.Admin may retry
        it. A closed request stays as it is."""
        doc = self._requests.get(tenant_id, request_id)
        if DsarStatus(doc["status"]) in CLOSED or doc["status"] == DsarStatus.FAILED:
            return
        result = {"outcome": "failed", "reason": why, "failedAt": self._clock.now().isoformat()}
        doc = self._requests.advance(tenant_id, request_id, DsarStatus.FAILED, why, result=result)
        self._audit(doc, "dsar.failed", {"reason": why}, f":{doc.get('attempt', 1)}")
        self.escalate(doc, why)

    def run_category(self, tenant_id: str, request_id: str, category: str) -> Doc:
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
        # categories run in parallel: each marks itself on the document as it is when written
        # (under its ETag), never on the copy it read before its work
        self._requests.update(
            tenant_id,
            request_id,
            lambda current: {"progress": dict(current.get("progress", {})) | {category: "done"}},
        )
        return counts

    def finish(self, tenant_id: str, request_id: str, results: list[Doc]) -> None:
        """Type-specific closing (package, shredding), verification, certificate, audit."""
        doc = self._requests.get(tenant_id, request_id)
        if doc["status"] == DsarStatus.COMPLETED:
            return
        kind = DsarType(doc["type"])
        now = self._clock.now()
        certificate = certificate_of(doc, now) | {"categories": results}
        if kind in (DsarType.ACCESS, DsarType.PORTABILITY):
            manifest = build_package(
                self._blobs,
                request_id,
                {"requestId": request_id, "type": kind.value, "generatedAt": now.isoformat()},
            )
            certificate["files"] = len(manifest["files"])
            certificate["exportExpiresAt"] = (now + timedelta(days=EXPORT_DAYS)).isoformat()
        if kind == DsarType.ERASURE:
            tenant = self._tenants.get(tenant_id)
            certificate["verification"] = self._erasure.shred_and_verify(tenant, doc)
        doc = self._requests.advance(
            tenant_id, request_id, DsarStatus.COMPLETED, "completed", result=certificate
        )
        self._audit(doc, "dsar.completed", {"certificate": without_free_text(certificate)})


def certificate_of(doc: Doc, now: datetime) -> Doc:
    """What was done, when and by whom (actor ids), with counts: no personal data, so it
    outlives the request's identifiers (``shared.dsar.housekeeping``)."""
    check = doc.get("verification")
    certificate = {
        "requestId": doc["id"],
        "type": doc["type"],
        "reason": doc.get("reason"),
        "receivedAt": doc["receivedAt"],
        "deadline": doc["deadline"],
        "completedAt": now.isoformat(),
        "startedBy": doc.get("startedBy"),
        "identityCheck": {k: check[k] for k in ("method", "at", "by")} if check else None,
        "approver": doc.get("decidedBy"),
        "approvedAt": doc.get("decidedAt"),
        "pauses": doc.get("pauses", []),
        "extensions": doc.get("extensions", []),
        "subjects": len(doc.get("subjectIds", [])),
        "excludedMatches": sum(1 for m in doc.get("matches") or [] if m.get("excluded")),
    }
    return {k: v for k, v in certificate.items() if v is not None}


def without_free_text(certificate: Doc) -> Doc:
    """The certificate as audited: the extensions' reasons are what the requester is told,
    written by people; the audit trail keeps counts, dates and ids only."""
    extensions = [
        {k: v for k, v in e.items() if k != "reason"} for e in certificate.get("extensions", [])
    ]
    return certificate | {"extensions": extensions}
