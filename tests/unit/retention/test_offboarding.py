"""Offboarding moves through its phases in table order, from timers, and takes the tenant from
active to offboarding to offboarded; it cannot be restarted once under way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.auth import Principal
from shared.composition import App
from shared.errors import Conflict
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers
from tests.fakes import FakeClock

ADMIN = Principal(actor="oid-privacy", grants=frozenset())


def phase_and_status(services: App, tenant_id: str) -> tuple[str | None, str]:
    tenant = services.tenants.get(tenant_id)
    return (tenant.offboarding.phase if tenant.offboarding else None), tenant.status


def test_the_phases_follow_the_table_from_contract_end_to_closed(
    client: AppClient, services: App, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    client.call("collect", body=collect_body(2), headers=widget_headers(tenant))
    client.drain()
    services.offboarding.start(ADMIN, tid, clock.now() + timedelta(days=1))
    seen = [phase_and_status(services, tid)]
    for days in (0, 2, 31, 0, 3 * 366):
        clock.advance(timedelta(days=days))
        services.offboarding.advance(services.budget())
        if phase_and_status(services, tid) != seen[-1]:
            seen.append(phase_and_status(services, tid))
    assert seen == [
        ("scheduled", "offboarding"),
        ("export_available", "offboarding"),
        ("purging", "offboarding"),
        ("purged", "offboarded"),
        ("closed", "offboarded"),
    ]
    plan = services.tenants.get(tid).offboarding
    assert plan is not None and plan.certificate is not None
    counts = plan.certificate["purge"]["counts"]
    assert counts["deleted.dataKeys"] == 1 and "deleted.behaviour" not in counts  # TTL got it


def test_a_scheduled_plan_may_be_moved_but_one_under_way_cannot_restart(
    services: App, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    services.offboarding.start(ADMIN, tid, clock.now() + timedelta(days=5))
    services.offboarding.start(ADMIN, tid, clock.now() + timedelta(days=1))  # a new date
    clock.advance(timedelta(days=2))
    services.offboarding.advance(services.budget())
    with pytest.raises(Conflict):
        services.offboarding.start(ADMIN, tid, clock.now())
    assert phase_and_status(services, tid) == ("export_available", "offboarding")
