"""Every admin route of the foundation x every role x in/out of tenant scope."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import ANY_ROLE, Role
from tests.app_client import AppClient, principal
from tests.conftest import ORIGIN, PLATFORM

ALLOWED: dict[str, set[Role]] = {
    "create_tenant": {Role.PLATFORM_ADMIN},
    "get_tenant": set(ANY_ROLE),
    "update_tenant": {Role.PLATFORM_ADMIN, Role.PRIVACY_ADMIN},
    "list_contacts": {Role.SUPPORT_AGENT, Role.PRIVACY_ADMIN},
    "list_audit": {Role.AUDITOR, Role.PRIVACY_ADMIN},
    "verify_audit": {Role.AUDITOR},
}
METHOD = {"create_tenant": "POST", "update_tenant": "PATCH"}
BODY: dict[str, Any] = {
    "create_tenant": {"name": "X", "region": "eu", "allowedOrigins": [ORIGIN]},
    "update_tenant": {"name": "Renamed"},
}
SUCCESS = {"create_tenant": 201}


@pytest.mark.parametrize("route", sorted(ALLOWED))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("in_scope", [True, False])
def test_route_role_scope_matrix(
    client: AppClient, tenant: dict[str, Any], route: str, role: Role, in_scope: bool
) -> None:
    scope = (tenant["tenantId"],) if in_scope else ("t-someone-else",)
    headers = {"X-MS-CLIENT-PRINCIPAL": principal(role.value, tenants=scope)}
    answer = client.call(
        route,
        METHOD.get(route, "GET"),
        body=BODY.get(route),
        headers=headers,
        route={"tenantId": tenant["tenantId"]},
    )
    # Creating a tenant concerns no tenant yet: a grant for one tenant never allows it, only a
    # grant for '*' (tests/functions/test_grants.py covers that form).
    if role in ALLOWED[route] and in_scope and route != "create_tenant":
        assert answer.status == SUCCESS.get(route, 200), answer.body
    else:
        assert answer.status == 403, answer.body
        assert answer.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("route", sorted(ALLOWED))
def test_missing_principal_is_401(client: AppClient, tenant: dict[str, Any], route: str) -> None:
    answer = client.call(
        route,
        METHOD.get(route, "GET"),
        body=BODY.get(route),
        route={"tenantId": tenant["tenantId"]},
    )
    assert answer.status == 401


def test_principal_header_is_ignored_when_not_trusted(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    client.services.settings.dev_auth = False
    answer = client.call(
        "get_tenant", "GET", headers=PLATFORM, route={"tenantId": tenant["tenantId"]}
    )
    assert answer.status == 401


def test_denied_attempts_are_audited(client: AppClient, tenant: dict[str, Any]) -> None:
    headers = {"X-MS-CLIENT-PRINCIPAL": principal("Support.Agent", oid="oid-support-7")}
    assert (
        client.call(
            "verify_audit", "GET", headers=headers, route={"tenantId": tenant["tenantId"]}
        ).status
        == 403
    )
    entries = client.services.audit_for("eu").entries(tenant["tenantId"]).items
    assert any(e["actor"] == "oid-support-7" and e["outcome"] == "denied" for e in entries)


def test_get_tenant_never_shows_the_key(client: AppClient, tenant: dict[str, Any]) -> None:
    answer = client.call(
        "get_tenant", "GET", headers=PLATFORM, route={"tenantId": tenant["tenantId"]}
    )
    assert tenant["widgetKey"] not in answer.body.decode()
    assert "widgetKeyHash" not in answer.json()
    assert answer.json()["effectiveRetention"]["behaviour"] == 30


def test_patch_rejects_retention_over_the_ceiling_naming_the_category(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    answer = client.call(
        "update_tenant",
        "PATCH",
        headers=PLATFORM,
        route={"tenantId": tenant["tenantId"]},
        body={"retention": {"behaviour": 99999}},
    )
    assert answer.status == 400 and "behaviour" in answer.json()["detail"]


RETENTION_ROUTES: dict[str, tuple[str, set[Role], dict[str, Any] | None]] = {
    "create_legal_hold": ("POST", {Role.PRIVACY_ADMIN}, {"scope": "tenant", "reason": "x"}),
    "release_legal_hold": ("DELETE", {Role.PRIVACY_ADMIN}, None),
    "start_offboarding": ("POST", {Role.PRIVACY_ADMIN}, {"contractEnd": "2030-01-01T00:00:00Z"}),
    "get_offboarding": ("GET", {Role.PRIVACY_ADMIN, Role.PLATFORM_ADMIN}, None),
    "download_offboarding_export": ("GET", {Role.PRIVACY_ADMIN}, None),
}


@pytest.mark.parametrize("route", sorted(RETENTION_ROUTES))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("in_scope", [True, False])
def test_retention_routes_role_scope_matrix(
    client: AppClient, tenant: dict[str, Any], route: str, role: Role, in_scope: bool
) -> None:
    method, allowed, body = RETENTION_ROUTES[route]
    scope = (tenant["tenantId"],) if in_scope else ("t-someone-else",)
    headers = {"X-MS-CLIENT-PRINCIPAL": principal(role.value, tenants=scope)}
    answer = client.call(
        route,
        method,
        body=body,
        headers=headers,
        route={"tenantId": tenant["tenantId"], "holdId": "hold-unknown"},
    )
    if role in allowed and in_scope:
        assert answer.status not in (401, 403), answer.body
    else:
        assert answer.status == 403, answer.body
