"""The one function that turns claims into (role, tenant) grants, and what a refusal says."""

from __future__ import annotations

import pytest

from shared.auth import (
    MFA_ACTIONS,
    Grant,
    MfaRequired,
    Principal,
    Role,
    authentication_methods,
    grants_from_claims,
    is_application,
    require,
    require_mfa,
)
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


AMR_MAPPED = "http://schemas.microsoft.com/claims/authnmethodsreferences"


@pytest.mark.parametrize(
    ("claims", "methods"),
    [
        ([("amr", "pwd"), ("amr", "mfa")], {"pwd", "mfa"}),
        ([(AMR_MAPPED, "pwd,mfa")], {"pwd", "mfa"}),
        ([(AMR_MAPPED, "rsa mfa"), ("amr", " MFA ")], {"rsa", "mfa"}),
        ([("name", "Ada")], set()),
    ],
)
def test_authentication_methods_are_read_under_both_names_and_split(
    claims: list[tuple[str, str]], methods: set[str]
) -> None:
    assert authentication_methods(claims) == methods


@pytest.mark.parametrize(
    ("claims", "application"),
    [
        ([("idtyp", "app"), ("roles", "Telephony.Ingest"), ("name", "odd")], True),
        ([("roles", "Telephony.Ingest"), ("oid", "o")], True),
        ([("roles", PA), ("name", "Ada")], False),
        ([("roles", PA), ("http://schemas.microsoft.com/identity/claims/scope", "user")], False),
        ([("roles", PA), ("amr", "pwd")], False),
        ([("oid", "o")], False),  # nothing of an app either: held to the rule
    ],
)
def test_only_an_app_only_token_counts_as_an_application(
    claims: list[tuple[str, str]], application: bool
) -> None:
    assert is_application(claims) is application


def test_mfa_is_required_of_people_for_privileged_actions_when_enforced() -> None:
    person = Principal("oid-1", frozenset(), methods=frozenset({"pwd"}))
    with pytest.raises(MfaRequired) as refused:
        require_mfa(person, "dsar.decide", enforced=True)
    assert refused.value.status == 403 and refused.value.type.endswith("/mfa-required")
    assert "multi-factor" in refused.value.detail and "pwd" not in repr(refused.value.__dict__)
    require_mfa(person, "dsar.decide", enforced=False)  # not enforced (local default)
    require_mfa(person, "tenant.read", enforced=True)  # not a privileged action
    require_mfa(Principal("oid-1", frozenset(), methods=frozenset({"pwd", "mfa"})),
                "dsar.decide", enforced=True)
    require_mfa(Principal("oid-app", frozenset(), application=True), "dsar.decide", True)


def test_the_privileged_actions_are_the_ones_the_policy_names() -> None:
    assert set(MFA_ACTIONS) == {
        "tenant.create", "dsar.decide", "dsar.erasure", "offboarding.start",
        "retention.shorten", "hold.release", "incident.report",
    }
