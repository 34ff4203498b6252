"""What the console asks the API (its grants, the tenant list, retention limits), the console's
own files with their security headers, and the refusal of cross-site state changes."""

from __future__ import annotations

from typing import Any

import pytest

from shared.audit.control import PLATFORM_TRAIL
from shared.composition import App as Services
from tests.app_client import AppClient, principal
from tests.conftest import ORIGIN, PLATFORM, PRIVACY_ADMIN

EVIL = "https://evil.example"


def as_(*roles: str, tenants: tuple[str, ...] = ("*",), oid: str = "oid-x") -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal(*roles, tenants=tenants, oid=oid)}


def create(client: AppClient, name: str, headers: dict[str, str] = PLATFORM) -> Any:
    body = {"name": name, "region": "eu", "allowedOrigins": [ORIGIN]}
    return client.call("create_tenant", body=body, headers=headers)


def tenant_names(client: AppClient, headers: dict[str, str], **params: str) -> list[str]:
    answer = client.call("list_tenants", "GET", headers=headers, params=params)
    assert answer.status == 200, answer.body
    return [t["name"] for t in answer.json()["items"]]


# -- who am I --------------------------------------------------------------------------------


def test_me_answers_the_grants_the_api_decides_with(client: AppClient) -> None:
    answer = client.call("get_me", "GET", headers=as_("Auditor", "Privacy.Admin", tenants=("t-a",)))
    assert answer.status == 200
    assert answer.json() == {
        "actor": "oid-x",
        "grants": [
            {"role": "Auditor", "tenant": "t-a"},
            {"role": "Privacy.Admin", "tenant": "t-a"},
        ],
    }


def test_me_names_the_person_the_platform_signed_in(client: AppClient) -> None:
    headers = {**as_("Auditor"), "X-MS-CLIENT-PRINCIPAL-NAME": "Ari Auditor"}
    assert client.call("get_me", "GET", headers=headers).json()["name"] == "Ari Auditor"


def test_me_without_a_principal_is_401(client: AppClient) -> None:
    answer = client.call("get_me", "GET")
    assert answer.status == 401
    assert answer.headers["Content-Type"].startswith("application/problem+json")


# -- tenants ---------------------------------------------------------------------------------


def test_a_platform_admin_lists_every_tenant_by_name_without_keys(client: AppClient) -> None:
    keys = [create(client, name).json()["widgetKey"] for name in ("Zeta", "alpha", "Mid")]
    answer = client.call("list_tenants", "GET", headers=PLATFORM)
    assert [t["name"] for t in answer.json()["items"]] == ["Mid", "Zeta", "alpha"]
    assert all(key not in answer.body.decode() for key in keys)
    assert set(answer.json()["items"][0]) == {"tenantId", "name", "region", "status", "createdAt"}


def test_the_tenant_list_is_paged(client: AppClient) -> None:
    for name in ("A", "B", "C"):
        create(client, name)
    first = client.call("list_tenants", "GET", headers=PLATFORM, params={"limit": "2"}).json()
    assert len(first["items"]) == 2 and first["continuation"]
    rest = client.call(
        "list_tenants",
        "GET",
        headers=PLATFORM,
        params={"limit": "2", "continuation": first["continuation"]},
    ).json()
    names = [t["name"] for t in first["items"] + rest["items"]]
    assert sorted(names) == ["A", "B", "C"]
    assert client.call("list_tenants", "GET", headers=PLATFORM, params={"limit": "0"}).status == 400


def test_a_scoped_principal_sees_only_its_own_tenants(client: AppClient) -> None:
    mine = create(client, "Mine").json()["tenantId"]
    create(client, "Theirs")
    scoped = as_("Support.Agent", tenants=(mine, "t-gone"))
    assert tenant_names(client, scoped) == ["Mine"]
    assert tenant_names(client, as_(tenants=("*",))) == [], "no role: no tenant"


def test_listing_tenants_is_in_the_platform_trail(client: AppClient, services: Services) -> None:
    create(client, "Shop")
    tenant_names(client, PLATFORM)
    trail = services.audit_for("eu")
    entries = trail.entries(PLATFORM_TRAIL, None, None, "tenant.listed", 10, None)
    assert [e["details"] for e in entries.items] == [{"count": 1}]


def test_retention_limits_name_default_ceiling_and_minimum(client: AppClient) -> None:
    body = client.call("get_retention_limits", "GET", headers=as_("Support.Agent")).json()
    by_category = {c["category"]: c for c in body["categories"]}
    assert by_category["behaviour"] == {
        "category": "behaviour",
        "defaultDays": 30,
        "ceilingDays": 3650,
        "minimumDays": 1,
    }
    assert by_category["audit"]["minimumDays"] == 90
    assert "defaultDays" not in by_category["contact"], "kept until the contract ends"
    assert client.call("get_retention_limits", "GET").status == 401


# -- cross-site request forgery ---------------------------------------------------------------


@pytest.mark.parametrize(
    "browser",
    [
        {"Origin": EVIL},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:8080"},
    ],
)
def test_a_cross_site_form_post_changes_nothing(client: AppClient, browser: dict[str, str]) -> None:
    form = b"name=Forged&region=eu"
    answer = client.call(
        "create_tenant",
        raw=form,
        headers={**PLATFORM, **browser, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 403
    assert "cross-site" in answer.json()["detail"]
    as_json = create(client, "Forged", headers={**PLATFORM, **browser})
    assert as_json.status == 403
    assert tenant_names(client, PLATFORM) == []


def test_the_consoles_own_posts_and_non_browser_clients_pass(client: AppClient) -> None:
    same_origin = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert create(client, "From the console", headers={**PLATFORM, **same_origin}).status == 201
    assert create(client, "From curl").status == 201
    behind_proxy = {"Origin": "https://privacy.example", "X-Forwarded-Host": "privacy.example"}
    assert create(client, "Behind a proxy", headers={**PLATFORM, **behind_proxy}).status == 201


def test_reads_stay_open_to_links_from_elsewhere(client: AppClient, tenant: dict[str, Any]) -> None:
    answer = client.call(
        "get_tenant",
        "GET",
        headers={**PRIVACY_ADMIN, "Sec-Fetch-Site": "cross-site"},
        route={"tenantId": tenant["tenantId"]},
    )
    assert answer.status == 200


def test_a_cross_site_delete_is_refused_too(client: AppClient, tenant: dict[str, Any]) -> None:
    tid = tenant["tenantId"]
    hold = client.call(
        "create_legal_hold",
        body={"scope": "tenant", "reason": "claim"},
        headers=PRIVACY_ADMIN,
        route={"tenantId": tid},
    ).json()
    answer = client.call(
        "release_legal_hold",
        "DELETE",
        headers={**PRIVACY_ADMIN, "Origin": EVIL},
        route={"tenantId": tid, "holdId": hold["holdId"]},
    )
    assert answer.status == 403
    held = client.call("get_tenant", "GET", headers=PRIVACY_ADMIN, route={"tenantId": tid})
    assert [h["holdId"] for h in held.json()["legalHolds"]] == [hold["holdId"]]
