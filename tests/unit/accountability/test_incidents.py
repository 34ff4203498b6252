"""Reporting a breach: its window must be consistent, each affected tenant of this region gets
a pending notice with its own counts, and a tenant of another region is a 421."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.accountability.incident_models import IncidentCreate, IncidentPatch, Measures
from shared.auth import Principal
from shared.composition import App
from shared.errors import BadRequest, MisdirectedRequest
from shared.tenancy.models import TenantCreate
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers
from tests.fakes import FakeClock

ADMIN = Principal(actor="oid-platform", grants=frozenset())


def report(clock: FakeClock, **changes: Any) -> IncidentCreate:
    fields: dict[str, Any] = {
        "detectedAt": clock.now(),
        "startedAt": clock.now() - timedelta(hours=1),
        "nature": "export sent to the wrong recipient",
        "systems": ["support console"],
        "categories": ["behaviour"],
        "measures": Measures(taken=["recipient deleted it"]),
        "contact": "DPO desk",
    }
    return IncidentCreate.model_validate(fields | changes)


def test_each_affected_tenant_gets_a_pending_notice_with_its_own_counts(
    client: AppClient, services: App, tenant: dict[str, Any], clock: FakeClock
) -> None:
    client.call("collect", body=collect_body(3), headers=widget_headers(tenant))
    client.drain()
    created = services.incidents.report(ADMIN, report(clock))
    assert created.affectedTenants == 1 and created.notifyBy == clock.now() + timedelta(hours=48)
    view = services.incident_register.view(ADMIN, created.incidentId)
    [affected] = view.affectedTenants
    assert (affected.notice.status, affected.exposure.records) == ("pending", 3)
    clock.advance(timedelta(hours=1))
    patch = IncidentPatch(categories=["contact"])
    after = services.incidents.update(ADMIN, created.incidentId, patch)
    assert (after.revision, after.affectedTenants[0].exposure.records) == (2, 0)  # recounted


@pytest.mark.parametrize(
    ("started", "detected", "ended", "paths"),
    [
        (1, 0, None, ["/startedAt"]),  # started after it was detected
        (-2, 0, -3, ["/endedAt"]),  # ended before it started
        (0, 24, None, ["/detectedAt"]),  # detected tomorrow
    ],
)
def test_an_inconsistent_window_is_refused_field_by_field(
    services: App,
    clock: FakeClock,
    started: int,
    detected: int,
    ended: int | None,
    paths: list[str],
) -> None:
    def hours(n: int) -> datetime:
        return clock.now() + timedelta(hours=n)

    bad = report(
        clock,
        startedAt=hours(started),
        detectedAt=hours(detected),
        endedAt=hours(ended) if ended is not None else None,
    )
    with pytest.raises(BadRequest) as refused:
        services.incidents.report(ADMIN, bad)
    assert [e.path for e in refused.value.errors] == paths


def test_a_tenant_of_another_region_is_reported_at_its_own_stamp(
    services: App, clock: FakeClock
) -> None:
    other, _ = services.tenants.create(TenantCreate(name="US", region="us", allowedOrigins=[]))
    with pytest.raises(MisdirectedRequest):
        services.incidents.report(ADMIN, report(clock, tenantIds=[other.tenantId]))
