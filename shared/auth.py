"""Grants (role, tenant) from App Service Authentication's X-MS-CLIENT-PRINCIPAL.

A principal holds pairs, never a role set crossed with a tenant set: someone who is a privacy
admin of tenant A and a support agent of tenant B must not be a privacy admin of B (API.md v1.1
"Grants"). ``grants_from_claims`` is the one function that turns claims into pairs, and
``require`` the one question every admin route asks: may this principal act as one of these
roles in this tenant? A deployed app trusts the header only when the platform's authentication
sits in front of it (it strips client-sent copies).

Where the pairs come from (``<tenant>`` is a tenant id or ``*``, meaning every tenant):
- a ``roles`` claim R with a ``tenants`` claim ``<tenant>`` grants R there, for every such pair;
- a ``tenants`` claim ``<tenant>:<Role>`` grants that one role there and nothing else;
- Entra app roles cannot carry per-tenant values, so ``groups`` claims are mapped by the
  setting ``PRIVACY_TENANT_GROUPS`` (group object id -> entries of the two forms above), and
  each entry counts as if it were a ``tenants`` claim.
Actions that concern no single tenant (creating tenants, incidents, the subprocessor register)
need the role granted for ``*``.

Multi-factor authentication (seed 000, TOMs 4.1: "MFA is enforced for all administrative and
privileged accounts"): the privileged actions are ONE table, ``MFA_ACTIONS``; with
``PRIVACY_REQUIRE_MFA`` on, ``require_mfa`` refuses a person whose sign-in shows no ``mfa``
among its authentication methods (``amr``). Applications (client credentials: admin tools, the
telephony service) have no interactive sign-in and are exempt, explicitly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from shared.errors import Forbidden, Unauthorized


class Role(StrEnum):
    PLATFORM_ADMIN = "Platform.Admin"
    PRIVACY_ADMIN = "Privacy.Admin"
    PRIVACY_OPERATOR = "Privacy.Operator"
    SUPPORT_AGENT = "Support.Agent"
    AUDITOR = "Auditor"
    TELEPHONY_INGEST = "Telephony.Ingest"
    """The telephony service's own identity: posts call recordings, reads nothing."""


ANY_ROLE = frozenset(Role) - {Role.TELEPHONY_INGEST}
"""Every role of the people who administer a tenant ("any role in scope")."""
EVERY_TENANT = "*"
_ROLE_CLAIMS = ("roles", "role")
_TENANT_CLAIMS = ("tenants",)
_NAME_CLAIMS = (
    "name",
    "preferred_username",
    "upn",
    "email",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
)
_OID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
_GROUP_CLAIMS = ("groups", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups")
_AMR_CLAIMS = ("amr", "http://schemas.microsoft.com/claims/authnmethodsreferences")
_SCOPE_CLAIMS = ("scp", "http://schemas.microsoft.com/identity/claims/scope")
_USER_CLAIMS = (
    *_NAME_CLAIMS,
    "unique_name",
    "given_name",
    "family_name",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    *_SCOPE_CLAIMS,
)
"""Claims only a signed-in person's token carries (a delegated scope, a name, a UPN)."""
TenantGroups = Mapping[str, Iterable[str]]
"""Entra group object id -> entries, each a tenant id, ``*`` or ``<tenant>:<Role>``."""


@dataclass(frozen=True, order=True)
class Grant:
    """One role in one tenant (``tenant`` is a tenant id, or ``*`` for every tenant)."""

    role: str
    tenant: str


@dataclass(frozen=True)
class Principal:
    actor: str
    """A pseudonymous, stable actor id for the audit trail (object id, never a name or email)."""
    grants: frozenset[Grant]
    identified: bool = True
    """False when the principal carries no identity claim (hand-made dev headers only)."""
    methods: frozenset[str] = frozenset()
    """How the person signed in (``amr``: ``pwd``, ``mfa``, ...); empty for applications."""
    application: bool = False
    """An application's own identity (client credentials), not a person."""

    def roles_in(self, tenant_id: str | None) -> frozenset[str]:
        """The roles held in ``tenant_id``; ``None`` (a tenant-less action) counts ``*`` only."""
        return frozenset(
            g.role for g in self.grants if g.tenant in (EVERY_TENANT, tenant_id)
        )

    def may(self, role: Role, tenant_id: str | None) -> bool:
        """The one question: may this principal act as ``role`` in ``tenant_id``?"""
        return role.value in self.roles_in(tenant_id)


def _scope_grants(entry: str, roles: Iterable[str]) -> set[Grant]:
    """What one ``tenants`` claim (or mapped group entry) grants; malformed entries grant
    nothing (``t-a:`` or ``:Privacy.Admin`` are a typo, not a wildcard)."""
    entry = entry.strip()
    tenant, colon, role = entry.partition(":")
    if colon:
        tenant, role = tenant.strip(), role.strip()
        return {Grant(role, tenant)} if tenant and role else set()
    return {Grant(r, entry) for r in roles} if entry else set()


def grants_from_claims(
    claims: Iterable[tuple[str, str]], tenant_groups: TenantGroups | None = None
) -> frozenset[Grant]:
    """The principal's (role, tenant) pairs: the one function that computes them."""
    claims = list(claims)
    roles = {v.strip() for t, v in claims if t in _ROLE_CLAIMS and v.strip()}
    entries = [v for t, v in claims if t in _TENANT_CLAIMS]
    groups = {v for t, v in claims if t in _GROUP_CLAIMS}
    for group in sorted(groups):
        mapped = (tenant_groups or {}).get(group, ())
        entries.extend([mapped] if isinstance(mapped, str) else mapped)
    grants: set[Grant] = set()
    for entry in entries:
        grants |= _scope_grants(entry, roles)
    return frozenset(grants)


def authentication_methods(claims: Iterable[tuple[str, str]]) -> frozenset[str]:
    """``amr`` values under either claim name, one or several per value (comma or space)."""
    values = [v for t, v in claims if t in _AMR_CLAIMS]
    return frozenset(m.strip().lower() for v in values for m in v.replace(",", " ").split())


def is_application(claims: Iterable[tuple[str, str]]) -> bool:
    """An app-only token: ``idtyp: app``, or roles with nothing of a person (no delegated
    scope, no name, no UPN, no authentication methods). Anything else counts as a person, so
    an unusual user token is held to the MFA rule rather than let through."""
    claims = list(claims)
    if any(t == "idtyp" and v.strip().lower() == "app" for t, v in claims):
        return True
    types = {t for t, _ in claims}
    has_roles = any(t in _ROLE_CLAIMS for t in types)
    personal = types & {*_USER_CLAIMS, *_AMR_CLAIMS}
    return has_roles and not personal


def _claims(raw: str) -> list[tuple[str, str]]:
    try:
        decoded = json.loads(base64.b64decode(raw, validate=False))
        return [(str(c["typ"]), str(c["val"])) for c in decoded.get("claims", [])]
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError, RecursionError) as exc:
        raise Unauthorized("the client principal header is malformed") from exc


