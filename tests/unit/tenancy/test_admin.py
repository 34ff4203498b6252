"""Tenant admin use cases: audited with ids and field names, a retention change queues a
re-stamp, only a Platform.Admin raises the rate limit past the operator's default."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import Principal
from shared.composition import App
from shared.errors import Forbidden
from shared.tenancy.models import TenantPatch

ADMIN = Principal(actor="oid-privacy", grants=frozenset())


def actions(services: App, tenant_id: str) -> list[str]:
    return [e["action"] for e in services.audit_for("eu").entries(tenant_id).items]


def test_a_retention_change_is_audited_by_field_and_queues_a_re_stamp(
    services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    patch = TenantPatch.model_validate({"retention": {"behaviour": 10}, "name": "Shop 2"})
    updated = services.tenant_admin.update_tenant(ADMIN, tid, patch)
    assert updated.effectiveRetention["behaviour"] == 10
    assert updated.retentionJob is not None and updated.retentionJob.status == "pending"
    [entry] = services.audit_for("eu").entries(tid, action="tenant.updated").items
    assert entry["details"] == {"fields": ["name", "retention"]}


def test_only_a_platform_admin_raises_the_rate_limit_above_the_default(
    services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    high = TenantPatch.model_validate({"rateLimit": {"perSecond": 1e5, "burst": 10**6}})
    with pytest.raises(Forbidden) as refused:
        services.tenant_admin.update_tenant(ADMIN, tid, high)
    assert [e.path for e in refused.value.errors] == ["/rateLimit"]
    assert services.tenants.get(tid).rateLimit is None  # nothing changed
    assert services.tenant_admin.update_tenant(ADMIN, tid, high, platform_admin=True).rateLimit


def test_a_refusal_is_evidence_in_the_tenant_s_trail_and_unknown_tenants_are_ignored(
    services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    services.tenant_admin.record_denial(ADMIN, tid, "contacts.read")
    services.tenant_admin.record_denial(ADMIN, "t-unknown", "contacts.read")
    [entry] = services.audit_for("eu").entries(tid, action="contacts.read").items
    assert (entry["outcome"], entry["actor"]) == ("denied", "oid-privacy")
