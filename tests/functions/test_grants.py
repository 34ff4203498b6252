"""Grants are (role, tenant) pairs (API.md v1.1): every admin route x role x grant form.

The routes come from the app's own function metadata, so a new HTTP function that is neither
in the matrix nor declared public fails ``test_every_http_route_is_in_the_matrix``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infra.embedded_host.app_loader import HTTP_TRIGGER as HTTP
from shared.auth import Role
from shared.composition import compose, install_app, reset_app
from shared.settings import Settings
from tests.app_client import FUNCTIONS, AppClient
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import EMAIL, PHONE_E164, new_tenant, plant
from tests.functions.grants_world import (
    ADMIN_ROUTES,
    PUBLIC_ROUTES,
    SIGNED_IN_ROUTES,
    World,
    claims_principal,
)
from tests.functions.test_dsar import Dsar

GROUP = "22222222-bbbb-4000-8000-000000000001"
Claims = dict[str, tuple[str, ...]]
Built = tuple[Claims, dict[str, list[str]]]


@dataclass(frozen=True)
class Form:
    """One way of granting ``role``: in the route's tenant, for every tenant, or elsewhere."""

    build: Callable[[str, str, str], Built]
    in_tenant: bool = False
    everywhere: bool = False


FORMS: dict[str, Form] = {
    "roles+tenant": Form(lambda r, t, o: ({"roles": (r,), "tenants": (t,)}, {}), in_tenant=True),
    "tenant:Role": Form(lambda r, t, o: ({"tenants": (f"{t}:{r}",)}, {}), in_tenant=True),
    "roles+*": Form(lambda r, t, o: ({"roles": (r,), "tenants": ("*",)}, {}), everywhere=True),
    "*:Role": Form(lambda r, t, o: ({"tenants": (f"*:{r}",)}, {}), everywhere=True),
    "group>tenant": Form(
        lambda r, t, o: ({"roles": (r,), "groups": (GROUP,)}, {GROUP: [t]}), in_tenant=True
    ),
    "group>tenant:Role": Form(
        lambda r, t, o: ({"groups": (GROUP,)}, {GROUP: [f"{t}:{r}"]}), in_tenant=True
    ),
    "group>*": Form(
        lambda r, t, o: ({"roles": (r,), "groups": (GROUP,)}, {GROUP: ["*"]}), everywhere=True
    ),
    "other tenant": Form(lambda r, t, o: ({"roles": (r,), "tenants": (o,)}, {})),
    "other tenant:Role": Form(lambda r, t, o: ({"tenants": (f"{o}:{r}",)}, {})),
    "group>other tenant:Role": Form(lambda r, t, o: ({"groups": (GROUP,)}, {GROUP: [f"{o}:{r}"]})),
}


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One world for the whole matrix (building it per cell would take minutes)."""
    data: Path = tmp_path_factory.mktemp("grants") / "data"
    settings = Settings(
        data_dir=data, dev_auth=True, widget_rate_burst=10_000, webhook_local_urls=True
    )
    clock = FakeClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    services = compose(settings, clock=clock)
    install_app(services)
    yield World(services, clock)
    install_app(services)
    reset_app()


@pytest.fixture
def world(shared_world: World) -> World:
    """The shared world, installed as the process's services for this test."""
    install_app(shared_world.client.services)
    return shared_world


def test_every_http_route_is_in_the_matrix() -> None:
    http = {n for n, f in FUNCTIONS.items() if f.get_trigger().get_dict_repr()["type"] == HTTP}
    classified = PUBLIC_ROUTES | SIGNED_IN_ROUTES
    assert http - classified == set(ADMIN_ROUTES), "classify the new route in grants_world"
    assert not classified & set(ADMIN_ROUTES)
    assert not PUBLIC_ROUTES & SIGNED_IN_ROUTES


@pytest.mark.parametrize("route", sorted(SIGNED_IN_ROUTES))
def test_signed_in_routes_need_a_principal_but_no_role(world: World, route: str) -> None:
    """Anyone signed in may ask who they are and what they may see; nobody unsigned may."""
    params = world.params()
    status, _, _ = world.call(route, "GET", {}, params, None)
    assert status == 401
    no_role = claims_principal(f"oid-{route}-none", tenants=(world.other,))
    status, _, _ = world.call(route, "GET", no_role, params, None)
    assert status == 200


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("route", sorted(ADMIN_ROUTES))
def test_grant_matrix(world: World, route: str, role: Role, form: str) -> None:
    spec, grant = ADMIN_ROUTES[route], FORMS[form]
    params = world.params() | (spec.prepare(world) if spec.prepare else {})
    tenant = params["tenantId"]
    claims, groups = grant.build(role.value, tenant, world.other)
    world.client.services.settings.tenant_groups = groups
    oid = f"oid-{route}-{role.value}-{form}"
    body = spec.body(world, params) if spec.body else None
    status, headers, raw = world.call(route, spec.method, claims_principal(oid, **claims), params,
                                      body)
    granted = grant.everywhere or (grant.in_tenant and spec.tenant_scoped)
    if role in spec.allowed and granted:
        assert status == spec.success, raw
        return
    assert status == 403, raw
    assert headers["Content-Type"].startswith("application/problem+json")
    assert_teaches(json.loads(raw), spec.allowed, tenant if spec.tenant_scoped else None)
    assert world.other not in raw.decode() and oid not in raw.decode()  # never the caller's claims
    if spec.tenant_scoped:
        [newest] = world.client.services.audit_for("eu").entries(tenant, limit=1).items
        assert (newest["actor"], newest["outcome"]) == (oid, "denied")


