"""Admin use cases of retention: legal holds, offboarding and its export download."""

from __future__ import annotations

from shared.auth import Principal
from shared.bootstrap import Services
from shared.errors import Conflict, Gone, NotFound
from shared.policies.export_links import can_link, link_details, link_to
from shared.retention.models import LegalHold, LegalHoldCreate, Offboarding, OffboardingCreate
from shared.retention.offboarding_export import EXPORTS, export_name, export_package
from shared.tenancy.admin import local_tenant
from shared.tenancy.models import Tenant


def create_hold(
    services: Services, principal: Principal, tenant_id: str, cmd: LegalHoldCreate
) -> LegalHold:
    local_tenant(services, tenant_id)
    return services.legal_holds.create(principal, tenant_id, cmd)


def release_hold(services: Services, principal: Principal, tenant_id: str, hold_id: str) -> None:
    local_tenant(services, tenant_id)
    services.legal_holds.release(principal.actor, tenant_id, hold_id)


def start_offboarding(
    services: Services, principal: Principal, tenant_id: str, cmd: OffboardingCreate
) -> Offboarding:
    local_tenant(services, tenant_id)
    tenant = services.offboarding.start(principal, tenant_id, cmd.contractEnd)
    assert tenant.offboarding is not None
    return tenant.offboarding


def _export_window_open(services: Services, tenant_id: str) -> Tenant:
    tenant = local_tenant(services, tenant_id)
    plan = tenant.offboarding
    if plan is None or plan.phase == "scheduled":
        raise Conflict("the export package is built at contract end")
    if plan.phase != "export_available" or services.clock.now() >= plan.exportAvailableUntil:
        raise Gone("the 30-day export window has closed; the data has been purged")
    return tenant


def offboarding_export_link(services: Services, principal: Principal, tenant_id: str) -> str | None:
    """A short-lived link to the package (``export_links``), or None where there is none."""
    if not can_link(services.blobs, services.settings.export_links):
        return None
    tenant = _export_window_open(services, tenant_id)
    link = link_to(services.blobs, EXPORTS, export_name(tenant_id))
    services.control_audit.tenant(
        tenant, principal.actor, "offboarding.linked", tenant_id, link_details()
    )
    return link


def offboarding_export(services: Services, principal: Principal, tenant_id: str) -> bytes:
    tenant = _export_window_open(services, tenant_id)
    package = export_package(services.blobs, tenant_id)
    services.control_audit.tenant(
        tenant, principal.actor, "offboarding.downloaded", tenant_id, {"bytes": len(package)}
    )
    return package


def offboarding_status(services: Services, tenant_id: str) -> Offboarding:
    plan = services.tenants.get(tenant_id).offboarding
    if plan is None:
        raise NotFound("this tenant is not offboarding")
    return plan
