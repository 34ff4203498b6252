"""Resolving a request: which subjects its identifiers found, how, and what each holds.

The request's identifiers are unsealed here (never stored in the clear) and looked up under
every readable key version; a visitor id also finds its subject by derivation, so a request
for a visitor whose data has not arrived yet still names the subject it will have. Each match
records the identifier kinds that found it, its record count and the first and last time its
records were collected: what the verifier checks, and may exclude a wrong match from
(``excluded``, kept when the request is resolved again) before anyone approves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.containers import SUBJECTS
from shared.dsar.requests import DsarRequests
from shared.policies.stored_records import record_count
from shared.ports.document_store import DocumentStore, Query
from shared.ports.key_provider import KeyProvider
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.resolution import Matches, identifier_digests, match_subjects
from shared.subjects.visitors import VisitorBinding
from shared.tenancy.models import Tenant


@dataclass(frozen=True)
class Resolution:
    matches: list[dict[str, Any]]
    """``SubjectMatch`` fields per subject, in subject order."""
    lookup_index_ids: list[str]
    """Every index entry the identifiers map to (any version): erasure unlinks and re-checks."""
    truncated: list[str]

    @property
    def subject_ids(self) -> list[str]:
        return [m["subjectRef"] for m in self.matches if not m["excluded"]]

    def fields(self) -> dict[str, Any]:
        """What the request document keeps of the resolution."""
        return {
            "subjectIds": self.subject_ids,
            "matches": self.matches,
            "matchesIncompleteFor": self.truncated,
            "lookupIndexIds": self.lookup_index_ids,
        }


class DsarMatches:
    def __init__(
        self,
        requests: DsarRequests,
        store: DocumentStore,
        keys: KeyProvider,
        index: BlindIndexEntries,
        visitors: VisitorBinding,
    ) -> None:
        self._requests = requests
        self._store = store
        self._keys = keys
        self._index = index
        self._visitors = visitors

    def resolve(self, tenant: Tenant, doc: dict[str, Any], now: datetime) -> Resolution:
        ids = self._requests.identifiers(doc)
        digests = identifier_digests(self._keys, tenant, ids)
        stored = list(doc.get("identifierDigests", {}).items())  # recorded at registration
        matches = match_subjects(self._index, tenant, digests.pairs() + stored, now)
        if ids.visitorId:
            matches.add(self._visitors.find(tenant.tenantId, ids.visitorId).subject_id, "visitor")
        for subject_id in doc.get("subjectHints", []):  # recorded by earlier releases
            matches.add(subject_id, "visitor")
        previous = {m["subjectRef"]: m for m in doc.get("matches") or []}
        return Resolution(
            [self._match(tenant.tenantId, sid, matches, previous) for sid in matches.subject_ids],
            sorted(set(digests.index_ids()) | {f"{k}:{d}" for k, d in stored}),
            sorted(matches.truncated),
        )

    def _match(
        self, tenant_id: str, subject_id: str, matches: Matches, previous: dict[str, Any]
    ) -> dict[str, Any]:
        records, first, last = self._stats(tenant_id, subject_id)
        before = previous.get(subject_id, {})
        return {
            "subjectRef": subject_id,
            "matchedBy": sorted(matches.kinds[subject_id]),
            "records": records,
            "firstSeen": first,
            "lastSeen": last,
            "excluded": bool(before.get("excluded", False)),
            "exclusionReason": before.get("exclusionReason"),
        }

    def _stats(self, tenant_id: str, subject_id: str) -> tuple[int, str | None, str | None]:
        """Records of the subject, and the first and last time one was collected."""
        records, times = 0, []
        token: str | None = None
        while True:
            page = self._store.query(SUBJECTS.name, (tenant_id, subject_id), Query(), 1000, token)
            for item in page.items:
                if item.get("category"):
                    records += record_count(item)
                    times.append(datetime.fromisoformat(item["createdAt"]))
            token = page.continuation
            if not token:
                break
        if not times:
            return 0, None, None
        return records, min(times).isoformat(), max(times).isoformat()
