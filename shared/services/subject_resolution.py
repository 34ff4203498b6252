"""From identifiers to subjects through the blind index: digests first, plaintext never stored."""

from __future__ import annotations

from shared.crypto.blind_index import IdentifierKind, blind_index
from shared.errors import BadRequest
from shared.models.tenant import HoldIdentifiers, Tenant
from shared.policies.identifiers import InvalidIdentifier, normalise_email, normalise_phone
from shared.ports.key_provider import KeyProvider
from shared.services.blind_index_entries import BlindIndexEntries


def identifier_digests(keys: KeyProvider, tenant: Tenant, ids: HoldIdentifiers) -> dict[str, str]:
    """kind -> blind-index digest of each identifier given (400 on an invalid one)."""
    try:
        normalised: list[tuple[IdentifierKind, str]] = []
        if ids.email:
            normalised.append(("email", normalise_email(ids.email)))
        if ids.phone:
            normalised.append(("phone", normalise_phone(ids.phone, tenant.defaultCountry)))
        if ids.visitorId:
            normalised.append(("visitor", ids.visitorId))
    except InvalidIdentifier as exc:
        raise BadRequest(f"an identifier is not valid: {exc}") from None
    key = keys.secret("blind-index")
    return {kind: blind_index(key, tenant.tenantId, kind, value) for kind, value in normalised}


def subjects_for(index: BlindIndexEntries, tenant_id: str, digests: dict[str, str]) -> list[str]:
    """Every subject any digest points to: several identifiers merge into one subject set."""
    found: set[str] = set()
    for kind, digest in digests.items():
        found |= set(index.lookup(tenant_id, kind, digest))  # type: ignore[arg-type]
    return sorted(found)
