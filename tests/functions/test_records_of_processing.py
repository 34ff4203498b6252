"""Records of processing are generated from the tenant's live settings and state."""

from __future__ import annotations

from typing import Any

from tests.app_client import AppClient
from tests.conftest import PLATFORM, PRIVACY_ADMIN, visitor_secret, widget_headers
from tests.functions.accountability_helpers import HOSTING, as_role, audit_entries

HOLD_REASON = "claim 2026-17 by a named customer"


def records(client: AppClient, tenant_id: str, **params: str) -> Any:
    return client.call(
        "get_records_of_processing",
        "GET",
        headers=as_role("Auditor", tenant_id),
        route={"tenantId": tenant_id},
        params=params,
    )


def test_records_reflect_overrides_holds_requests_and_the_register(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tenant_id = tenant["tenantId"]
    client.call("register_subprocessor", body=HOSTING, headers=PLATFORM)
    patched = client.call(
        "update_tenant",
        "PATCH",
        headers=PRIVACY_ADMIN,
        route={"tenantId": tenant_id},
        body={"retention": {"behaviour": 7}, "ipPolicy": "hash"},
    )
    assert patched.status == 200
    hold = client.call(
        "create_legal_hold",
        headers=PRIVACY_ADMIN,
        route={"tenantId": tenant_id},
        body={"scope": "tenant", "reason": HOLD_REASON},
    )
    assert hold.status == 201
    request = {"visitorId": "v-1", "visitorSecret": visitor_secret("v-1"), "type": "access"}
    answer = client.call("submit_privacy_request", body=request, headers=widget_headers(tenant))
    assert answer.status == 202
    client.drain()

    answer = records(client, tenant_id)
    assert answer.status == 200, answer.body
    body = answer.json()
    by_category = {c["category"]: c for c in body["categories"]}
    behaviour = by_category["behaviour"]
    assert (behaviour["defaultDays"], behaviour["overrideDays"], behaviour["effectiveDays"]) == (
        30,
        7,
        7,
    )
    assert "7 days" in behaviour["retention"] and "override" in behaviour["retention"]
    assert by_category["technical"]["effectiveDays"] == 30
    assert "contract ends" in by_category["contact"]["retention"]
    assert [h["holdId"] for h in body["legalHolds"]] == [hold.json()["holdId"]]
    assert body["openDsar"]["open"] == 1 and body["openDsar"]["byType"] == {"access": 1}
    assert [s["name"] for s in body["subprocessors"]] == ["Cloud Hosting"]
    measures = " ".join(body["securityMeasures"])
    for promise in ("AES-256-GCM", "blind index", "TLS 1.2", "hash-chained", "keyed HMAC"):
        assert promise in measures
    assert HOLD_REASON not in answer.body.decode()

    markdown = records(client, tenant_id, format="markdown")
    assert markdown.headers["Content-Type"].startswith("text/markdown")
    text = markdown.body.decode()
    assert "# Records of processing" in text and hold.json()["holdId"] in text
    assert "| behaviour |" in text and "7 days from collection (tenant override)" in text
    assert HOLD_REASON not in text
    assert "records.read" in {e["action"] for e in audit_entries(client, tenant_id)}


def test_pending_changes_show_each_tenant_its_objection_deadline(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    change = client.call(
        "propose_subprocessor_change",
        headers=PLATFORM,
        body={"kind": "add", "subprocessor": HOSTING},
    ).json()
    [pending] = records(client, tenant["tenantId"]).json()["pendingSubprocessorChanges"]
    assert pending["changeId"] == change["changeId"] and pending["name"] == "Cloud Hosting"
    assert pending["objectBy"] == change["objectionsCloseAt"] and pending["objected"] is False


def test_a_tenant_of_another_region_is_served_there(client: AppClient) -> None:
    created = client.call(
        "create_tenant",
        headers=PLATFORM,
        body={"name": "US shop", "region": "us", "allowedOrigins": ["https://us.example"]},
    ).json()
    answer = records(client, created["tenantId"])
    assert answer.status == 421 and answer.json()["region"] == "us"
