"""What the console asks that no other endpoint answers: who am I here, and which tenants.

The console hides what the API would refuse, so it needs the principal's effective grants as
the API computes them (group mappings live in the app's settings, not in the browser), and a
tenant list to choose from. Both answer from the same principal the routes authorise with.
"""

from __future__ import annotations

from shared.audit.control import ControlAudit
from shared.auth import EVERY_TENANT, Principal
from shared.containers import TENANTS
from shared.errors import NotFound
from shared.policies.retention import (
    DEFAULT_CEILING_DAYS,
    DEFAULT_RETENTION_DAYS,
    MIN_AUDIT_DAYS,
    Category,
)
from shared.ports.document_store import DocumentStore, Query
from shared.tenancy.console_models import (
    CategoryLimits,
    Grant,
    Me,
    RetentionLimits,
    TenantSummary,
    TenantSummaryPage,
)
from shared.tenancy.directory import TenantDirectory


def grants_of(principal: Principal) -> list[Grant]:
    """The principal's (role, tenant) pairs, exactly as ``shared.auth`` computed them."""
    return sorted(
        (Grant(role=g.role, tenant=g.tenant) for g in principal.grants),
        key=lambda g: (g.tenant, g.role),
    )


def me(principal: Principal, name: str | None = None) -> Me:
    return Me(actor=principal.actor, grants=grants_of(principal), name=name or None)


def _summary(doc: dict[str, object]) -> TenantSummary:
    return TenantSummary.model_validate(
        {k: doc.get(k) for k in TenantSummary.model_fields if doc.get(k) is not None}
    )


def list_tenants(
    directory: DocumentStore,
    tenants: TenantDirectory,
    control_audit: ControlAudit,
    principal: Principal,
    limit: int,
    continuation: str | None,
) -> TenantSummaryPage:
    """Tenants the principal holds any grant in, by name; all of them, paged, for ``*``.

    Listing is a control-plane read: it goes to the platform trail with its count.
    """
    scopes = {g.tenant for g in grants_of(principal)}
    if EVERY_TENANT in scopes:
        query = Query(order_by="name")
        page = directory.query(TENANTS.name, (), query, limit, continuation)
        items = [_summary(doc) for doc in page.items]
        next_page = page.continuation
    else:
        items, next_page = _named(tenants, sorted(scopes)), None
    control_audit.platform(
        principal.actor, "tenant.listed", "tenants", {"count": len(items)}
    )
    return TenantSummaryPage(items=items, continuation=next_page)


def _named(tenants: TenantDirectory, tenant_ids: list[str]) -> list[TenantSummary]:
    """A principal scoped to named tenants sees those that exist (a few: no paging)."""
    found: list[TenantSummary] = []
    for tenant_id in tenant_ids:
        try:
            tenant = tenants.get(tenant_id)
        except NotFound:
            continue
        found.append(_summary(tenant.model_dump(mode="json")))
    return sorted(found, key=lambda t: (t.name.casefold(), t.tenantId))


def retention_limits(ceilings: dict[str, int]) -> RetentionLimits:
    """What a settings form must know to offer only periods the API accepts."""
    return RetentionLimits(
        categories=[
            CategoryLimits(
                category=c.value,
                defaultDays=DEFAULT_RETENTION_DAYS[c],
                ceilingDays=ceilings.get(c.value, DEFAULT_CEILING_DAYS),
                minimumDays=MIN_AUDIT_DAYS if c == Category.AUDIT else 1,
            )
            for c in Category
        ]
    )
