"""Admin use cases of retention: legal holds, offboarding and its export download."""

from __future__ import annotations

from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.errors import Conflict, Gone, NotFound
from shared.policies.export_links import can_link, link_details, link_to
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.retention.holds import LegalHolds
from shared.retention.models import LegalHold, LegalHoldCreate, Offboarding, OffboardingCreate
from shared.retention.offboarding import OffboardingService
from shared.retention.offboarding_export import EXPORTS, export_name, export_package
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant


class RetentionAdmin:
    """Admin use cases of retention: legal holds, offboarding and its export download, each
    in the tenant's own region and audited."""

    def __init__(
        self,
        tenants: TenantDirectory,
        holds: LegalHolds,
        offboarding: OffboardingService,
        blobs: BlobStore,
        control_audit: ControlAudit,
        clock: Clock,
        export_links: bool,
    ) -> None:
        self._tenants = tenants
        self._legal_holds = holds
        self._offboarding = offboarding
        self._blobs = blobs
        self._control_audit = control_audit
        self._clock = clock
        self._export_links = export_links

    def create_hold(self, principal: Principal, tenant_id: str, cmd: LegalHoldCreate) -> LegalHold:
        self._tenants.local(tenant_id)
        return self._legal_holds.create(principal, tenant_id, cmd)

    def release_hold(self, principal: Principal, tenant_id: str, hold_id: str) -> None:
        self._tenants.local(tenant_id)
        self._legal_holds.release(principal.actor, tenant_id, hold_id)

    def start_offboarding(
        self, principal: Principal, tenant_id: str, cmd: OffboardingCreate
    ) -> Offboarding:
        self._tenants.local(tenant_id)
        tenant = self._offboarding.start(principal, tenant_id, cmd.contractEnd, cmd.mode)
        assert tenant.offboarding is not None
        return tenant.offboarding

    def _export_window_open(self, tenant_id: str) -> Tenant:
        tenant = self._tenants.local(tenant_id)
        plan = tenant.offboarding
        if plan is not None and plan.mode == "delete_now":
            raise Gone("no export: the tenant chose deletion at contract end without export")
        if plan is None or plan.phase == "scheduled":
            raise Conflict("the export package is built at contract end")
        if plan.phase != "export_available" or self._clock.now() >= plan.exportAvailableUntil:
            raise Gone("the 30-day export window has closed; the data has been purged")
        return tenant

    def offboarding_export_link(self, principal: Principal, tenant_id: str) -> str | None:
        """A short-lived link to the package (``export_links``), or None where there is none."""
        if not can_link(self._blobs, self._export_links):
            return None
        tenant = self._export_window_open(tenant_id)
        link = link_to(self._blobs, EXPORTS, export_name(tenant_id))
        self._control_audit.tenant(
            tenant, principal.actor, "offboarding.linked", tenant_id, link_details()
        )
        return link

    def offboarding_export(self, principal: Principal, tenant_id: str) -> bytes:
        tenant = self._export_window_open(tenant_id)
        package = export_package(self._blobs, tenant_id)
        self._control_audit.tenant(
            tenant, principal.actor, "offboarding.downloaded", tenant_id, {"bytes": len(package)}
        )
        return package

    def offboarding_status(self, tenant_id: str) -> Offboarding:
        plan = self._tenants.get(tenant_id).offboarding
        if plan is None:
            raise NotFound("this tenant is not offboarding")
        return plan
