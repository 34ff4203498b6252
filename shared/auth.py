"""Roles and tenant scopes from App Service Authentication's X-MS-CLIENT-PRINCIPAL.

One function, ``authorize``, guards every admin route. A deployed app trusts the header only
when the platform's authentication sits in front of it (it strips client-sent copies).

Tenant scope comes from ``tenants`` claims (API.md) or, because Entra ID app roles cannot
carry per-tenant values, from ``groups`` claims mapped to tenants by the setting
``PRIVACY_TENANT_GROUPS`` (group object id -> tenant ids or ``*``).
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


ANY_ROLE = frozenset(Role)
_NAME_CLAIMS = (
    "name",
    "preferred_username",
    "upn",
    "email",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
)
_OID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
_GROUP_CLAIMS = ("groups", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups")
TenantGroups = Mapping[str, Iterable[str]]
"""Entra group object id -> the tenant ids (or ``*``) its members may act on."""


@dataclass(frozen=True)
class Principal:
    actor: str
    """A pseudonymous, stable actor id for the audit trail (object id, never a name or email)."""
    roles: frozenset[str]
    tenants: frozenset[str]
    identified: bool = True
    """False when the principal carries no identity claim (hand-made dev headers only)."""

    def in_scope(self, tenant_id: str) -> bool:
        return "*" in self.tenants or tenant_id in self.tenants


def _claims(raw: str) -> list[tuple[str, str]]:
    try:
        decoded = json.loads(base64.b64decode(raw, validate=False))
        return [(str(c["typ"]), str(c["val"])) for c in decoded.get("claims", [])]
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError) as exc:
        raise Unauthorized("the client principal header is malformed") from exc


def principal_from_headers(
    headers: Mapping[str, str], trusted: bool, tenant_groups: TenantGroups | None = None
) -> Principal:
    raw = headers.get("x-ms-client-principal") if trusted else None
    if not raw:
        raise Unauthorized("authentication required")
    claims = _claims(raw)
    roles = frozenset(v for t, v in claims if t in ("roles", "role"))
    groups = {v for t, v in claims if t in _GROUP_CLAIMS}
    tenants = frozenset(v for t, v in claims if t == "tenants").union(
        *(tenant_groups.get(g, ()) for g in groups if tenant_groups)
    )
    oid = next((v for t, v in claims if t in _OID_CLAIMS), None)
    oid = oid or headers.get("x-ms-client-principal-id")
    name = next((v for t, v in claims if t in _NAME_CLAIMS), None)
    if oid:
        return Principal(actor=oid, roles=roles, tenants=tenants)
    # No object id: a pseudonym of the name (never the name itself), else of the whole claim
    # set; the latter cannot tell two people apart, so it is marked unidentified.
    basis = name or repr(sorted(claims))
    actor = "principal-" + hashlib.sha256(basis.encode()).hexdigest()[:16]
    return Principal(actor=actor, roles=roles, tenants=tenants, identified=name is not None)


def authorize(
    headers: Mapping[str, str],
    trusted: bool,
    allowed: Iterable[Role],
    tenant_id: str | None = None,
    tenant_groups: TenantGroups | None = None,
) -> Principal:
    """401 without a principal, 403 without an allowed role or outside the tenant scope."""
    principal = principal_from_headers(headers, trusted, tenant_groups)
    if not principal.roles & {r.value for r in allowed}:
        raise Forbidden("your role does not allow this action")
    if tenant_id is not None and not principal.in_scope(tenant_id):
        raise Forbidden("this tenant is outside your scope")
    return principal
