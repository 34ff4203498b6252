"""Tenant scope from Entra groups: app roles cannot carry ``tenants`` claims, so a deployment
maps group object ids to tenants (PRIVACY_TENANT_GROUPS) and the principal's ``groups`` claims
give its scope. The header is built the way App Service Authentication builds it."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from shared.settings import Settings
from tests.app_client import AppClient
from tests.conftest import ORIGIN, PLATFORM

SHOP_ADMINS, STAFF, UNMAPPED = (
    "11111111-aaaa-4000-8000-000000000001",
    "11111111-aaaa-4000-8000-000000000002",
    "11111111-aaaa-4000-8000-000000000003",
)


def entra_principal(role: str, *groups: str) -> dict[str, str]:
    claims = [
        {"typ": "roles", "val": role},
        {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": "oid-x"},
        *({"typ": "groups", "val": g} for g in groups),
    ]
    raw = json.dumps({"auth_typ": "aad", "claims": claims}).encode()
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(raw).decode()}


def new_tenant(client: AppClient, name: str) -> str:
    body = {"name": name, "region": "eu", "allowedOrigins": [ORIGIN]}
    answer = client.call("create_tenant", headers=PLATFORM, body=body)
    assert answer.status == 201
    return str(answer.json()["tenantId"])


@pytest.fixture
def shops(client: AppClient) -> tuple[str, str]:
    shop, other = new_tenant(client, "Shop"), new_tenant(client, "Other")
    client.services.settings.tenant_groups = {SHOP_ADMINS: [shop], STAFF: ["*"]}
    return shop, other


def get_tenant(client: AppClient, tenant_id: str, headers: dict[str, str]) -> Any:
    return client.call("get_tenant", "GET", headers=headers, route={"tenantId": tenant_id})


def test_a_mapped_group_scopes_its_members_to_its_tenants(
    client: AppClient, shops: tuple[str, str]
) -> None:
    shop, other = shops
    member = entra_principal("Privacy.Admin", SHOP_ADMINS)
    assert get_tenant(client, shop, member).status == 200
    assert get_tenant(client, other, member).status == 403


def test_a_group_mapped_to_star_reaches_every_tenant(
    client: AppClient, shops: tuple[str, str]
) -> None:
    staff = entra_principal("Auditor", UNMAPPED, STAFF)
    assert all(get_tenant(client, t, staff).status == 200 for t in shops)


def test_groups_give_no_role_and_unmapped_groups_give_no_scope(
    client: AppClient, shops: tuple[str, str]
) -> None:
    shop, _ = shops
    assert get_tenant(client, shop, entra_principal("Privacy.Admin", UNMAPPED)).status == 403
    no_role = entra_principal("", SHOP_ADMINS)
    assert get_tenant(client, shop, no_role).status == 403


def test_the_setting_accepts_one_tenant_a_list_or_star(monkeypatch: pytest.MonkeyPatch) -> None:
    mapping = {SHOP_ADMINS: "t-1", STAFF: ["t-2", "t-3"], UNMAPPED: "*"}
    monkeypatch.setenv("PRIVACY_TENANT_GROUPS", json.dumps(mapping))
    assert Settings().tenant_groups == {
        SHOP_ADMINS: ["t-1"],
        STAFF: ["t-2", "t-3"],
        UNMAPPED: ["*"],
    }
