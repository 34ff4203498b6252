"""The one function that turns claims into (role, tenant) grants, and what a refusal says."""

from __future__ import annotations

import pytest

from shared.auth import Grant, Principal, Role, grants_from_claims, require
from shared.errors import Forbidden
from shared.settings import Settings, UnsafeSettings

PA, SA, AU = "Privacy.Admin", "Support.Agent", "Auditor"


def test_roles_claims_cross_with_plain_tenant_claims() -> None:
    claims = [("roles", PA), ("roles", AU), ("tenants", "t-a"), ("tenants", "t-b")]
    assert grants_from_claims(claims) == {
        Grant(PA, "t-a"), Grant(PA, "t-b"), Grant(AU, "t-a"), Grant(AU, "t-b")
    }


def test_a_tenant_role_claim_grants_that_role_there_and_nothing_else() -> None:
    claims = [("tenants", f"t-a:{PA}"), ("tenants", f"t-b:{SA}")]
    principal = Principal("oid-1", grants_from_claims(claims))
    assert principal.roles_in("t-a") == {PA} and principal.roles_in("t-b") == {SA}
    assert principal.roles_in("t-c") == set() and principal.roles_in(None) == set()


def test_a_pair_is_not_crossed_with_the_roles_claims() -> None:
    claims = [("roles", AU), ("tenants", f"t-a:{PA}"), ("tenants", "t-b")]
    assert grants_from_claims(claims) == {Grant(PA, "t-a"), Grant(AU, "t-b")}


def test_star_reaches_every_tenant_and_tenant_less_actions() -> None:
    principal = Principal("oid-1", grants_from_claims([("tenants", f"*:{AU}"), ("roles", SA),
                                                       ("tenants", "t-a")]))
    assert principal.roles_in("t-a") == {AU, SA}
    assert principal.roles_in("t-z") == {AU} and principal.roles_in(None) == {AU}


@pytest.mark.parametrize("entry", ["t-a:", f":{PA}", " : ", "", "   "])
def test_malformed_entries_grant_nothing(entry: str) -> None:
    assert grants_from_claims([("roles", PA), ("tenants", entry)]) == frozenset()


def test_roles_without_a_tenant_grant_nothing() -> None:
    assert grants_from_claims([("roles", PA), ("roles", "Platform.Admin")]) == frozenset()


def test_mapped_groups_count_as_tenants_claims_and_unmapped_ones_as_nothing() -> None:
    groups = {"g-shop": ["t-a", f"t-b:{SA}"], "g-staff": "*"}
    claims = [("roles", AU), ("groups", "g-shop"), ("groups", "g-unmapped")]
    assert grants_from_claims(claims, groups) == {Grant(AU, "t-a"), Grant(SA, "t-b")}
    staff = [("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "g-staff")]
    assert grants_from_claims([*staff, ("roles", AU)], groups) == {Grant(AU, "*")}


def test_a_refusal_names_the_allowed_roles_and_the_tenant_never_the_callers_claims() -> None:
    principal = Principal("oid-secret", frozenset({Grant(SA, "t-b"), Grant(PA, "t-a")}))
    with pytest.raises(Forbidden) as refused:
        require(principal, {Role.PRIVACY_ADMIN, Role.PLATFORM_ADMIN}, "t-b")
    assert refused.value.detail == (
        "this action needs one of these roles in tenant t-b: Platform.Admin, Privacy.Admin"
    )
    assert refused.value.extra == {"requiredRoles": ["Platform.Admin", PA], "tenantId": "t-b"}
    text = repr((refused.value.detail, refused.value.extra))
    assert "oid-secret" not in text and "t-a" not in text and SA not in text
    with pytest.raises(Forbidden, match=r"granted for every tenant \('\*'\): Platform.Admin"):
        require(principal, {Role.PLATFORM_ADMIN}, None)


def test_the_group_setting_refuses_an_unknown_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVACY_TENANT_GROUPS", '{"g": ["t-a:Privacy.Admn"]}')
    with pytest.raises(ValueError, match=r"Privacy\.Admn.*roles: Auditor, Platform\.Admin"):
        Settings()
    monkeypatch.setenv("PRIVACY_TENANT_GROUPS", '{"g": ["t-a:Privacy.Admin", "*:Auditor", "*"]}')
    assert Settings().tenant_groups == {"g": ["t-a:Privacy.Admin", "*:Auditor", "*"]}


def test_dev_auth_refuses_to_start_on_an_azure_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBSITE_INSTANCE_ID", "0a1b2c")
    with pytest.raises(UnsafeSettings, match=r"PRIVACY_DEV_AUTH.*WEBSITE_INSTANCE_ID"):
        Settings(dev_auth=True)
    assert Settings(dev_auth=False).dev_auth is False
    monkeypatch.delenv("WEBSITE_INSTANCE_ID")
    assert Settings(dev_auth=True).dev_auth is True
