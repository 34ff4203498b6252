"""From identifiers to subjects through the blind index: digests first, plaintext never stored.

Digests are made under every readable version of the index key (current first), because an
identifier indexed before a key change is found only under the version it was indexed with.
Resolution keeps apart the subjects it finds and says which identifier found which subject:
an email that two visitors used finds two subjects, never one silently merged set.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from shared.crypto.blind_index import IdentifierKind, blind_index, index_id
from shared.errors import BadRequest
from shared.policies.identifiers import InvalidIdentifier, normalise_email, normalise_phone
from shared.ports.key_provider import KeyProvider
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.models import HoldIdentifiers
from shared.tenancy.models import Tenant


@dataclass(frozen=True)
class Digests:
    """kind -> digest, per key version, newest version first."""

    by_version: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def current(self) -> dict[str, str]:
        """The digests under the current version (what requests and holds record)."""
        return dict(self.by_version[0][1]) if self.by_version else {}

    @property
    def version(self) -> str | None:
        return self.by_version[0][0] if self.by_version else None

    def pairs(self) -> list[tuple[str, str]]:
        """Every (kind, digest) to look up, across versions."""
        return [(kind, d) for _, digests in self.by_version for kind, d in digests.items()]

    def index_ids(self) -> list[str]:
        return sorted({index_id(kind, d) for kind, d in self.pairs()})  # type: ignore[arg-type]


def normalised(tenant: Tenant, ids: HoldIdentifiers) -> list[tuple[IdentifierKind, str]]:
    """The identifiers as the index sees them (400 on an invalid one, never echoing it)."""
    try:
        found: list[tuple[IdentifierKind, str]] = []
        if ids.email:
            found.append(("email", normalise_email(ids.email)))
        if ids.phone:
            found.append(("phone", normalise_phone(ids.phone, tenant.defaultCountry)))
        if ids.visitorId:
            found.append(("visitor", ids.visitorId))
    except InvalidIdentifier as exc:
        raise BadRequest(f"an identifier is not valid: {exc}") from None
    return found


def identifier_digests(keys: KeyProvider, tenant: Tenant, ids: HoldIdentifiers) -> Digests:
    values = normalised(tenant, ids)
    by_version: list[tuple[str, dict[str, str]]] = []
    for v in keys.secret_versions("blind-index"):
        digests: dict[str, str] = {
            kind: blind_index(v.value, tenant.tenantId, kind, x) for kind, x in values
        }
        by_version.append((v.version, digests))
    return Digests(by_version)


@dataclass
class Matches:
    """Subject id -> the identifier kinds that found it; kinds whose entries were capped."""

    kinds: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    truncated: set[str] = field(default_factory=set)

    def add(self, subject_id: str, kind: str) -> None:
        self.kinds[subject_id].add(kind)

    @property
    def subject_ids(self) -> list[str]:
        return sorted(self.kinds)


def match_subjects(
    index: BlindIndexEntries,
    tenant: Tenant,
    pairs: list[tuple[str, str]],
    now: datetime,
    matches: Matches | None = None,
) -> Matches:
    """Look every (kind, digest) up and note which kind found which subject."""
    matches = matches or Matches()
    for kind, digest in dict.fromkeys(pairs):
        entry = index.lookup(tenant, kind, digest, now)  # type: ignore[arg-type]
        for subject_id in entry.subject_ids:
            matches.add(subject_id, kind)
        if entry.dropped:
            matches.truncated.add(kind)
    return matches


def subjects_for(
    index: BlindIndexEntries, tenant: Tenant, digests: Digests, now: datetime
) -> list[str]:
    """Every subject any digest points to (legal holds, verification after erasure)."""
    return match_subjects(index, tenant, digests.pairs(), now).subject_ids
