"""Admin use cases of the foundation: tenants, contacts, audit. Each is audited.

Callers have already authorised the principal (``shared.auth.authorize``); these functions
record who did what to which pseudonymous target, never a personal value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.audit.trail import Verification
from shared.auth import Principal
from shared.bootstrap import Services
from shared.errors import FieldError, Forbidden, MisdirectedRequest
from shared.policies.masking import contact_masks
from shared.ports.document_store import Page
from shared.retention.jobs import request_restamp
from shared.tenancy.contacts import ContactPage, list_contacts
from shared.tenancy.models import (
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantPatch,
    WidgetKeyRotate,
    WidgetKeyRotated,
)


def _audit(
    services: Services,
    tenant: Tenant,
    principal: Principal,
    action: str,
    target: str,
    outcome: str = "success",
    details: dict[str, object] | None = None,
) -> None:
    services.control_audit.tenant(
        tenant, principal.actor, action, target, details=dict(details or {}), outcome=outcome
    )


def create_tenant(services: Services, principal: Principal, cmd: TenantCreate) -> TenantCreated:
    if cmd.region in services.settings.region_list:
        services.store_for(cmd.region)  # 421 first where that region's stamp is separate
    tenant, widget_key = services.tenants.create(cmd)
    _audit(
        services,
        tenant,
        principal,
        "tenant.created",
        tenant.tenantId,
        details={"region": tenant.region},
    )
    return TenantCreated(tenantId=tenant.tenantId, region=tenant.region, widgetKey=widget_key)


def get_tenant(services: Services, principal: Principal, tenant_id: str) -> Tenant:
    tenant = services.tenants.get(tenant_id)
    _audit(services, tenant, principal, "tenant.read", tenant_id)
    return tenant


def _check_rate_limit(services: Services, patch: TenantPatch, platform_admin: bool) -> None:
    """A tenant's own admins may lower their widget rate limit, not raise it past the
    operator's default (that protects the stamp the tenants share)."""
    rate = patch.rateLimit
    settings = services.settings
    above = rate is not None and (
        rate.perSecond > settings.widget_rate_per_second or rate.burst > settings.widget_rate_burst
    )
    if above and not platform_admin:
        raise Forbidden(
            "only a Platform.Admin may set a rate limit above the operator default "
            f"({settings.widget_rate_per_second:g}/s, burst {settings.widget_rate_burst})",
            errors=[FieldError("/rateLimit", "above the operator default")],
        )


def update_tenant(
    services: Services,
    principal: Principal,
    tenant_id: str,
    patch: TenantPatch,
    platform_admin: bool = False,
) -> Tenant:
    """``platform_admin``: the principal holds Platform.Admin for this tenant."""
    _check_rate_limit(services, patch, platform_admin)
    tenant, changed = services.tenants.update(tenant_id, patch)
    _audit(services, tenant, principal, "tenant.updated", tenant_id, details={"fields": changed})
    if "retention" in changed:
        tenant = request_restamp(services.tenants, tenant_id, "retention.changed", services.clock)
    return tenant


def rotate_widget_key(
    services: Services, principal: Principal, tenant_id: str, cmd: WidgetKeyRotate
) -> WidgetKeyRotated:
    """A new widget key, shown once; the old one keeps working for the overlap (pages that
    still embed it), then stops. Audited with the overlap, never a key."""
    until = services.clock.now() + timedelta(hours=cmd.overlapHours)
    tenant, widget_key, until = services.tenants.rotate_key(tenant_id, until)
    _audit(
        services,
        tenant,
        principal,
        "widget_key.rotated",
        tenant_id,
        details={"overlapHours": cmd.overlapHours, "previousKeyExpiresAt": until.isoformat()},
    )
    return WidgetKeyRotated(tenantId=tenant_id, widgetKey=widget_key, previousKeyExpiresAt=until)


def record_denial(services: Services, principal: Principal, tenant_id: str, action: str) -> None:
    """Refused attempts on a tenant are evidence too (who tried what, when)."""
    try:
        tenant = services.tenants.get(tenant_id)
    except Exception:  # unknown or quarantined tenant: nothing to attach the entry to
        return
    _audit(services, tenant, principal, action, tenant_id, outcome="denied")


def local_tenant(services: Services, tenant_id: str) -> Tenant:
    """Subject data is read only in its own region (it never leaves it)."""
    tenant = services.tenants.get(tenant_id)
    if tenant.region != services.settings.region:
        endpoint = services.settings.region_endpoints.get(tenant.region, "")
        raise MisdirectedRequest(
            f"this tenant's data is served in region '{tenant.region}'",
            extra={"region": tenant.region, "endpoint": endpoint},
        )
    return tenant


def read_contacts(
    services: Services,
    principal: Principal,
    tenant_id: str,
    masked: bool,
    limit: int,
    continuation: str | None,
) -> ContactPage:
    tenant = local_tenant(services, tenant_id)
    masks = contact_masks(not masked, tenant.supportSees)
    page = list_contacts(
        services.store, services.subject_keys, tenant_id, masks, limit, continuation
    )
    _audit(
        services,
        tenant,
        principal,
        "contacts.read",
        tenant_id,
        details={"count": len(page.items), "masked": masked},
    )
    return page


def read_audit(
    services: Services,
    principal: Principal,
    tenant_id: str,
    since: datetime | None,
    until: datetime | None,
    action: str | None,
    limit: int,
    continuation: str | None,
) -> Page:
    tenant = services.tenants.get(tenant_id)
    page = services.audit_for(tenant.region).list(
        tenant_id, since, until, action, limit, continuation
    )
    _audit(services, tenant, principal, "audit.read", tenant_id, details={"count": len(page.items)})
    return page


def verify_audit(services: Services, principal: Principal, tenant_id: str) -> Verification:
    tenant = services.tenants.get(tenant_id)
    result = services.audit_for(tenant.region).verify(tenant_id, tenant.retention)
    _audit(
        services,
        tenant,
        principal,
        "audit.verified",
        tenant_id,
        details={"valid": result.valid, "entries": result.entries},
    )
    return result
