"""The subprocessor register: 14 days' notice, the contract's window to object (14 days by
default, 7 under the older DPA), activation after the notice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.app_client import AppClient
from tests.conftest import PLATFORM
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import HOSTING, as_role, audit_entries, new_tenant

MAILER = {
    "name": "Mailer Inc",
    "purpose": "sending callback confirmations",
    "location": "EU (Ireland)",
    "dataCategories": ["contact"],
    "transferSafeguard": "none needed: processing in the EU",
}


def propose(client: AppClient, body: dict[str, Any]) -> Any:
    return client.call("propose_subprocessor_change", body=body, headers=PLATFORM)


def activate(client: AppClient, change_id: str) -> Any:
    return client.call(
        "activate_subprocessor_change", headers=PLATFORM, route={"changeId": change_id}
    )


def objection(client: AppClient, tenant_id: str, change_id: str) -> Any:
    return client.call(
        "object_to_subprocessor_change",
        headers=as_role("Privacy.Admin", tenant_id),
        route={"tenantId": tenant_id},
        body={"changeId": change_id, "reason": "our customers were promised EU-only mail"},
    )


def register(client: AppClient) -> list[dict[str, Any]]:
    return list(client.call("list_subprocessors", "GET", headers=PLATFORM).json()["items"])


@pytest.fixture
def tenants(client: AppClient) -> tuple[str, str]:
    """A on the default terms (14 days to object), B on the older DPA (7 days)."""
    b = new_tenant(client, "Shop B")["tenantId"]
    terms = {"dpaVersion": "2025-05 appendix D", "objectionWindowDays": 7}
    changed = client.call("update_tenant", "PATCH", body=terms, headers=PLATFORM,
                          route={"tenantId": b})
    assert changed.status == 200 and changed.json()["objectionWindowDays"] == 7
    return new_tenant(client, "Shop A")["tenantId"], b


def test_register_records_an_agreed_entry(client: AppClient, tenants: tuple[str, str]) -> None:
    answer = client.call("register_subprocessor", body=HOSTING, headers=PLATFORM)
    assert answer.status == 201 and answer.json()["status"] == "active"
    assert [s["name"] for s in register(client)] == ["Cloud Hosting"]
    for tenant_id in tenants:
        assert "subprocessor.registered" in {e["action"] for e in audit_entries(client, tenant_id)}


def test_a_change_waits_14_days_and_objections_close_with_each_contracts_window(
    client: AppClient, clock: FakeClock, tenants: tuple[str, str]
) -> None:
    a, b = tenants
    proposed = propose(client, {"kind": "add", "subprocessor": MAILER})
    assert proposed.status == 201, proposed.body
    change = proposed.json()
    assert change["effectiveFrom"] > change["proposedAt"] and change["tenantsNotified"] == 2
    assert change["objectionWindowDays"] == 14 and change["objectionsCloseAt"] == (
        change["effectiveFrom"]
    )
    assert activate(client, change["changeId"]).status == 409
    clock.advance(timedelta(days=8))
    assert objection(client, b, change["changeId"]).status == 409  # day 8: B's 7 days are over
    recorded = objection(client, a, change["changeId"])  # A's 14 days still run
    assert recorded.status == 201 and recorded.json()["objectBy"] == change["effectiveFrom"]
    assert objection(client, a, change["changeId"]).status == 409  # once per tenant
    refused = [e for e in audit_entries(client, b) if e["action"].endswith("objection.refused")]
    assert refused and refused[0]["outcome"] == "denied"
    assert refused[0]["details"] == {"status": "proposed", "windowDays": 7}
    clock.advance(timedelta(days=5, hours=23))
    assert activate(client, change["changeId"]).status == 409  # day 13: notice still running
    viewed = client.call(
        "get_subprocessor_change", "GET", headers=PLATFORM, route={"changeId": change["changeId"]}
    ).json()
    assert [o["tenantId"] for o in viewed["objections"]] == [a] and viewed["status"] == "proposed"
    clock.advance(timedelta(hours=1))
    activated = activate(client, change["changeId"])
    assert activated.status == 200 and activated.json()["status"] == "active"
    assert [s["name"] for s in register(client)] == ["Mailer Inc"]
    assert activate(client, change["changeId"]).status == 409
    for tenant_id in tenants:
        actions = {e["action"] for e in audit_entries(client, tenant_id)}
        assert {"subprocessor.change.proposed", "subprocessor.change.activated"} <= actions
    entry = next(
        e for e in audit_entries(client, a) if e["action"] == "subprocessor.change.activated"
    )
    assert entry["details"] == {"kind": "add", "objections": 1}


def test_a_tenant_that_joins_later_has_its_window_from_onboarding(
    client: AppClient, clock: FakeClock, tenants: tuple[str, str]
) -> None:
    change = propose(client, {"kind": "add", "subprocessor": MAILER}).json()
    clock.advance(timedelta(days=10))
    late = new_tenant(client, "Shop Late")["tenantId"]
    clock.advance(timedelta(days=5))
    assert objection(client, tenants[0], change["changeId"]).status == 409  # day 15
    recorded = objection(client, late, change["changeId"])
    assert recorded.status == 201 and recorded.json()["objectBy"] > change["effectiveFrom"]


def test_replace_and_remove_apply_after_the_notice(
    client: AppClient, clock: FakeClock, tenants: tuple[str, str]
) -> None:
    entry = client.call("register_subprocessor", body=HOSTING, headers=PLATFORM).json()
    sp_id = entry["subprocessorId"]
    moved = {**HOSTING, "location": "EU (Germany)"}
    replace = propose(client, {"kind": "replace", "subprocessorId": sp_id, "subprocessor": moved})
    assert replace.status == 201 and replace.json()["previous"]["location"] == "EU (Netherlands)"
    clock.advance(timedelta(days=14))
    assert activate(client, replace.json()["changeId"]).status == 200
    assert register(client)[0]["location"] == "EU (Germany)"
    remove = propose(client, {"kind": "remove", "subprocessorId": sp_id}).json()
    clock.advance(timedelta(days=14))
    assert activate(client, remove["changeId"]).status == 200
    assert register(client)[0]["status"] == "removed"
    again = propose(client, {"kind": "remove", "subprocessorId": sp_id})
    assert again.status == 409


def test_only_a_platform_admin_changes_the_contract_terms(
    client: AppClient, tenants: tuple[str, str]
) -> None:
    a, _ = tenants
    own = as_role("Privacy.Admin", a)
    for terms in ({"objectionWindowDays": 30}, {"dpaVersion": "mine"}):
        refused = client.call("update_tenant", "PATCH", body=terms, headers=own,
                              route={"tenantId": a})
        assert refused.status == 403 and "contract terms" in refused.json()["detail"]
    for days in (0, 91):
        bad = client.call("update_tenant", "PATCH", body={"objectionWindowDays": days},
                          headers=PLATFORM, route={"tenantId": a})
        assert bad.status == 400
    reset = client.call("update_tenant", "PATCH", body={"objectionWindowDays": None},
                        headers=PLATFORM, route={"tenantId": a})
    assert reset.status == 200 and reset.json()["objectionWindowDays"] == 14


def test_change_shapes_are_validated(client: AppClient) -> None:
    assert propose(client, {"kind": "add"}).status == 400
    assert propose(client, {"kind": "remove", "subscription": "x"}).status == 400
    missing = propose(client, {"kind": "remove", "subprocessorId": "sp-unknown"})
    assert missing.status == 404
    unknown = client.call(
        "get_subprocessor_change", "GET", headers=PLATFORM, route={"changeId": "spc-x"}
    )
    assert unknown.status == 404