def assert_teaches(problem: dict[str, Any], allowed: frozenset[Role], tenant: str | None) -> None:
    """A 403 names the roles that WOULD be allowed, and where (issue 18)."""
    names = [r.value for r in Role if r in allowed]
    assert problem["requiredRoles"] == names
    assert problem["tenantId"] == (tenant or "*")
    where = f"in tenant {tenant}" if tenant else "granted for every tenant ('*')"
    assert problem["detail"] == f"this action needs one of these roles {where}: {', '.join(names)}"


@pytest.fixture
def shops(client: AppClient) -> tuple[str, str]:
    """Tenants A and B, each with a planted contact (email, phone) of a visitor."""
    a, b = new_tenant(client, "A"), new_tenant(client, "B")
    plant(client, a, "v-a", 1)
    plant(client, b, "v-b", 1)
    return a["tenantId"], b["tenantId"]


def test_the_finding_privacy_admin_of_a_is_only_support_in_b(
    client: AppClient, clock: FakeClock, shops: tuple[str, str]
) -> None:
    a, b = shops
    mixed = claims_principal("oid-mixed", tenants=(f"{a}:Privacy.Admin", f"{b}:Support.Agent"))
    assert_a_role_stays_in_its_tenant(client, clock, a, b, mixed)


def test_the_finding_through_the_entra_group_mapping(
    client: AppClient, clock: FakeClock, shops: tuple[str, str]
) -> None:
    a, b = shops
    admins_of_a, support_of_b = GROUP, GROUP.replace("001", "002")
    client.services.settings.tenant_groups = {
        admins_of_a: [f"{a}:Privacy.Admin"],
        support_of_b: [f"{b}:Support.Agent"],
    }
    mixed = claims_principal("oid-mixed", groups=(admins_of_a, support_of_b))
    assert_a_role_stays_in_its_tenant(client, clock, a, b, mixed)


def assert_a_role_stays_in_its_tenant(
    client: AppClient, clock: FakeClock, a: str, b: str, mixed: dict[str, str]
) -> None:
    """The attack of issue 11: B's contacts were read unmasked (200) and B's offboarding
    started (202) by a principal that is only a support agent in B."""
    in_b = client.call("list_contacts", "GET", headers=mixed, route={"tenantId": b})
    [contact] = in_b.json()["items"]
    assert in_b.status == 200 and contact["masked"] is True
    assert EMAIL not in contact["email"] and PHONE_E164 not in contact["phone"]
    in_a = client.call("list_contacts", "GET", headers=mixed, route={"tenantId": a})
    assert in_a.status == 200 and in_a.json()["items"][0]["email"] == EMAIL

    end = {"contractEnd": "2031-01-01T00:00:00Z"}
    hold = {"scope": "tenant", "reason": "claim"}
    refused = {
        "offboarding.start": client.call("start_offboarding", headers=mixed, body=end,
                                         route={"tenantId": b}),
        "hold.create": client.call("create_legal_hold", headers=mixed, body=hold,
                                   route={"tenantId": b}),
        "dsar.decide": decide_in(client, clock, b, mixed),
    }
    for answer in refused.values():
        status, body = (answer.status, answer.body) if hasattr(answer, "status") else (
            answer.status_code, answer.get_body())
        assert status == 403
        assert json.loads(body)["detail"] == (
            f"this action needs one of these roles in tenant {b}: Privacy.Admin"
        )
    denied = {
        e["action"]
        for e in client.services.audit_for("eu").entries(b, limit=100).items
        if e["actor"] == "oid-mixed" and e["outcome"] == "denied"
    }
    assert denied == set(refused)
    assert client.call("start_offboarding", headers=mixed, body=end,
                       route={"tenantId": a}).status == 202


def decide_in(client: AppClient, clock: FakeClock, tenant_id: str, headers: dict[str, str]) -> Any:
    dsar = Dsar(client, {"tenantId": tenant_id}, clock)
    started = dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}})
    return dsar.decide(json.loads(started.get_body())["requestId"], True, headers=headers)
