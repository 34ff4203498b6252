"""No input can break a tenant: what a PATCH writes always reads back, and a stored tenant that
does not parse anyway is quarantined (409, reported, listed, skipped by timers) instead of
answering 500 everywhere and stopping every timer of the stamp."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shared.containers import TENANTS
from tests.app_client import AppClient, principal
from tests.conftest import AUDITOR, ORIGIN, PLATFORM, PRIVACY_ADMIN, collect_body, widget_headers
from tests.fakes import FakeClock

REPORTED = {"rateLimit": None, "queryAllowlist": None, "recordingEnabled": True}
"""The body of issue 11, finding 4, that bricked a tenant."""
TIMERS = (
    "run_retention_jobs",
    "sweep_expired_items",
    "sweep_audit_and_dead_letters",
    "advance_offboarding",
    "escalate_incident_notices",
    "rotate_data_keys",
    "purge_expired_items",
)
"""Every synchronous timer (the Durable one runs in the end-to-end test)."""


def new_tenant(client: AppClient, name: str = "Shop") -> dict[str, Any]:
    body = {"name": name, "region": "eu", "allowedOrigins": [ORIGIN], "defaultCountry": "FR"}
    answer = client.call("create_tenant", body=body, headers=PLATFORM)
    assert answer.status == 201, answer.body
    return dict(answer.json())


def tenant_reads(client: AppClient, tenant_id: str) -> dict[str, int]:
    """The status of every read the report saw answer 500."""
    route = {"tenantId": tenant_id}
    return {
        name: client.call(name, "GET", headers=headers, route=route).status
        for name, headers in (
            ("get_tenant", PRIVACY_ADMIN),
            ("list_audit", AUDITOR),
            ("list_contacts", PRIVACY_ADMIN),
            ("get_offboarding", PRIVACY_ADMIN),
            ("get_records_of_processing", AUDITOR),
            ("list_dsar", PRIVACY_ADMIN),
        )
    }


HEALTHY = {
    "get_tenant": 200,
    "list_audit": 200,
    "list_contacts": 200,
    "get_offboarding": 404,  # none planned
    "get_records_of_processing": 200,
    "list_dsar": 200,
}


def stored_tenant(client: AppClient, tenant_id: str) -> dict[str, Any]:
    doc = client.services.directory.read(TENANTS.name, (tenant_id,), tenant_id)
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def test_the_reported_patch_is_answered_and_everything_still_reads(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    route = {"tenantId": tenant["tenantId"]}
    answer = client.call("update_tenant", "PATCH", REPORTED, PRIVACY_ADMIN, route)
    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["recordingEnabled"] is True and body["queryAllowlist"] == []
    assert "rateLimit" not in body  # null: back to the operator's default
    assert tenant_reads(client, tenant["tenantId"]) == HEALTHY
    for timer in TIMERS:
        client.run_timer(timer)


def test_null_for_a_setting_without_a_default_is_400_and_nothing_changes(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    before = stored_tenant(client, tenant["tenantId"])
    for field in ("name", "allowedOrigins", "recordingEnabled", "ipPolicy"):
        answer = client.call(
            "update_tenant", "PATCH", {field: None}, PRIVACY_ADMIN, {"tenantId": tenant["tenantId"]}
        )
        assert answer.status == 400, (field, answer.body)
        assert answer.json()["errors"][0]["path"] == f"/{field}"
    assert stored_tenant(client, tenant["tenantId"]) == before


FIELDS = (
    "name",
    "allowedOrigins",
    "retention",
    "recordingEnabled",
    "ipPolicy",
    "defaultCountry",
    "queryAllowlist",
    "rateLimit",
    "region",
    "status",
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "x", "FR", "fr", "hash", "keep", "truncate", "https://a.example", "utm"]),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["perSecond", "burst", "behaviour", "audit", "contact", "x"]),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=8,
)
VALID = {
    "name": st.text(min_size=1, max_size=30),
    "allowedOrigins": st.lists(st.sampled_from([ORIGIN, "https://b.example:8443"]), max_size=2),
    "retention": st.dictionaries(
        st.sampled_from(["behaviour", "technical", "conversation", "audit"]),
        st.integers(1, 400),
        max_size=3,
    ),
    "recordingEnabled": st.booleans(),
    "ipPolicy": st.sampled_from(["truncate", "hash", "keep"]),
    "defaultCountry": st.sampled_from(["FR", "DE", None]),
    "queryAllowlist": st.one_of(st.none(), st.lists(st.sampled_from(["utm_source", "ref"]))),
    "rateLimit": st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {"perSecond": st.floats(0.1, 100_000), "burst": st.integers(1, 1_000_000)}
        ),
    ),
    "region": st.just("us"),
    "status": st.just("offboarded"),
}
PATCHES = st.lists(st.sampled_from(FIELDS[:8] * 4 + FIELDS[8:]), unique=True, max_size=5).flatmap(
    lambda keys: st.fixed_dictionaries({k: st.one_of(VALID[k], VALID[k], VALUES) for k in keys})
)
"""Bodies of settings fields (sometimes region or status, which a PATCH may not set), each
value either valid or any JSON at all, nulls included."""


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(patch=PATCHES)
def test_what_a_patch_writes_always_reads_back(
    client: AppClient, tenant: dict[str, Any], patch: dict[str, Any]
) -> None:
    """Any body a caller can send: a 2xx leaves a tenant every reader parses, anything else is a
    4xx problem that changed nothing; never a 5xx. (One tenant takes every example in turn.)"""
    tenant_id = tenant["tenantId"]
    route = {"tenantId": tenant_id}
    before = stored_tenant(client, tenant_id)
    answer = client.call("update_tenant", "PATCH", patch, PLATFORM, route)
    event(f"status {answer.status}")
    assert answer.status < 500, answer.body
    if answer.status == 200:
        read = client.call("get_tenant", "GET", headers=PLATFORM, route=route)
        assert read.status == 200, read.body
        assert read.json() == answer.json()
    else:
        assert answer.headers["Content-Type"].startswith("application/problem+json")
        assert stored_tenant(client, tenant_id) == before
    client.run_timer("run_retention_jobs")


def break_tenant(client: AppClient, tenant_id: str) -> None:
    """What an older version or a hand edit could leave: fields the model refuses."""
    doc = client.services.directory.read(TENANTS.name, (tenant_id,), tenant_id)
    broken = doc | {"queryAllowlist": None, "retention": {"behaviour": "thirty"}}
    client.services.directory.replace(TENANTS.name, broken)


def test_a_broken_tenant_is_quarantined_and_the_others_work_on(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    other = new_tenant(client, "Other")
    for t in (tenant, other):
        client.call("collect", body=collect_body(2), headers=widget_headers(t))
    client.drain()
    for t in (tenant, other):  # shorter: each tenant gets a re-stamp job for the timer
        patch = {"retention": {"behaviour": 10}}
        route = {"tenantId": t["tenantId"]}
        assert client.call("update_tenant", "PATCH", patch, PRIVACY_ADMIN, route).status == 200
    break_tenant(client, tenant["tenantId"])

    reads = tenant_reads(client, tenant["tenantId"])
    assert set(reads.values()) == {409}, reads
    problem = client.call(
        "get_tenant", "GET", headers=PRIVACY_ADMIN, route={"tenantId": tenant["tenantId"]}
    ).json()
    assert problem["type"].endswith("/quarantined")
    assert {e["path"] for e in problem["errors"]} >= {"/queryAllowlist", "/retention/behaviour"}
    widget = client.call("collect", body=collect_body(1), headers=widget_headers(tenant))
    assert widget.status == 409

    clock.advance(timedelta(days=11))
    for timer in TIMERS:
        client.run_timer(timer)  # none of them fails on the broken tenant
    job = client.call(
        "get_tenant", "GET", headers=PRIVACY_ADMIN, route={"tenantId": other["tenantId"]}
    ).json()["retentionJob"]
    assert job["status"] == "completed" and job["deleted"] == 2  # the other's work was done

    listed = client.call("list_quarantine", "GET", headers=PLATFORM)
    assert listed.status == 200
    items = listed.json()["items"]
    assert [(i["container"], i["documentId"]) for i in items] == [("tenants", tenant["tenantId"])]
    assert "thirty" not in listed.body.decode()  # paths, never values
    assert client.call("list_quarantine", "GET", headers=PRIVACY_ADMIN).status == 403
    assert client.call("health", "GET").json()["quarantined"] == 1


def test_a_patch_that_sets_the_broken_fields_repairs_a_quarantined_tenant(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    break_tenant(client, tenant["tenantId"])
    route = {"tenantId": tenant["tenantId"]}
    assert client.call("get_tenant", "GET", headers=PRIVACY_ADMIN, route=route).status == 409
    partial = client.call("update_tenant", "PATCH", {"queryAllowlist": []}, PLATFORM, route)
    assert partial.status == 409  # still broken (retention): nothing written
    assert stored_tenant(client, tenant["tenantId"])["queryAllowlist"] is None
    repair = {"queryAllowlist": [], "retention": None}
    assert client.call("update_tenant", "PATCH", repair, PLATFORM, route).status == 200
    assert tenant_reads(client, tenant["tenantId"]) == HEALTHY
    assert client.call("list_quarantine", "GET", headers=PLATFORM).json()["items"] == []
    trail = client.services.audit_for("eu").entries("platform", None, None, None, 50, None).items
    actions = [e["action"] for e in trail]
    assert "document.quarantined" in actions and "document.released" in actions
    assert "thirty" not in json.dumps(trail)


def test_a_tenant_admin_cannot_raise_its_own_rate_limit(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    route = {"tenantId": tenant["tenantId"]}
    defaults = client.services.settings
    above = {"rateLimit": {"perSecond": 100_000, "burst": 1_000_000}}
    below = {"rateLimit": {"perSecond": defaults.widget_rate_per_second / 2, "burst": 10}}
    refused = client.call("update_tenant", "PATCH", above, PRIVACY_ADMIN, route)
    assert refused.status == 403 and refused.json()["errors"][0]["path"] == "/rateLimit"
    assert client.call("update_tenant", "PATCH", below, PRIVACY_ADMIN, route).status == 200
    scoped_platform = {"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin", "Privacy.Admin")}
    raised = client.call("update_tenant", "PATCH", above, scoped_platform, route)
    assert raised.status == 200 and raised.json()["rateLimit"]["perSecond"] == 100_000


def test_breach_notices_of_the_others_escalate_past_a_broken_tenant(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    other = new_tenant(client, "Other")
    body = {
        "detectedAt": clock.now().isoformat(),
        "startedAt": (clock.now() - timedelta(hours=1)).isoformat(),
        "nature": "export sent to the wrong recipient",
        "systems": ["support console"],
        "categories": ["contact"],
        "tenantIds": [tenant["tenantId"], other["tenantId"]],
        "measures": {"taken": ["recipient deleted it"], "proposed": []},
        "contact": "DPO desk",
    }
    created = client.call("report_incident", body=body, headers=PLATFORM)
    assert created.status == 201, created.body
    break_tenant(client, tenant["tenantId"])
    clock.advance(timedelta(hours=37))
    client.run_timer("escalate_incident_notices")
    incident_id = created.json()["incidentId"]
    route = {"incidentId": incident_id, "tenantId": other["tenantId"]}
    shown = client.call("get_incident_notice", "GET", headers=PLATFORM, route=route)
    assert shown.status == 200 and shown.json()["escalated"] is True
    route["tenantId"] = tenant["tenantId"]
    assert client.call("get_incident_notice", "GET", headers=PLATFORM, route=route).status == 409
    platform = client.services.audit_for("eu").entries("platform", None, None, None, 100, None)
    escalated = [e for e in platform.items if e["action"] == "incident.notice.escalated"]
    assert len(escalated) == 2  # the broken tenant's notice was escalated too
    trail = client.call(
        "list_audit", "GET", headers=AUDITOR, route={"tenantId": other["tenantId"]}
    ).json()["items"]
    assert "incident.notice.escalated" in {e["action"] for e in trail}