def principal_from_headers(
    headers: Mapping[str, str], trusted: bool, tenant_groups: TenantGroups | None = None
) -> Principal:
    raw = headers.get("x-ms-client-principal") if trusted else None
    if not raw:
        raise Unauthorized("authentication required")
    claims = _claims(raw)
    grants = grants_from_claims(claims, tenant_groups)
    oid = next((v for t, v in claims if t in _OID_CLAIMS), None)
    oid = oid or headers.get("x-ms-client-principal-id")
    name = next((v for t, v in claims if t in _NAME_CLAIMS), None)
    methods, application = authentication_methods(claims), is_application(claims)
    if oid:
        return Principal(oid, grants, methods=methods, application=application)
    # No object id: a pseudonym of the name (never the name itself), else of the whole claim
    # set; the latter cannot tell two people apart, so it is marked unidentified.
    basis = name or repr(sorted(claims))
    actor = "principal-" + hashlib.sha256(basis.encode()).hexdigest()[:16]
    return Principal(actor, grants, name is not None, methods, application)


def required_roles_message(allowed: Iterable[Role], tenant_id: str | None) -> str:
    """What a refusal says: the roles that WOULD be allowed where, never the caller's claims
    (issue 18: an error that teaches names the way in, not what the caller has)."""
    names = ", ".join(r.value for r in Role if r in set(allowed))
    if tenant_id is None:
        return f"this action needs one of these roles granted for every tenant ('*'): {names}"
    return f"this action needs one of these roles in tenant {tenant_id}: {names}"


def require(principal: Principal, allowed: Iterable[Role], tenant_id: str | None) -> None:
    """403 unless the principal holds one of ``allowed`` in ``tenant_id`` (``None``: ``*``)."""
    allowed = frozenset(allowed)
    if any(principal.may(role, tenant_id) for role in allowed):
        return
    raise Forbidden(
        required_roles_message(allowed, tenant_id),
        extra={
            "requiredRoles": [r.value for r in Role if r in allowed],
            "tenantId": EVERY_TENANT if tenant_id is None else tenant_id,
        },
    )


def authorize(
    headers: Mapping[str, str],
    trusted: bool,
    allowed: Iterable[Role],
    tenant_id: str | None = None,
    tenant_groups: TenantGroups | None = None,
) -> Principal:
    """401 without a principal, 403 without one of ``allowed`` granted in ``tenant_id``."""
    principal = principal_from_headers(headers, trusted, tenant_groups)
    require(principal, allowed, tenant_id)
    return principal


MFA_ACTIONS: dict[str, str] = {
    "tenant.create": "creating a tenant",
    "dsar.decide": "approving or rejecting a data-subject request",
    "dsar.erasure": "starting an erasure",
    "offboarding.start": "scheduling offboarding",
    "retention.shorten": "shortening a retention period",
    "hold.release": "releasing a legal hold",
    "incident.report": "reporting a breach",
}
"""The privileged actions (seed 000, TOMs 4.1): the one table of what needs a multi-factor
sign-in when ``PRIVACY_REQUIRE_MFA`` is on. Routes name their action; where only the body
says whether an action is privileged (a shortened period, an erasure), the code that knows it
asks for that action's entry here."""


class MfaRequired(Forbidden):
    """A person without a multi-factor sign-in attempted a privileged action."""

    problem, title = "mfa-required", "MFA Required"


def require_mfa(principal: Principal, action: str, enforced: bool) -> None:
    """403 (type ``…/mfa-required``) when ``action`` is privileged, MFA is enforced and the
    principal is a person whose sign-in shows no ``mfa``. The refusal says what is needed,
    never which methods the caller used."""
    if not enforced or action not in MFA_ACTIONS or principal.application:
        return
    if "mfa" in principal.methods:
        return
    raise MfaRequired(
        f"{MFA_ACTIONS[action]} requires a multi-factor sign-in: sign in again with MFA",
        extra={"mfaRequired": True, "action": action},
    )
