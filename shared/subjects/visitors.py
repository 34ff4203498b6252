"""A visitor id is not a password: each visitor's subject is bound to the widget's secret.

The subject id is an HMAC of the visitor id under one version of the region's index key. Look-ups
try the current version first and then the older ones still readable, so a visitor first seen
under an older version keeps its subject (never a second one for the same visitor); such
aliases are remembered in a small per-instance cache so the hot path stays at one read.

The first call naming a visitor id binds the secret it carries: the subject document is created
(or, for a subject made before secrets existed, replaced under its ETag) with only a keyed hash
of the secret, naming the key version of that hash. Two first calls racing with different
secrets both try to create or replace the same document; exactly one succeeds, the other
re-reads and is refused. Every later call is compared in constant time. Nothing of a refused
call is stored: the refusal comes before anything is enqueued.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from hmac import compare_digest
from typing import Any

from shared.concurrency import under_etag
from shared.containers import SUBJECTS
from shared.crypto.blind_index import subject_id_for_visitor, visitor_secret_hash
from shared.errors import VisitorMismatch
from shared.ports.document_store import Conflict, DocumentStore, NotFound, PreconditionFailed
from shared.ports.key_provider import KeyProvider, current_secret
from shared.subjects.keys import SubjectKeys

REFUSAL = "this visitor id belongs to another visitor secret; nothing was stored"


@dataclass(frozen=True)
class Candidate:
    key_version: str
    subject_id: str


@dataclass(frozen=True)
class VisitorSubject:
    subject_id: str
    key_version: str
    doc: dict[str, Any] | None
    """The subject document, None when the visitor has never been seen."""


class VisitorBinding:
    def __init__(
        self,
        store: DocumentStore,
        keys: KeyProvider,
        subjects: SubjectKeys,
        alias_cache_size: int = 10_000,
    ) -> None:
        self._store = store
        self._keys = keys
        self._subjects = subjects
        self._aliases: OrderedDict[tuple[str, str], Candidate] = OrderedDict()
        self._cache_size = alias_cache_size
        self._lock = threading.Lock()

    def candidates(self, tenant_id: str, visitor_id: str) -> list[Candidate]:
        """The subject id the visitor has under each readable key version, current first."""
        return [
            Candidate(v.version, subject_id_for_visitor(v.value, tenant_id, visitor_id))
            for v in self._keys.secret_versions("blind-index")
        ]

    def find(self, tenant_id: str, visitor_id: str) -> VisitorSubject:
        """The visitor's existing subject under any readable version, else the current id."""
        candidates = self.candidates(tenant_id, visitor_id)
        alias = self._alias(tenant_id, candidates[0].subject_id)
        if alias is not None:
            doc = self._subjects.subject(tenant_id, alias.subject_id)
            if doc is not None:
                return VisitorSubject(alias.subject_id, alias.key_version, doc)
            self._forget(tenant_id, candidates[0].subject_id)  # erased meanwhile
        for position, candidate in enumerate(candidates):
            doc = self._subjects.subject(tenant_id, candidate.subject_id)
            if doc is not None:
                if position:
                    self._remember(tenant_id, candidates[0].subject_id, candidate)
                return VisitorSubject(candidate.subject_id, candidate.key_version, doc)
        return VisitorSubject(candidates[0].subject_id, candidates[0].key_version, None)

    def admit(self, tenant_id: str, visitor_id: str, secret: str | None) -> VisitorSubject:
        """The visitor's subject once its secret is checked or bound; VisitorMismatch (403)
        when the visitor id is bound to another secret or the call carries none."""
        if not secret:
            raise VisitorMismatch(REFUSAL)

        def attempt() -> VisitorSubject:
            found = self.find(tenant_id, visitor_id)
            if found.doc is None:
                return self._bind_new(tenant_id, found, secret)
            bound = found.doc.get("visitorSecret")
            if bound is None:
                return self._bind_existing(tenant_id, found, secret)
            self._check(tenant_id, found.subject_id, bound, secret)
            return found

        # another first call may get there first: then read again and compare
        return under_etag(
            attempt, what="the visitor", retry_on=(Conflict, PreconditionFailed, NotFound)
        )

    def _hash(self, tenant_id: str, subject_id: str, secret: str) -> dict[str, str]:
        key = current_secret(self._keys, "blind-index")
        digest = visitor_secret_hash(key.value, tenant_id, subject_id, secret)
        return {"keyVersion": key.version, "hmac": digest}

    def _bind_new(self, tenant_id: str, found: VisitorSubject, secret: str) -> VisitorSubject:
        doc = self._subjects.create(
            tenant_id,
            found.subject_id,
            idKeyVersion=found.key_version,
            visitorSecret=self._hash(tenant_id, found.subject_id, secret),
        )
        return VisitorSubject(found.subject_id, found.key_version, doc)

    def _bind_existing(self, tenant_id: str, found: VisitorSubject, secret: str) -> VisitorSubject:
        """A subject made before secrets existed (or by a request before any widget call)."""
        assert found.doc is not None
        fields = {k: v for k, v in found.doc.items() if not k.startswith("_")}
        fields["visitorSecret"] = self._hash(tenant_id, found.subject_id, secret)
        fields.setdefault("idKeyVersion", found.key_version)
        doc = self._store.replace(SUBJECTS.name, fields, if_match=found.doc["_etag"])
        return VisitorSubject(found.subject_id, found.key_version, doc)

    def _check(self, tenant_id: str, subject_id: str, bound: dict[str, str], secret: str) -> None:
        key = self._keys.secret_version("blind-index", bound["keyVersion"])
        presented = visitor_secret_hash(key, tenant_id, subject_id, secret)
        if not compare_digest(presented.encode(), bound["hmac"].encode()):
            raise VisitorMismatch(REFUSAL)

    # -- aliases: visitors whose subject id comes from an older key version ------------------

    def _alias(self, tenant_id: str, current_id: str) -> Candidate | None:
        with self._lock:
            alias = self._aliases.get((tenant_id, current_id))
            if alias is not None:
                self._aliases.move_to_end((tenant_id, current_id))
            return alias

    def _remember(self, tenant_id: str, current_id: str, candidate: Candidate) -> None:
        with self._lock:
            self._aliases[(tenant_id, current_id)] = candidate
            while len(self._aliases) > self._cache_size:
                self._aliases.popitem(last=False)

    def _forget(self, tenant_id: str, current_id: str) -> None:
        with self._lock:
            self._aliases.pop((tenant_id, current_id), None)
