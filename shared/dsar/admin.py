"""Admin use cases of data-subject requests: submit, decide, extend, read, download.

Starting and signalling the orchestration is the function layer's job (it holds the Durable
client); these functions say what to do and keep the request document and the audit right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from shared.auth import Principal
from shared.bootstrap import Services
from shared.dsar.export_package import CONTAINER, package_name
from shared.dsar.models import (
    DsarCreate,
    DsarDecision,
    DsarExtension,
    DsarStatus,
    DsarView,
)
from shared.dsar.requests import MAX_EXTENSION
from shared.errors import Conflict, Forbidden, Gone, NotFound
from shared.ingest.models import DsarType
from shared.policies.export_links import can_link, link_details, link_to
from shared.ports.blob_store import BlobNotFound
from shared.subjects.resolution import identifier_digests
from shared.tenancy.admin import local_tenant

ORCHESTRATOR = "dsar_orchestrator"
DECISION_EVENT = "Decision"


@dataclass(frozen=True)
class DecisionOutcome:
    """What the function layer must do with the orchestration after a decision."""

    action: Literal["raise_event", "start", "none"]
    approve: bool


def _audit(
    services: Services,
    tenant_id: str,
    principal: Principal,
    action: str,
    request_id: str,
    details: dict[str, object],
) -> None:
    tenant = services.tenants.get(tenant_id)
    services.control_audit.tenant(tenant, principal.actor, action, request_id, dict(details))


def submit(services: Services, principal: Principal, tenant_id: str, cmd: DsarCreate) -> str:
    tenant = local_tenant(services, tenant_id)
    digests = identifier_digests(services.keys, tenant, cmd.identifiers)
    doc = services.dsar_requests.register(
        tenant_id, cmd, digests.current, digests.version, principal.actor
    )
    services.dsar_requests.update(tenant_id, doc["id"], {"orchestrated": True})
    _audit(
        services,
        tenant_id,
        principal,
        "dsar.submitted",
        doc["id"],
        {"type": cmd.type.value, "identifierKinds": sorted(digests.current)},
    )
    return str(doc["id"])


def view(services: Services, tenant_id: str, request_id: str) -> DsarView:
    return services.dsar_requests.view(services.dsar_requests.get(tenant_id, request_id))


def listing(
    services: Services, tenant_id: str, limit: int, continuation: str | None
) -> tuple[list[DsarView], str | None]:
    """Overdue first, then by deadline; finished requests last (paged in that order)."""
    local_tenant(services, tenant_id)
    docs, token = services.dsar_requests.page(tenant_id, limit, continuation)
    now = services.clock.now()
    return [services.dsar_requests.view(d, now) for d in docs], token


def decide(
    services: Services, principal: Principal, tenant_id: str, request_id: str, cmd: DsarDecision
) -> DecisionOutcome:
    """The decision is written under the request's ETag and re-checked on the state it
    replaces: of two concurrent decisions one wins, the other is a 409."""
    seen: dict[str, DsarStatus] = {}

    def decidable(doc: dict[str, object]) -> None:
        status = DsarStatus(str(doc["status"]))
        if status not in (DsarStatus.RECEIVED, DsarStatus.AWAITING_APPROVAL) or "decision" in doc:
            raise Conflict(f"the request is {status.value}; there is nothing to decide")
        if principal.identified and doc.get("startedBy") == principal.actor:
            raise Forbidden("the operator who started a request cannot decide it")
        seen["status"] = status

    doc = services.dsar_requests.update(
        tenant_id,
        request_id,
        {
            "decision": {"approve": cmd.approve},
            "decisionReason": cmd.reason,
            "decidedBy": principal.actor,
            "decidedAt": services.clock.now().isoformat(),
        },
        guard=decidable,
    )
    status = seen["status"]
    _audit(
        services,
        tenant_id,
        principal,
        "dsar.decided",
        request_id,
        {"approve": cmd.approve, "type": doc["type"]},
    )
    if status == DsarStatus.AWAITING_APPROVAL:
        return DecisionOutcome("raise_event", cmd.approve)
    if cmd.approve:
        services.dsar_requests.update(tenant_id, request_id, {"orchestrated": True})
        return DecisionOutcome("start", True)
    services.dsar_work.reject(tenant_id, request_id)
    return DecisionOutcome("none", False)


def extend(
    services: Services, principal: Principal, tenant_id: str, request_id: str, cmd: DsarExtension
) -> DsarView:
    doc = services.dsar_requests.get(tenant_id, request_id)
    received = datetime.fromisoformat(doc["receivedAt"])
    deadline = datetime.fromisoformat(doc["deadline"]) + timedelta(days=cmd.days)
    if deadline - received > timedelta(days=30) + MAX_EXTENSION:
        raise Conflict("the deadline can be extended by at most two months in total")
    doc = services.dsar_requests.update(
        tenant_id,
        request_id,
        {"deadline": deadline.isoformat(), "escalated": False, "overdue": False},
    )
    _audit(
        services,
        tenant_id,
        principal,
        "dsar.extended",
        request_id,
        {"days": cmd.days, "deadline": deadline.isoformat()},
    )
    return services.dsar_requests.view(doc)


def _ready_export(services: Services, tenant_id: str, request_id: str) -> None:
    doc = services.dsar_requests.get(tenant_id, request_id)
    if doc["type"] not in (DsarType.ACCESS, DsarType.PORTABILITY):
        raise NotFound("only access and portability requests have an export")
    result = doc.get("result") or {}
    if doc["status"] != DsarStatus.COMPLETED or "exportExpiresAt" not in result:
        raise Conflict("the export is not ready yet")
    if services.clock.now() >= datetime.fromisoformat(result["exportExpiresAt"]):
        raise Gone("the export expired after 7 days")


def download_link(
    services: Services, principal: Principal, tenant_id: str, request_id: str
) -> str | None:
    """A short-lived link to the zip package (``export_links``), or None where there is none."""
    if not can_link(services.blobs, services.settings.export_links):
        return None
    _ready_export(services, tenant_id, request_id)
    link = link_to(services.blobs, CONTAINER, package_name(request_id))
    _audit(services, tenant_id, principal, "dsar.export.linked", request_id, link_details())
    return link


def download(services: Services, principal: Principal, tenant_id: str, request_id: str) -> bytes:
    _ready_export(services, tenant_id, request_id)
    try:
        package = services.blobs.get(CONTAINER, package_name(request_id))
    except BlobNotFound:
        raise Gone("the export has been deleted") from None
    _audit(
        services,
        tenant_id,
        principal,
        "dsar.export.downloaded",
        request_id,
        {"bytes": len(package)},
    )
    return package
