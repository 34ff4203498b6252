"""Control-plane audit: the platform's own trail, and each tenant an action touches finds it in
its own trail, in the tenant's region."""

from __future__ import annotations

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.audit.control import PLATFORM_TRAIL, ControlAudit
from shared.audit.trail import AuditTrail
from tests.fakes import FakeClock
from tests.unit.conftest import a_tenant


def test_an_action_is_in_the_platform_trail_once_and_in_each_tenant_s_own(
    region_store: SqliteDocumentStore, clock: FakeClock
) -> None:
    trails: dict[str, AuditTrail] = {"eu": AuditTrail(region_store, clock)}
    regions: list[str] = []

    def audit_for(region: str) -> AuditTrail:
        regions.append(region)
        return trails["eu"]

    control = ControlAudit(audit_for, "eu")
    tenants = [a_tenant(clock, tenantId="t-a"), a_tenant(clock, tenantId="t-b", region="us")]
    assert control.everywhere(tenants, "oid-1", "subprocessor.registered", "sp-1") == 2
    assert regions == ["eu", "eu", "us"]  # the platform's stamp, then each tenant's region
    for trail in (PLATFORM_TRAIL, "t-a", "t-b"):
        [entry] = trails["eu"].entries(trail).items
        assert (entry["action"], entry["target"]) == ("subprocessor.registered", "sp-1")
