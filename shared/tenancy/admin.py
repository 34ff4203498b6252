"""Admin use cases of the foundation: tenants, contacts, audit. Each is audited.

Callers have already authorised the principal (``shared.auth.require``); these use cases
record who did what to which pseudonymous target, never a personal value. They receive what
they use from the composition root (``shared.composition``), never the whole graph.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from shared.audit.control import ControlAudit
from shared.audit.trail import AuditTrail, Verification
from shared.auth import Principal, require_mfa
from shared.errors import BadRequest, FieldError, Forbidden, Quarantined
from shared.policies.masking import contact_masks
from shared.policies.retention import shortens
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Page
from shared.retention.jobs import request_restamp
from shared.settings import Settings
from shared.subjects.keys import SubjectKeys
from shared.tenancy.contacts import ContactPage, list_contacts
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import (
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantPatch,
    WidgetKeyRotate,
    WidgetKeyRotated,
)


class TenantAdmin:
    """Admin use cases of a tenant, each audited in the tenant's trail. Callers have already
    authorised the principal (``shared.auth.require``)."""

    def __init__(
        self,
        tenants: TenantDirectory,
        store: DocumentStore,
        control_audit: ControlAudit,
        audit_for: Callable[[str], AuditTrail],
        store_for: Callable[[str], DocumentStore],
        subject_keys: SubjectKeys,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._tenants = tenants
        self._store = store
        self._control_audit = control_audit
        self._audit_for = audit_for
        self._store_for = store_for
        self._subject_keys = subject_keys
        self._settings = settings
        self._clock = clock

    def _audit(
        self,
        tenant: Tenant,
        principal: Principal,
        action: str,
        target: str,
        outcome: str = "success",
        details: dict[str, object] | None = None,
    ) -> None:
        self._control_audit.tenant(
            tenant, principal.actor, action, target, details=dict(details or {}), outcome=outcome
        )

    def _check_record_days(self, days: int | None) -> None:
        """A tenant keeps its finished requests' personal part at most as long as the
        operator allows (``PRIVACY_DSR_RECORD_DAYS_CEILING``)."""
        ceiling = self._settings.dsr_record_days_ceiling
        if days is not None and days > ceiling:
            raise BadRequest(
                f"dsrRecordDays exceeds the operator ceiling of {ceiling} days",
                errors=[FieldError("/dsrRecordDays", f"at most {ceiling}")],
            )

    def create_tenant(self, principal: Principal, cmd: TenantCreate) -> TenantCreated:
        self._check_record_days(cmd.dsrRecordDays)
        if cmd.region in self._settings.region_list:
            self._store_for(cmd.region)  # 421 first where that region's stamp is separate
        tenant, widget_key = self._tenants.create(cmd)
        self._audit(
            tenant,
            principal,
            "tenant.created",
            tenant.tenantId,
            details={"region": tenant.region},
        )
        return TenantCreated(tenantId=tenant.tenantId, region=tenant.region, widgetKey=widget_key)

    def get_tenant(self, principal: Principal, tenant_id: str) -> Tenant:
        tenant = self._tenants.get(tenant_id)
        self._audit(tenant, principal, "tenant.read", tenant_id)
        return tenant

    def _check_rate_limit(self, patch: TenantPatch, platform_admin: bool) -> None:
        """A tenant's own admins may lower their widget rate limit, not raise it past the
        operator's default (that protects the stamp the tenants share)."""
        rate = patch.rateLimit
        settings = self._settings
        above = rate is not None and (
            rate.perSecond > settings.widget_rate_per_second
            or rate.burst > settings.widget_rate_burst
        )
        if above and not platform_admin:
            raise Forbidden(
                "only a Platform.Admin may set a rate limit above the operator default "
                f"({settings.widget_rate_per_second:g}/s, burst {settings.widget_rate_burst})",
                errors=[FieldError("/rateLimit", "above the operator default")],
            )

    def update_tenant(
        self,
        principal: Principal,
        tenant_id: str,
        patch: TenantPatch,
        platform_admin: bool = False,
    ) -> Tenant:
        """``platform_admin``: the principal holds Platform.Admin for this tenant."""
        self._check_rate_limit(patch, platform_admin)
        self._check_record_days(patch.dsrRecordDays)
        self._check_contract_terms(patch, platform_admin)
        self._check_shortening(principal, tenant_id, patch)
        tenant, changed = self._tenants.update(tenant_id, patch)
        self._audit(tenant, principal, "tenant.updated", tenant_id, details={"fields": changed})
        if "retention" in changed:
            tenant = request_restamp(self._tenants, tenant_id, "retention.changed", self._clock)
        return tenant

    @staticmethod
    def _check_contract_terms(patch: TenantPatch, platform_admin: bool) -> None:
        """The DPA's terms (its version, the objection window) are agreed between the vendor
        and the customer: the customer's own admins cannot rewrite them."""
        terms = {"dpaVersion", "objectionWindowDays"} & patch.model_fields_set
        if terms and not platform_admin:
            raise Forbidden(
                "only a Platform.Admin may change the contract terms",
                errors=[FieldError(f"/{name}", "contract term") for name in sorted(terms)],
            )

    def _check_shortening(self, principal: Principal, tenant_id: str, patch: TenantPatch) -> None:
        """Shortening a period deletes data sooner: a privileged action (MFA)."""
        if "retention" not in patch.model_fields_set or not self._settings.require_mfa:
            return
        try:
            current = self._tenants.get(tenant_id)
        except Quarantined:  # the current periods are unreadable: taken as a shortening
            require_mfa(principal, "retention.shorten", True)
            return
        if shortens(current.retention, patch.changes()["retention"]):
            self._privileged(principal, current, "retention.shorten")

    def _privileged(self, principal: Principal, tenant: Tenant, action: str) -> None:
        """The MFA rule where the change itself is privileged; a refusal is audited."""
        try:
            require_mfa(principal, action, self._settings.require_mfa)
        except Forbidden:
            self._audit(tenant, principal, action, tenant.tenantId, outcome="denied")
            raise

    def rotate_widget_key(
        self, principal: Principal, tenant_id: str, cmd: WidgetKeyRotate
    ) -> WidgetKeyRotated:
        """A new widget key, shown once; the old one keeps working for the overlap (pages that
        still embed it), then stops. Audited with the overlap, never a key."""
        until = self._clock.now() + timedelta(hours=cmd.overlapHours)
        tenant, widget_key, until = self._tenants.rotate_key(tenant_id, until)
        self._audit(
            tenant,
            principal,
            "widget_key.rotated",
            tenant_id,
            details={"overlapHours": cmd.overlapHours, "previousKeyExpiresAt": until.isoformat()},
        )
        return WidgetKeyRotated(
            tenantId=tenant_id, widgetKey=widget_key, previousKeyExpiresAt=until
        )

    def record_denial(self, principal: Principal, tenant_id: str, action: str) -> None:
        """Refused attempts on a tenant are evidence too (who tried what, when)."""
        try:
            tenant = self._tenants.get(tenant_id)
        except Exception:  # unknown or quarantined tenant: nothing to attach the entry to
            return
        self._audit(tenant, principal, action, tenant_id, outcome="denied")

    def read_contacts(
        self,
        principal: Principal,
        tenant_id: str,
        masked: bool,
        limit: int,
        continuation: str | None,
        fmt: str = "json",
    ) -> ContactPage:
        tenant = self._tenants.local(tenant_id)
        masks = contact_masks(not masked, tenant.supportSees)
        page = list_contacts(self._store, self._subject_keys, tenant_id, masks, limit, continuation)
        self._audit(
            tenant,
            principal,
            "contacts.read",
            tenant_id,
            details={"count": len(page.items), "masked": masked, "format": fmt},
        )
        return page

    def read_audit(
        self,
        principal: Principal,
        tenant_id: str,
        since: datetime | None,
        until: datetime | None,
        action: str | None,
        limit: int,
        continuation: str | None,
    ) -> Page:
        tenant = self._tenants.get(tenant_id)
        page = self._audit_for(tenant.region).entries(
            tenant_id, since, until, action, limit, continuation
        )
        self._audit(tenant, principal, "audit.read", tenant_id, details={"count": len(page.items)})
        return page

    def verify_audit(self, principal: Principal, tenant_id: str) -> Verification:
        tenant = self._tenants.get(tenant_id)
        result = self._audit_for(tenant.region).verify(tenant_id, tenant.retention)
        self._audit(
            tenant,
            principal,
            "audit.verified",
            tenant_id,
            details={
                "valid": result.valid,
                "entries": result.entries,
                "outOfOrder": len(result.outOfOrder),
            },
        )
        return result
