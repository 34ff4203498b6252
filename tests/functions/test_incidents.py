"""Incidents in-process with a fake clock: affected tenants, counts, notices and escalation."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.audit.control import PLATFORM_TRAIL
from tests.app_client import AppClient
from tests.conftest import PLATFORM
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import (
    assert_nothing_planted,
    audit_entries,
    new_tenant,
    plant,
)

CATEGORIES = ["behaviour", "technical", "contact"]


def report(client: AppClient, **fields: Any) -> Any:
    body = {
        "detectedAt": fields.pop("detectedAt"),
        "startedAt": fields.pop("startedAt"),
        "nature": "Misconfigured storage firewall let an unknown client list items",
        "systems": ["subjects store (eu)", "ingest queue"],
        "categories": CATEGORIES,
        "measures": {"taken": ["firewall rule restored"], "proposed": ["key rotation"]},
        "contact": "DPO desk, dpo@vendor.example, +1 555 0100",
        **fields,
    }
    return client.call("report_incident", body=body, headers=PLATFORM)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def notice(client: AppClient, incident_id: str, tenant_id: str, **params: str) -> Any:
    route = {"incidentId": incident_id, "tenantId": tenant_id}
    return client.call("get_incident_notice", "GET", headers=PLATFORM, route=route, params=params)


def move(client: AppClient, incident_id: str, tenant_id: str, status: str) -> Any:
    route = {"incidentId": incident_id, "tenantId": tenant_id}
    return client.call(
        "move_incident_notice", headers=PLATFORM, route=route, body={"status": status}
    )


@pytest.fixture
def planted(client: AppClient, clock: FakeClock) -> dict[str, Any]:
    """Tenant A: data before, in and after the window; tenant B: data in it; C: other region."""
    a, b = new_tenant(client, "Shop A"), new_tenant(client, "Shop B")
    c = new_tenant(client, "Shop US", region="us")
    plant(client, a, "v-old", 2)
    clock.advance(timedelta(hours=2))
    window_start = clock.now() - timedelta(minutes=30)
    plant(client, a, "v-1", 3)
    plant(client, a, "v-2", 2)
    plant(client, b, "v-9", 1)
    window_end = clock.now() + timedelta(minutes=30)
    clock.advance(timedelta(hours=1))
    plant(client, a, "v-late", 1)
    return {"a": a, "b": b, "c": c, "start": window_start, "end": window_end}


def test_counts_cover_the_window_in_every_tenant_of_the_region(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    detected = clock.now()
    answer = report(
        client,
        detectedAt=detected.isoformat(),
        startedAt=planted["start"].isoformat(),
        endedAt=planted["end"].isoformat(),
    )
    assert answer.status == 201, answer.body
    created = answer.json()
    assert at(created["notifyBy"]) == detected + timedelta(hours=48)
    assert created["affectedTenants"] == 2  # the us tenant is served elsewhere
    view = client.call(
        "get_incident", "GET", headers=PLATFORM, route={"incidentId": created["incidentId"]}
    ).json()
    by_tenant = {t["tenantId"]: t for t in view["affectedTenants"]}
    a, b = by_tenant[planted["a"]["tenantId"]], by_tenant[planted["b"]["tenantId"]]
    assert a["exposure"]["byCategory"] == {
        "behaviour": {"records": 5, "subjects": 2},
        "technical": {"records": 2, "subjects": 2},
        "contact": {"records": 2, "subjects": 2},
    }
    assert (a["exposure"]["records"], a["exposure"]["subjects"]) == (9, 2)
    assert (b["exposure"]["records"], b["exposure"]["subjects"]) == (3, 1)
    assert view["approximateSubjects"] == 3 and view["approximateRecords"] == 12
    assert view["noticesPending"] == 2 and view["overdue"] is False
    assert {t["notice"]["status"] for t in view["affectedTenants"]} == {"pending"}


def test_notices_carry_every_required_item_and_no_personal_value(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    created = report(
        client,
        detectedAt=clock.now().isoformat(),
        startedAt=planted["start"].isoformat(),
        endedAt=planted["end"].isoformat(),
    ).json()
    tenant_id = planted["a"]["tenantId"]
    answer = notice(client, created["incidentId"], tenant_id)
    assert answer.status == 200, answer.body
    body = answer.json()
    for field in ("date", "duration", "location", "nature", "scale", "categories", "systems"):
        assert body[field], field
    assert body["duration"] == "PT1H" and body["ongoing"] is False
    assert "region 'eu'" in body["location"]
    assert body["scale"] == {"records": 9, "subjects": 2}
    assert body["approximateSubjects"] == {"behaviour": 2, "technical": 2, "contact": 2}
    assert body["approximateRecords"] == {"behaviour": 5, "technical": 2, "contact": 2}
    assert body["measures"] == {"taken": ["firewall rule restored"], "proposed": ["key rotation"]}
    assert body["contact"].startswith("DPO desk") and body["status"] == "pending"
    markdown = notice(client, created["incidentId"], tenant_id, format="markdown")
    assert markdown.headers["Content-Type"].startswith("text/markdown")
    text = markdown.body.decode()
    for heading in ("Date, duration and location", "Nature", "Scale", "Systems concerned"):
        assert f"## {heading}" in text
    assert "| behaviour | 2 | 5 |" in text and "key rotation" in text
    accepted = client.call(
        "get_incident_notice",
        "GET",
        headers={**PLATFORM, "Accept": "text/markdown"},
        route={"incidentId": created["incidentId"], "tenantId": tenant_id},
    )
    assert accepted.body == markdown.body
    assert notice(client, created["incidentId"], tenant_id, format="pdf").status == 400
    incident = client.call(
        "get_incident", "GET", headers=PLATFORM, route={"incidentId": created["incidentId"]}
    )
    trails = [audit_entries(client, t["tenantId"]) for t in (planted["a"], planted["b"])]
    trails.append(audit_entries(client, PLATFORM_TRAIL))
    incident_entries = [e for trail in trails for e in trail if e["action"].startswith("incident")]
    assert_nothing_planted(answer.body, markdown.body, incident.body, json.dumps(trails))
    created_entry = next(e for e in trails[0] if e["action"] == "incident.notice.created")
    assert created_entry["target"] == created["incidentId"]
    assert created_entry["details"] == {"records": 9, "subjects": 2}
    assert incident_entries and all("nature" not in json.dumps(e) for e in incident_entries)


def test_notice_moves_pending_sent_acknowledged_with_times_and_audit(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    created = report(
        client, detectedAt=clock.now().isoformat(), startedAt=planted["start"].isoformat()
    ).json()
    incident_id, tenant_id = created["incidentId"], planted["a"]["tenantId"]
    assert move(client, incident_id, tenant_id, "acknowledged").status == 409
    clock.advance(timedelta(hours=3))
    sent = move(client, incident_id, tenant_id, "sent")
    assert sent.status == 200 and at(sent.json()["sentAt"]) == clock.now()
    clock.advance(timedelta(hours=1))
    acknowledged = move(client, incident_id, tenant_id, "acknowledged").json()
    assert acknowledged["status"] == "acknowledged"
    assert at(acknowledged["acknowledgedAt"]) == clock.now()
    assert move(client, incident_id, tenant_id, "sent").status == 409  # same revision
    actions = [e["action"] for e in audit_entries(client, tenant_id)]
    assert {"incident.notice.sent", "incident.notice.acknowledged"} <= set(actions)
    unknown = move(client, incident_id, "t-unknown", "sent")
    assert unknown.status == 404


def test_an_update_recounts_and_marks_sent_notices_outdated(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    created = report(
        client,
        detectedAt=clock.now().isoformat(),
        startedAt=planted["start"].isoformat(),
        endedAt=planted["end"].isoformat(),
    ).json()
    incident_id, tenant_id = created["incidentId"], planted["a"]["tenantId"]
    assert move(client, incident_id, tenant_id, "sent").status == 200
    answer = client.call(
        "update_incident",
        "PATCH",
        headers=PLATFORM,
        route={"incidentId": incident_id},
        body={"endedAt": clock.now().isoformat(), "measures": {"taken": ["keys rotated"]}},
    )
    assert answer.status == 200, answer.body
    view = answer.json()
    a = next(t for t in view["affectedTenants"] if t["tenantId"] == tenant_id)
    assert view["revision"] == 2 and a["notice"]["outdated"] is True
    assert (a["exposure"]["records"], a["exposure"]["subjects"]) == (12, 3)  # v-late now in
    resent = move(client, incident_id, tenant_id, "sent").json()
    assert resent["revision"] == 2 and resent["measures"]["taken"] == ["keys rotated"]
    assert "incident.notice.updated" in {e["action"] for e in audit_entries(client, tenant_id)}


def test_escalation_fires_once_when_pending_12_hours_before_the_deadline(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    created = report(
        client, detectedAt=clock.now().isoformat(), startedAt=planted["start"].isoformat()
    ).json()
    incident_id, a, b = created["incidentId"], planted["a"]["tenantId"], planted["b"]["tenantId"]
    assert move(client, incident_id, b, "sent").status == 200

    def escalations(tenant_id: str) -> int:
        entries = audit_entries(client, tenant_id)
        return sum(1 for e in entries if e["action"] == "incident.notice.escalated")

    clock.advance(timedelta(hours=35, minutes=59))
    client.run_timer("escalate_incident_notices")
    assert notice(client, incident_id, a).json()["escalated"] is False and escalations(a) == 0
    clock.advance(timedelta(minutes=1))
    client.run_timer("escalate_incident_notices")
    assert notice(client, incident_id, a).json()["escalated"] is True and escalations(a) == 1
    clock.advance(timedelta(minutes=10))
    client.run_timer("escalate_incident_notices")
    assert escalations(a) == 1 and escalations(b) == 0
    entry = next(e for e in audit_entries(client, a) if e["action"] == "incident.notice.escalated")
    assert entry["actor"] == "system:incidents" and entry["details"]["hoursLeft"] == 12
    for trail in (a, b, PLATFORM_TRAIL):
        assert client.services.audit_for("eu").verify(trail, {}).valid


def test_listing_newest_first(client: AppClient, clock: FakeClock) -> None:
    new_tenant(client, "Shop")
    first = report(client, detectedAt=clock.now().isoformat(), startedAt=clock.now().isoformat())
    clock.advance(timedelta(hours=1))
    second = report(client, detectedAt=clock.now().isoformat(), startedAt=clock.now().isoformat())
    listed = client.call("list_incidents", "GET", headers=PLATFORM).json()["items"]
    assert [i["incidentId"] for i in listed] == [
        second.json()["incidentId"],
        first.json()["incidentId"],
    ]
    assert listed[0]["tenantCount"] == 1 and listed[0]["scope"] == "region"


def test_listed_tenants_must_exist_and_be_served_here(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    now = clock.now().isoformat()
    unknown = report(client, detectedAt=now, startedAt=now, tenantIds=["t-0000"])
    assert unknown.status == 400 and unknown.json()["errors"][0]["path"] == "/tenantIds/0"
    elsewhere = report(client, detectedAt=now, startedAt=now, tenantIds=[planted["c"]["tenantId"]])
    assert elsewhere.status == 421 and elsewhere.json()["region"] == "us"
    listed = report(client, detectedAt=now, startedAt=now, tenantIds=[planted["b"]["tenantId"]])
    assert listed.status == 201 and listed.json()["affectedTenants"] == 1


def test_inconsistent_times_are_refused(client: AppClient, clock: FakeClock) -> None:
    now = clock.now()
    later = (now + timedelta(hours=1)).isoformat()
    answer = report(client, detectedAt=now.isoformat(), startedAt=later)
    assert answer.status == 400 and answer.json()["errors"][0]["path"] == "/startedAt"
    future = report(client, detectedAt=(now + timedelta(days=1)).isoformat(), startedAt=later)
    assert future.status == 400
    created = report(client, detectedAt=now.isoformat(), startedAt=now.isoformat()).json()
    cleared = client.call(
        "update_incident",
        "PATCH",
        headers=PLATFORM,
        route={"incidentId": created["incidentId"]},
        body={"nature": None},
    )
    assert cleared.status == 400
