"""Admin use cases of data-subject requests: submit, decide, extend, read, download.

Starting and signalling the orchestration is the function layer's job (it holds the Durable
client); these functions say what to do and keep the request document and the audit right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.dsar.export_package import CONTAINER, package_name
from shared.dsar.models import (
    DsarCreate,
    DsarDecision,
    DsarExtension,
    DsarStatus,
    DsarType,
    DsarView,
)
from shared.dsar.orchestration_steps import OrchestrationSteps
from shared.dsar.requests import MAX_EXTENSION, DsarRequests
from shared.errors import Conflict, Forbidden, Gone, NotFound
from shared.policies.export_links import can_link, link_details, link_to
from shared.ports.blob_store import BlobNotFound, BlobStore
from shared.ports.clock import Clock
from shared.ports.key_provider import KeyProvider
from shared.subjects.resolution import identifier_digests
from shared.tenancy.directory import TenantDirectory

ORCHESTRATOR = "dsar_orchestrator"
DECISION_EVENT = "Decision"


@dataclass(frozen=True)
class DecisionOutcome:
    """What the function layer must do with the orchestration after a decision."""

    action: Literal["raise_event", "start", "none"]
    approve: bool


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
        self._dsar_requests.update(tenant_id, doc["id"], {"orchestrated": True})
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
    ) -> DecisionOutcome:
        """The decision is written under the request's ETag and re-checked on the state it
        replaces: of two concurrent decisions one wins, the other is a 409."""
        seen: dict[str, DsarStatus] = {}

        def decidable(doc: dict[str, object]) -> None:
            status = DsarStatus(str(doc["status"]))
            if (
                status not in (DsarStatus.RECEIVED, DsarStatus.AWAITING_APPROVAL)
                or "decision" in doc
            ):
                raise Conflict(f"the request is {status.value}; there is nothing to decide")
            if principal.identified and doc.get("startedBy") == principal.actor:
                raise Forbidden("the operator who started a request cannot decide it")
            seen["status"] = status

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
        status = seen["status"]
        self._audit(
            tenant_id,
            principal,
            "dsar.decided",
            request_id,
            {"approve": cmd.approve, "type": doc["type"]},
        )
        if status == DsarStatus.AWAITING_APPROVAL:
            return DecisionOutcome("raise_event", cmd.approve)
        if cmd.approve:
            self._dsar_requests.update(tenant_id, request_id, {"orchestrated": True})
            return DecisionOutcome("start", True)
        self._dsar_steps.reject(tenant_id, request_id)
        return DecisionOutcome("none", False)

    def extend(
        self, principal: Principal, tenant_id: str, request_id: str, cmd: DsarExtension
    ) -> DsarView:
        doc = self._dsar_requests.get(tenant_id, request_id)
        received = datetime.fromisoformat(doc["receivedAt"])
        deadline = datetime.fromisoformat(doc["deadline"]) + timedelta(days=cmd.days)
        if deadline - received > timedelta(days=30) + MAX_EXTENSION:
            raise Conflict("the deadline can be extended by at most two months in total")
        doc = self._dsar_requests.update(
            tenant_id,
            request_id,
            {"deadline": deadline.isoformat(), "escalated": False, "overdue": False},
        )
        self._audit(
            tenant_id,
            principal,
            "dsar.extended",
            request_id,
            {"days": cmd.days, "deadline": deadline.isoformat()},
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
