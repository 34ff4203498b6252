"""The steps a privacy team takes around a request, each one audited (issue 13).

Verify the requester's identity (the note sealed), exclude a wrong match, pause while waiting
for the requester (the deadline stands still) and resume, cancel an approved erasure in its
waiting period, lift a restriction or objection, retry a failed request. Every step is written
under the request's ETag and re-checked on the document it replaces, and returns the
``Signal`` its orchestration must get; one method per step, so what must be told at each point
(webhooks, e-mail) is told there. Free text never reaches the audit trail.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.containers import SUBJECTS
from shared.dsar.deadlines import deadline_of, paused_for
from shared.dsar.housekeeping import in_force
from shared.dsar.lifecycle import UNDECIDED
from shared.dsar.matches import DsarMatches
from shared.dsar.models import DsarStatus, DsarView
from shared.dsar.requests import REMOVE, DsarRequests
from shared.dsar.signals import CANCEL_EVENT, START, WAKE_EVENT, Signal, to_instance
from shared.dsar.workflow_models import DsarPause, DsarVerify, MatchExclusion, ReasonGiven
from shared.errors import Conflict, Forbidden, NotFound
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, PatchOp
from shared.ports.document_store import NotFound as ItemNotFound
from shared.subjects.keys import SUBJECT_DOC_ID
from shared.tenancy.directory import TenantDirectory

Doc = dict[str, Any]
FLAGS = {"restriction": "restricted", "objection": "objected"}


def _undecided(doc: Doc, what: str) -> DsarStatus:
    status = DsarStatus(doc["status"])
    if status not in UNDECIDED or "decision" in doc:
        raise Conflict(f"the request is {status.value}: {what} only before the decision")
    return status


class DsarWorkflow:
    def __init__(
        self,
        requests: DsarRequests,
        matches: DsarMatches,
        tenants: TenantDirectory,
        store: DocumentStore,
        control_audit: ControlAudit,
        clock: Clock,
    ) -> None:
        self._requests = requests
        self._matches = matches
        self._tenants = tenants
        self._store = store
        self._control_audit = control_audit
        self._clock = clock

    def _audit(self, tenant_id: str, who: Principal, action: str, doc: Doc, **details: Any) -> None:
        tenant = self._tenants.get(tenant_id)
        details = {"type": doc["type"], **details}
        self._control_audit.tenant(tenant, who.actor, action, doc["id"], details)

    def _resolved(self, tenant_id: str, request_id: str) -> Doc:
        """The request's current resolution (who its identifiers find now, and how)."""
        doc = self._requests.get(tenant_id, request_id)
        tenant = self._tenants.local(tenant_id)
        return self._matches.resolve(tenant, doc, self._clock.now()).fields()

    def verify(self, who: Principal, tenant_id: str, request_id: str, cmd: DsarVerify) -> DsarView:
        """Record who checked the requester's identity, how and when (the note sealed), and
        show the verifier what the identifiers match now, to exclude a wrong match."""
        if not who.identified:
            raise Forbidden(
                "recording an identity check needs an identified person (an object id or a "
                "name claim): the approver must be someone else, and that is checked by identity",
                extra={"rule": "identified-verifier"},
            )
        resolution = self._resolved(tenant_id, request_id)
        now = self._clock.now().isoformat()

        def verified(doc: Doc) -> Doc:
            _undecided(doc, "the identity is checked")
            if doc.get("verification"):
                raise Conflict("the requester's identity was already checked for this request")
            check = {"method": cmd.method.value, "at": now, "by": who.actor}
            sealed = self._requests.seal(doc, "verificationNote", cmd.note)
            return resolution | {"verification": check, "enc": sealed}

        doc = self._requests.update(tenant_id, request_id, verified)
        self._audit(tenant_id, who, "dsar.verified", doc, method=cmd.method.value)
        return self._requests.view(doc)

    def exclude(
        self, who: Principal, tenant_id: str, request_id: str, ref: str, cmd: MatchExclusion
    ) -> DsarView:
        """Leave one matched subject out of the request's work (a shared email found someone
        else too); before the decision, so the approver sees what will be done."""
        current = self._requests.get(tenant_id, request_id)
        resolution = {} if current.get("matches") is not None else self._resolved(
            tenant_id, request_id
        )

        def excluded(doc: Doc) -> Doc:
            _undecided(doc, "a match is excluded")
            matches = doc.get("matches")
            matches = resolution.get("matches", []) if matches is None else matches
            if ref not in {m["subjectRef"] for m in matches}:
                raise NotFound("no such match on this request")
            matches = [
                m | {"excluded": True, "exclusionReason": cmd.reason}
                if m["subjectRef"] == ref else m
                for m in matches
            ]
            kept = [m["subjectRef"] for m in matches if not m["excluded"]]
            return resolution | {"matches": matches, "subjectIds": kept}

        doc = self._requests.update(tenant_id, request_id, excluded)
        self._audit(tenant_id, who, "dsar.match_excluded", doc, subjectRef=ref)
        return self._requests.view(doc)

    def pause(
        self, who: Principal, tenant_id: str, request_id: str, cmd: DsarPause
    ) -> DsarView:
        """Wait for the requester (identity documents, a clarification): the deadline stops
        until ``resume``, which moves it by the time paused."""
        now = self._clock.now().isoformat()

        def paused(doc: Doc) -> Doc:
            status = _undecided(doc, "it can wait for its requester")
            if status == DsarStatus.AWAITING_REQUESTER:
                raise Conflict("the request is already waiting for its requester")
            note = f"pauseNote{len(doc.get('pauses', [])) + 1}"
            pause = {"reason": cmd.reason.value, "since": now, "resumeTo": status.value}
            return {"pause": pause, "enc": self._requests.seal(doc, note, cmd.note)}

        doc = self._requests.update(
            tenant_id, request_id, paused, DsarStatus.AWAITING_REQUESTER,
            f"waiting for the requester: {cmd.reason.value}", who.actor,
        )
        self._audit(tenant_id, who, "dsar.paused", doc, reason=cmd.reason.value)
        return self._requests.view(doc)

    def resume(self, who: Principal, tenant_id: str, request_id: str) -> tuple[DsarView, Signal]:
        """The requester answered: the deadline (and so its escalation) moves by the time
        the request waited, and the orchestration re-reads its clock."""
        before = self._requests.get(tenant_id, request_id)
        pause = before.get("pause") if before["status"] == DsarStatus.AWAITING_REQUESTER else None
        if not pause:
            raise Conflict("the request is not waiting for its requester")
        now = self._clock.now()

        def resumed(doc: Doc) -> Doc:
            if doc["status"] != DsarStatus.AWAITING_REQUESTER or doc.get("pause") != pause:
                raise Conflict("the request is not waiting for its requester")
            moved = paused_for(doc, now)
            record = {"reason": pause["reason"], "since": pause["since"],
                      "until": now.isoformat(), "days": round(moved / timedelta(days=1), 4)}
            return {"deadline": (deadline_of(doc) + moved).isoformat(), "pause": REMOVE,
                    "pauses": [*doc.get("pauses", []), record]}

        doc = self._requests.update(
            tenant_id, request_id, resumed, DsarStatus(pause["resumeTo"]),
            "the requester answered", who.actor,
        )
        days = doc["pauses"][-1]["days"]
        self._audit(tenant_id, who, "dsar.resumed", doc, pausedDays=days, deadline=doc["deadline"])
        return self._requests.view(doc), to_instance(doc, WAKE_EVENT)

    def cancel(
        self, who: Principal, tenant_id: str, request_id: str, cmd: ReasonGiven
    ) -> tuple[DsarView, Signal]:
        """Cancel an approved erasure during its waiting period: nothing is erased."""
        now = self._clock.now().isoformat()

        def cancellable(doc: Doc) -> None:
            if doc["status"] != DsarStatus.APPROVED:
                raise Conflict(
                    f"the request is {doc['status']}: only an approved erasure in its waiting "
                    "period can be cancelled"
                )

        result = {"outcome": "cancelled", "cancelledAt": now, "cancelledBy": who.actor,
                  "reason": cmd.reason}
        doc = self._requests.update(
            tenant_id, request_id, {"result": result}, DsarStatus.CANCELLED, cmd.reason,
            who.actor, guard=cancellable,
        )
        self._audit(tenant_id, who, "dsar.cancelled", doc)
        return self._requests.view(doc), to_instance(doc, CANCEL_EVENT)

    def lift(self, who: Principal, tenant_id: str, request_id: str, cmd: ReasonGiven) -> DsarView:
        """End a restriction or objection: the widget accepts the subjects' data again, and
        the certificate records when, by whom and why."""
        doc = self._requests.get(tenant_id, request_id)
        if doc["type"] not in FLAGS or not in_force(doc):
            raise Conflict("only a completed restriction or objection still in force is lifted")
        for subject_id in doc.get("subjectIds", []):
            self._unflag(tenant_id, subject_id, FLAGS[doc["type"]])
        lifted = {"at": self._clock.now().isoformat(), "by": who.actor, "reason": cmd.reason}

        def liftable(current: Doc) -> Doc:
            if not in_force(current):
                raise Conflict("this restriction or objection was already lifted")
            return {"result": dict(current.get("result") or {}) | {"lifted": lifted}}

        doc = self._requests.update(tenant_id, request_id, liftable)
        count = len(doc.get("subjectIds", []))
        self._audit(tenant_id, who, "dsar.lifted", doc, subjects=count)
        return self._requests.view(doc)

    def _unflag(self, tenant_id: str, subject_id: str, flag: str) -> None:
        op = PatchOp("set", f"/flags/{flag}", False)
        with contextlib.suppress(ItemNotFound):  # erased since: nothing left to flag
            self._store.patch(SUBJECTS.name, (tenant_id, subject_id), SUBJECT_DOC_ID, [op])

    def retry(self, who: Principal, tenant_id: str, request_id: str) -> tuple[DsarView, Signal]:
        """Start a failed request again (a fresh orchestration); what was done before is done
        again idempotently. Not once its identifiers were deleted (minimised)."""

        def retriable(doc: Doc) -> Doc:
            if doc["status"] != DsarStatus.FAILED:
                raise Conflict(f"the request is {doc['status']}: only a failed one is retried")
            if "dataKey" not in doc:
                raise Conflict("the request's identifiers were deleted with its record's "
                               "personal part; start a new request")
            return {"attempt": int(doc.get("attempt", 1)) + 1, "result": REMOVE,
                    "historyPurged": False, "orchestrated": True, "retriedAt": now}

        now = self._clock.now().isoformat()
        doc = self._requests.update(
            tenant_id, request_id, retriable, DsarStatus.RECEIVED, "retried", who.actor
        )
        self._audit(tenant_id, who, "dsar.retried", doc, attempt=doc["attempt"])
        return self._requests.view(doc), START

