"""Authority requests (seed 001, DPA 9.5): every request registered and audited; each tenant
concerned is told unless a gag order forbids it, and then only once the order lapses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.app_client import AppClient
from tests.conftest import PLATFORM
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import as_role, audit_entries, new_tenant


def body(clock: FakeClock, *tenant_ids: str, **extra: Any) -> dict[str, Any]:
    return {
        "authority": "Paris public prosecutor",
        "legalBasis": "Art. 60-1 code de procedure penale",
        "receivedAt": clock.now().isoformat(),
        "tenantIds": list(tenant_ids),
        "categories": ["contact", "conversation"],
        **extra,
    }


def record(client: AppClient, payload: dict[str, Any]) -> Any:
    return client.call("record_authority_request", body=payload, headers=PLATFORM)


def notices(client: AppClient, tenant_id: str) -> list[dict[str, Any]]:
    admin = as_role("Privacy.Admin", tenant_id)
    answer = client.call("list_authority_notices", "GET", headers=admin,
                         route={"tenantId": tenant_id})
    assert answer.status == 200, answer.body
    return list(answer.json()["items"])


def told(client: AppClient, tenant_id: str) -> list[str]:
    """What the tenant's own trail (readable by its auditors) says of authority requests."""
    return [e["action"] for e in audit_entries(client, tenant_id)
            if e["action"].startswith("authority.") and e["action"] != "authority.notices.read"]


def test_without_a_gag_each_tenant_is_told_at_once(client: AppClient, clock: FakeClock) -> None:
    a, b = new_tenant(client, "A")["tenantId"], new_tenant(client, "B")["tenantId"]
    created = record(client, body(clock, a))
    assert created.status == 201, created.body
    request = created.json()
    assert request["status"] == "open" and request["notices"][0]["releasedAt"]
    [notice] = notices(client, a)
    assert notice["authority"] == "Paris public prosecutor" and notice["gagged"] is False
    assert notices(client, b) == [] and told(client, b) == []
    assert told(client, a) == ["authority.notice.released"]
    answer = {"response": {"outcome": "refused", "note": "no valid order for this data"}}
    route = {"requestId": request["requestId"]}
    updated = client.call("update_authority_request", "PATCH", body=answer, headers=PLATFORM,
                          route=route)
    assert updated.status == 200 and updated.json()["status"] == "answered"
    assert notices(client, a)[0]["response"]["outcome"] == "refused"
    assert "authority.notice.updated" in told(client, a)
    again = client.call("update_authority_request", "PATCH", body=answer, headers=PLATFORM,
                        route=route)
    assert again.status == 409
    platform = client.call("get_authority_request", "GET", headers=PLATFORM, route=route)
    assert platform.status == 200 and platform.json()["response"]["outcome"] == "refused"


def test_under_a_gag_the_tenant_hears_nothing_until_its_date(
    client: AppClient, clock: FakeClock
) -> None:
    a, b = new_tenant(client, "A")["tenantId"], new_tenant(client, "B")["tenantId"]
    until = (clock.now() + timedelta(days=30)).isoformat()
    gagged = record(client, body(clock, a, b, gag={"ordered": True, "until": until})).json()
    assert [n.get("releasedAt") for n in gagged["notices"]] == [None, None]
    clock.advance(timedelta(days=29, hours=23))
    client.run_timer("release_authority_notices")
    assert notices(client, a) == [] and told(client, a) == [] and told(client, b) == []
    clock.advance(timedelta(hours=1))
    [notice] = notices(client, a)  # a read releases what has become due
    assert notice["gagged"] is True and notice["releasedAt"] == clock.now().isoformat().replace(
        "+00:00", "Z")
    assert told(client, b) == ["authority.notice.released"]  # B too, though it did not look
    client.run_timer("release_authority_notices")
    assert told(client, a) == ["authority.notice.released"]  # told once


def test_an_open_ended_gag_holds_until_it_is_lifted(client: AppClient, clock: FakeClock) -> None:
    a = new_tenant(client, "A")["tenantId"]
    request = record(client, body(clock, a, gag={"ordered": True})).json()
    clock.advance(timedelta(days=400))
    client.run_timer("release_authority_notices")
    assert notices(client, a) == []
    lifted = client.call("update_authority_request", "PATCH", body={"gag": {"ordered": False}},
                         headers=PLATFORM, route={"requestId": request["requestId"]})
    assert lifted.status == 200 and lifted.json()["notices"][0]["releasedAt"]
    assert len(notices(client, a)) == 1


def test_bad_requests_are_refused_and_nothing_is_recorded(
    client: AppClient, clock: FakeClock
) -> None:
    a = new_tenant(client, "A")["tenantId"]
    us = new_tenant(client, "US", region="us")["tenantId"]
    until = (clock.now() + timedelta(days=1)).isoformat()
    assert record(client, body(clock, "t-unknown")).status == 400
    assert record(client, body(clock, a, gag={"ordered": False, "until": until})).status == 400
    assert record(client, body(clock, a, categories=["passwords"])).status == 400
    misdirected = record(client, body(clock, us))
    assert misdirected.status == 421 and misdirected.json()["region"] == "us"
    empty = client.call("update_authority_request", "PATCH", body={}, headers=PLATFORM,
                        route={"requestId": "auth-x"})
    assert empty.status == 400
    listed = client.call("list_authority_requests", "GET", headers=PLATFORM).json()
    assert listed["items"] == []
    platform = client.services.audit_for("eu").entries("platform", limit=5).items
    assert platform[0]["action"] == "authority.request.listed"


def test_an_unknown_tenant_is_pointed_at_where_it_was_sent(
    client: AppClient, clock: FakeClock
) -> None:
    """A repeated id is taken once, but the 400 names the unknown one's place in the body as
    sent (it named its place in the list without repeats)."""
    a = new_tenant(client, "A")["tenantId"]
    refused = record(client, body(clock, a, a, "t-unknown"))
    assert refused.status == 400
    assert [e["path"] for e in refused.json()["errors"]] == ["/tenantIds/2"]
