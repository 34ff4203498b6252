"""Binding an identifier to the subject that sent it: the blind-index entry, the note on the
subject (so erasure finds every entry), and the legal holds that name the identifier.

One rule for every way data arrives (the widget's queue processor, a call recording): an
identifier links only the subject that sent it, under the current index key, and a subject
found by an identifier a hold names (under any key version) joins that hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.crypto.blind_index import IdentifierKind, blind_index, index_id
from shared.ports.clock import Clock
from shared.ports.key_provider import KeyProvider, current_secret
from shared.retention.holds import adopt_subject
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.keys import SubjectKeys
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant


class IdentifierLinks:
    def __init__(
        self,
        tenants: TenantDirectory,
        index: BlindIndexEntries,
        subjects: SubjectKeys,
        keys: KeyProvider,
        clock: Clock,
    ) -> None:
        self._tenants = tenants
        self._index = index
        self._subjects = subjects
        self._keys = keys
        self._clock = clock

    def digest(self, tenant: Tenant, kind: IdentifierKind, value: str) -> tuple[str, str]:
        """(key version, digest) under the current version of the index key."""
        key = current_secret(self._keys, "blind-index")
        return key.version, blind_index(key.value, tenant.tenantId, kind, value)

    def link(
        self,
        tenant: Tenant,
        kind: IdentifierKind,
        value: str,
        subject_id: str,
        seen_at: datetime,
        doc: dict[str, Any],
    ) -> None:
        """Bind ``value`` to ``subject_id`` (and only to it); ``doc`` is the subject as read."""
        version, digest = self.digest(tenant, kind, value)
        now = self._clock.now()
        self._index.link(tenant, kind, digest, version, subject_id, seen_at, now)
        self._subjects.remember_index(tenant.tenantId, subject_id, index_id(kind, digest), doc)
        held = {h.identifierDigests.get(kind) for h in tenant.legalHolds} - {None}
        for v in self._keys.secret_versions("blind-index") if held else ():
            other = blind_index(v.value, tenant.tenantId, kind, value)  # holds of any version
            if other in held:
                adopt_subject(self._tenants, self._clock, tenant.tenantId, kind, other, subject_id)

    def link_visitor(
        self,
        tenant: Tenant,
        visitor_id: str,
        subject_id: str,
        seen_at: datetime,
        doc: dict[str, Any],
    ) -> None:
        """The visitor id is indexed under the current key version once per subject (a subject
        first indexed under an older version keeps its id and gains the entry)."""
        _, digest = self.digest(tenant, "visitor", visitor_id)
        if index_id("visitor", digest) not in doc.get("indexIds", []):
            self.link(tenant, "visitor", visitor_id, subject_id, seen_at, doc)
