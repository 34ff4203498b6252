"""Admin use cases of data-subject requests: submit, decide, extend, read, download.

Starting and signalling the orchestration is the function layer's job (it holds the Durable
client); these functions say what to do and keep the request document and the audit right.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.dsar.approval import check_decision
from shared.dsar.deadlines import MAX_EXTENSION, deadline_of, is_child
from shared.dsar.export_package import CONTAINER, package_name
from shared.dsar.lifecycle import FINISHED
from shared.dsar.models import (
    DsarCreate,
    DsarDecision,
    DsarExtension,
    DsarStatus,
    DsarType,
    DsarView,
)
from shared.dsar.orchestration_steps import OrchestrationSteps
from shared.dsar.requests import DsarRequests
from shared.dsar.signals import DECISION_EVENT, NOTHING, START, Signal, to_instance
from shared.errors import Conflict, Gone, NotFound
from shared.policies.export_links import can_link, link_details, link_to
from shared.ports.blob_store import BlobNotFound, BlobStore
from shared.ports.clock import Clock
from shared.ports.key_provider import KeyProvider
from shared.subjects.resolution import identifier_digests
from shared.tenancy.directory import TenantDirectory


class DsarAdmin:
    """Admin use cases of data-subject requests. Starting and signalling the orchestration is
    the function layer's job (it holds the Durable client): these say what to do and keep the
    request document and the audit right."""

    def __init__(
        self,
        requests: DsarRequests,
        steps: OrchestrationSteps,
        tenants: TenantDirectory,
        keys: KeyProvider,
        blobs: BlobStore,
        control_audit: ControlAudit,
        clock: Clock,
        export_links: bool,
    ) -> None:
        self._dsar_requests = requests
        self._dsar_steps = steps
        self._tenants = tenants
        self._keys = keys
        self._blobs = blobs
        self._control_audit = control_audit
        self._clock = clock
        self._export_links = export_links

    def _audit(
        self,
        tenant_id: str,
        principal: Principal,
        action: str,
        request_id: str,
        details: dict[str, object],
    ) -> None:
        tenant = self._tenants.get(tenant_id)
        self._control_audit.tenant(tenant, principal.actor, action, request_id, dict(details))

    def submit(self, principal: Principal, tenant_id: str, cmd: DsarCreate) -> str:
        tenant = self._tenants.local(tenant_id)
        digests = identifier_digests(self._keys, tenant, cmd.identifiers)
        doc = self._dsar_requests.register(
            tenant_id, cmd, digests.current, digests.version, principal.actor
        )
        self._audit(
            tenant_id,
            principal,
            "dsar.submitted",
            doc["id"],
            {"type": cmd.type.value, "identifierKinds": sorted(digests.current)},
        )
        return str(doc["id"])

    def view(self, tenant_id: str, request_id: str) -> DsarView:
        return self._dsar_requests.view(self._dsar_requests.get(tenant_id, request_id))

    def listing(
        self, tenant_id: str, limit: int, continuation: str | None
    ) -> tuple[list[DsarView], str | None]:
        """Overdue first, then by deadline; finished requests last (paged in that order)."""
        self._tenants.local(tenant_id)
        docs, token = self._dsar_requests.page(tenant_id, limit, continuation)
        now = self._clock.now()
        return [self._dsar_requests.view(d, now) for d in docs], token

    def decide(
        self, principal: Principal, tenant_id: str, request_id: str, cmd: DsarDecision
    ) -> Signal:
        """The decision is written under the request's ETag and re-checked on the state it
        replaces (``approval.check_decision``): of two concurrent decisions one wins, the
        other is a 409; a refused rule is a 403 naming it."""

        def decidable(doc: dict[str, Any]) -> None:
            check_decision(doc, principal, cmd.approve)

        doc = self._dsar_requests.update(
            tenant_id,
            request_id,
            {
                "decision": {"approve": cmd.approve},
                "decisionReason": cmd.reason,
                "decidedBy": principal.actor,
                "decidedAt": self._clock.now().isoformat(),
            },
            guard=decidable,
        )
        self._audit(
            tenant_id,
            principal,
            "dsar.decided",
            request_id,
            {"approve": cmd.approve, "type": doc["type"]},
        )
        if doc.get("orchestrated"):
            return to_instance(doc, DECISION_EVENT, {"approve": cmd.approve})
        if cmd.approve:  # a visitor's request: its orchestration starts now, decided
            self._dsar_requests.update(tenant_id, request_id, {"orchestrated": True})
            return START
        self._dsar_steps.reject(tenant_id, request_id)
        return NOTHING

    def extend(
        self, principal: Principal, tenant_id: str, request_id: str, cmd: DsarExtension
    ) -> DsarView:
        """GDPR 12(3): up to two further months, decided while the request is still within
        its time limit, with the reason the requester is given (kept on the request and in
        its certificate; not in the audit trail, which gets the days)."""
        now = self._clock.now()

        def extended(doc: dict[str, Any]) -> dict[str, Any]:
            if DsarStatus(doc["status"]) in FINISHED:
                raise Conflict(f"the request is {doc['status']}; its deadline no longer runs")
            if is_child(doc):
                raise Conflict("a child's erasure cannot be extended: its data is deleted at once")
            if now >= deadline_of(doc):
                raise Conflict("the deadline has passed: it can be extended only before it ends")
            earlier = doc.get("extensions", [])
            if timedelta(days=sum(e["days"] for e in earlier) + cmd.days) > MAX_EXTENSION:
                raise Conflict("the deadline can be extended by at most two months in total")
            entry = {"at": now.isoformat(), "by": principal.actor, "days": cmd.days,
                     "reason": cmd.reason}
            deadline = deadline_of(doc) + timedelta(days=cmd.days)
            return {"deadline": deadline.isoformat(), "escalated": False, "overdue": False,
                    "extensions": [*earlier, entry]}

        doc = self._dsar_requests.update(tenant_id, request_id, extended)
        self._audit(
            tenant_id,
            principal,
            "dsar.extended",
            request_id,
            {"days": cmd.days, "deadline": doc["deadline"]},
        )
        return self._dsar_requests.view(doc)

    def _ready_export(self, tenant_id: str, request_id: str) -> None:
        doc = self._dsar_requests.get(tenant_id, request_id)
        if doc["type"] not in (DsarType.ACCESS, DsarType.PORTABILITY):
            raise NotFound("only access and portability requests have an export")
        result = doc.get("result") or {}
        if doc["status"] != DsarStatus.COMPLETED or "exportExpiresAt" not in result:
            raise Conflict("the export is not ready yet")
        if self._clock.now() >= datetime.fromisoformat(result["exportExpiresAt"]):
            raise Gone("the export expired after 7 days")

    def download_link(self, principal: Principal, tenant_id: str, request_id: str) -> str | None:
        """A short-lived link to the zip package (``export_links``), or None where there is none."""
        if not can_link(self._blobs, self._export_links):
            return None
        self._ready_export(tenant_id, request_id)
        link = link_to(self._blobs, CONTAINER, package_name(request_id))
        self._audit(tenant_id, principal, "dsar.export.linked", request_id, link_details())
        return link

    def download(self, principal: Principal, tenant_id: str, request_id: str) -> bytes:
        self._ready_export(tenant_id, request_id)
        try:
            package = self._blobs.get(CONTAINER, package_name(request_id))
        except BlobNotFound:
            raise Gone("the export has been deleted") from None
        self._audit(
            tenant_id,
            principal,
            "dsar.export.downloaded",
            request_id,
            {"bytes": len(package)},
        )
        return package
