"""Roles on the accountability routes: Platform.Admin for incidents and subprocessors,
Privacy.Admin in scope for objections, any role in scope for records of processing."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import ANY_ROLE, Role
from tests.app_client import AppClient, principal

PLATFORM_ROUTES: dict[str, tuple[str, dict[str, Any] | None]] = {
    "report_incident": ("POST", {}),
    "list_incidents": ("GET", None),
    "get_incident": ("GET", None),
    "update_incident": ("PATCH", {}),
    "move_incident_notice": ("POST", {"status": "sent"}),
    "get_incident_notice": ("GET", None),
    "list_subprocessors": ("GET", None),
    "register_subprocessor": ("POST", {}),
    "propose_subprocessor_change": ("POST", {}),
    "list_subprocessor_changes": ("GET", None),
    "get_subprocessor_change": ("GET", None),
    "activate_subprocessor_change": ("POST", None),
}
TENANT_ROUTES: dict[str, tuple[str, set[Role], dict[str, Any] | None]] = {
    "object_to_subprocessor_change": (
        "POST",
        {Role.PRIVACY_ADMIN},
        {"changeId": "spc-unknown", "reason": "x"},
    ),
    "get_records_of_processing": ("GET", set(ANY_ROLE), None),
}


def call(
    client: AppClient, route: str, method: str, body: Any, headers: dict[str, str], tenant_id: str
) -> Any:
    params = {"incidentId": "inc-unknown", "changeId": "spc-unknown", "tenantId": tenant_id}
    return client.call(route, method, body=body, headers=headers, route=params)


@pytest.mark.parametrize("route", sorted(PLATFORM_ROUTES))
@pytest.mark.parametrize("role", list(Role))
def test_only_platform_admins_reach_incidents_and_subprocessors(
    client: AppClient, tenant: dict[str, Any], route: str, role: Role
) -> None:
    method, body = PLATFORM_ROUTES[route]
    headers = {"X-MS-CLIENT-PRINCIPAL": principal(role.value)}
    answer = call(client, route, method, body, headers, tenant["tenantId"])
    if role is Role.PLATFORM_ADMIN:
        assert answer.status not in (401, 403), answer.body
    else:
        assert answer.status == 403, answer.body
        assert answer.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("route", sorted(TENANT_ROUTES))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("in_scope", [True, False])
def test_tenant_routes_need_the_role_and_the_tenant_in_scope(
    client: AppClient, tenant: dict[str, Any], route: str, role: Role, in_scope: bool
) -> None:
    method, allowed, body = TENANT_ROUTES[route]
    scope = (tenant["tenantId"],) if in_scope else ("t-someone-else",)
    headers = {"X-MS-CLIENT-PRINCIPAL": principal(role.value, tenants=scope)}
    answer = call(client, route, method, body, headers, tenant["tenantId"])
    if role in allowed and in_scope:
        assert answer.status not in (401, 403), answer.body
    else:
        assert answer.status == 403, answer.body


@pytest.mark.parametrize("route", sorted(PLATFORM_ROUTES))
def test_missing_principal_is_401(client: AppClient, tenant: dict[str, Any], route: str) -> None:
    method, body = PLATFORM_ROUTES[route]
    assert call(client, route, method, body, {}, tenant["tenantId"]).status == 401


def test_a_notice_outside_the_platform_admins_scope_is_refused_and_audited(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    headers = {
        "X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin", tenants=("t-other",), oid="oid-p9")
    }
    answer = call(client, "get_incident_notice", "GET", None, headers, tenant["tenantId"])
    assert answer.status == 403
    entries = client.services.audit_for("eu").entries(tenant["tenantId"]).items
    assert any(e["actor"] == "oid-p9" and e["outcome"] == "denied" for e in entries)
