"""MFA for administrators (seed 000, TOMs 4.1): with PRIVACY_REQUIRE_MFA on, a person whose
sign-in shows no ``mfa`` is refused every privileged action (403 ``…/mfa-required``, audited),
while ordinary reads and applications' own identities are not held to it."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from tests.app_client import AppClient
from tests.conftest import ORIGIN, PRIVACY_ADMIN
from tests.fakes import FakeClock
from tests.functions.test_dsar import Dsar

AMR = "http://schemas.microsoft.com/claims/authnmethodsreferences"


def person(*roles: str, mfa: bool, oid: str = "oid-person", tenants: str = "*") -> dict[str, str]:
    """A signed-in person's principal as App Service passes it (name, UPN, amr)."""
    claims = [{"typ": "roles", "val": r} for r in roles] + [
        {"typ": "tenants", "val": tenants},
        {"typ": "name", "val": "Ada Admin"},
        {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier", "val": oid},
        {"typ": AMR, "val": "pwd,mfa" if mfa else "pwd"},
    ]
    raw = json.dumps({"auth_typ": "aad", "claims": claims}).encode()
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(raw).decode()}


@pytest.fixture
def enforced(client: AppClient) -> AppClient:
    client.services.settings.require_mfa = True
    return client


def _tenant(client: AppClient) -> str:
    body = {"name": "Shop", "allowedOrigins": [ORIGIN]}
    created = client.call("create_tenant", body=body, headers=person("Platform.Admin", mfa=True))
    assert created.status == 201, created.body
    return str(created.json()["tenantId"])


Action = Callable[[AppClient, str, dict[str, str], FakeClock], int]


def create_tenant(c: AppClient, t: str, h: dict[str, str], clock: FakeClock) -> int:
    return c.call("create_tenant", body={"name": "N", "allowedOrigins": []}, headers=h).status


def report_incident(c: AppClient, t: str, h: dict[str, str], clock: FakeClock) -> int:
    now = clock.now()
    body = {"detectedAt": now.isoformat(), "startedAt": (now - timedelta(hours=1)).isoformat(),
            "nature": "n", "systems": ["s"], "categories": ["contact"], "tenantIds": [t],
            "measures": {}, "contact": "DPO"}
    return c.call("report_incident", body=body, headers=h).status


def offboard(c: AppClient, t: str, h: dict[str, str], clock: FakeClock) -> int:
    return c.call("start_offboarding", body={"contractEnd": "2031-01-01T00:00:00Z"}, headers=h,
                  route={"tenantId": t}).status


def shorten(c: AppClient, t: str, h: dict[str, str], clock: FakeClock) -> int:
    return c.call("update_tenant", "PATCH", body={"retention": {"behaviour": 7}}, headers=h,
                  route={"tenantId": t}).status


def release_hold(c: AppClient, t: str, h: dict[str, str], clock: FakeClock) -> int:
    hold = c.call("create_legal_hold", body={"scope": "tenant", "reason": "claim"},
                  headers=PRIVACY_ADMIN, route={"tenantId": t}).json()["holdId"]
    return c.call("release_legal_hold", "DELETE", headers=h,
                  route={"tenantId": t, "holdId": hold}).status


def start_erasure(c: AppClient, t: str, h: dict[str, str], clock: FakeClock) -> int:
    dsar = Dsar(c, {"tenantId": t}, clock)
    return int(dsar.start({"type": "erasure", "identifiers": {"email": "a@example.org"}},
                          headers=h).status_code)


def decide(c: AppClient, t: str, h: dict[str, str], clock: FakeClock) -> int:
    dsar = Dsar(c, {"tenantId": t}, clock)
    started = dsar.start({"type": "erasure", "identifiers": {"email": "a@example.org"}},
                         headers=person("Privacy.Operator", mfa=True, oid="oid-starter"))
    request_id = json.loads(started.get_body())["requestId"]
    dsar.verify(request_id, headers=person("Privacy.Operator", mfa=True, oid="oid-verifier"))
    return int(dsar.decide(request_id, True, headers=h).status_code)


PRIVILEGED: dict[str, tuple[str, Action, int]] = {
    "tenant.create": ("Platform.Admin", create_tenant, 201),
    "incident.report": ("Platform.Admin", report_incident, 201),
    "offboarding.start": ("Privacy.Admin", offboard, 202),
    "retention.shorten": ("Privacy.Admin", shorten, 200),
    "hold.release": ("Privacy.Admin", release_hold, 204),
    "dsar.erasure": ("Privacy.Admin", start_erasure, 202),
    "dsar.decide": ("Privacy.Admin", decide, 202),
}


@pytest.mark.parametrize("action", sorted(PRIVILEGED))
def test_a_privileged_action_without_mfa_is_403_and_with_mfa_succeeds(
    enforced: AppClient, clock: FakeClock, action: str
) -> None:
    role, act, success = PRIVILEGED[action]
    tenant_id = _tenant(enforced)
    assert act(enforced, tenant_id, person(role, mfa=False), clock) == 403
    denied = enforced.services.audit_for("eu").entries(tenant_id, action=action).items
    assert action in ("tenant.create", "incident.report") or (
        denied and denied[0]["outcome"] == "denied"
    )
    assert act(enforced, tenant_id, person(role, mfa=True), clock) == success


def test_the_refusal_says_mfa_is_needed_never_the_callers_methods(enforced: AppClient) -> None:
    answer = enforced.call("create_tenant", body={"name": "N", "allowedOrigins": []},
                           headers=person("Platform.Admin", mfa=False))
    problem = answer.json()
    assert answer.status == 403 and problem["type"].endswith("/mfa-required")
    assert "multi-factor" in problem["detail"] and problem["mfaRequired"] is True
    assert "pwd" not in answer.body.decode()


def test_ordinary_actions_and_lengthening_retention_need_no_mfa(enforced: AppClient) -> None:
    tenant_id = _tenant(enforced)
    route = {"tenantId": tenant_id}
    no_mfa = person("Privacy.Admin", mfa=False)
    assert enforced.call("get_tenant", "GET", headers=no_mfa, route=route).status == 200
    longer = enforced.call("update_tenant", "PATCH", body={"retention": {"behaviour": 60}},
                           headers=person("Platform.Admin", mfa=False), route=route)
    assert longer.status == 200


def test_applications_are_exempt_and_the_rule_is_off_unless_enforced(
    client: AppClient, clock: FakeClock
) -> None:
    tenant_id = _tenant(client)
    app_only = person("Privacy.Admin", mfa=False)  # not enforced: passes
    assert offboard(client, tenant_id, app_only, clock) == 202
    client.services.settings.require_mfa = True
    tool = json.dumps({"auth_typ": "aad", "claims": [
        {"typ": "roles", "val": "Platform.Admin"}, {"typ": "tenants", "val": "*"},
        {"typ": "idtyp", "val": "app"}, {"typ": "oid", "val": "oid-tool"}]}).encode()
    headers = {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(tool).decode()}
    assert create_tenant(client, tenant_id, headers, clock) == 201
