"""The last step of an erasure: delete what is left of each subject, then prove it is gone.

Index entries, receipts and the subject document holding the wrapped data key are deleted
(crypto-shredding); then nothing of an erased subject may still be found through the request's
identifiers or read. A request that resolved no subject is ``nothing_found``, never
``verified``: an empty result must not read as a successful erasure (a changed index key once
made it look like one).
"""

from __future__ import annotations

from typing import Any

from shared.containers import SUBJECTS
from shared.policies.holds import is_held
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Query
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.keys import SubjectKeys
from shared.subjects.resolution import match_subjects
from shared.tenancy.models import Tenant


class ErasureCheck:
    def __init__(
        self, store: DocumentStore, subjects: SubjectKeys, index: BlindIndexEntries, clock: Clock
    ) -> None:
        self._store = store
        self._subjects = subjects
        self._index = index
        self._clock = clock

    def shred_and_verify(self, tenant: Tenant, doc: dict[str, Any]) -> dict[str, Any]:
        now = self._clock.now()
        subject_ids = set(doc.get("subjectIds", []))
        held = {s for s in subject_ids if is_held(tenant.legalHolds, s, now)}
        erased = subject_ids - held
        lookups = set(doc.get("lookupIndexIds", []))
        lookups |= {f"{k}:{d}" for k, d in doc.get("identifierDigests", {}).items()}
        for sid in erased:
            subject = self._subjects.subject(tenant.tenantId, sid) or {}
            for item_id in {*subject.get("indexIds", []), *lookups}:
                self._index.unlink(tenant.tenantId, item_id, sid)
            pk = (tenant.tenantId, sid)
            rest = self._store.query(SUBJECTS.name, pk, Query(), 10_000).items
            self._store.delete_many(SUBJECTS.name, [(pk, i["id"]) for i in rest])
        readable = {
            s
            for s in erased
            if self._subjects.cipher(tenant.tenantId, s) is not None
            or self._store.query(SUBJECTS.name, (tenant.tenantId, s), Query(), 1).items
        }
        pairs = [(kind, digest) for kind, _, digest in (i.partition(":") for i in lookups)]
        found = match_subjects(self._index, tenant, pairs, now)
        readable |= erased & set(found.subject_ids)
        outcome = erasure_outcome(bool(subject_ids), bool(erased), bool(readable))
        return {
            "verified": outcome == "verified",
            "outcome": outcome,
            "subjectsErased": len(erased),
            "subjectsStillReadable": len(readable),
            "subjectsKeptUnderHold": len(held),
        }


def erasure_outcome(resolved: bool, erased: bool, readable: bool) -> str:
    """nothing_found: no subject matched; incomplete: something erased is still findable or
    readable; kept_under_hold: every match is held; verified: erased and proven gone."""
    if not resolved:
        return "nothing_found"
    if readable:
        return "incomplete"
    return "verified" if erased else "kept_under_hold"
