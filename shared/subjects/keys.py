"""Each subject's data key: created on first sight, wrapped by the region's KEK, kept with the
subject, and unwrapped through a bounded cache (Key Vault calls are slow and rate-limited).

Erasing the subject document destroys the only wrapped copy of the key (crypto-shredding).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from shared.concurrency import update_item
from shared.containers import SUBJECTS
from shared.crypto.envelope import FieldCipher
from shared.crypto.stored_keys import from_stored, new_stored_key
from shared.ports.clock import Clock
from shared.ports.document_store import (
    Conflict,
    DocumentStore,
    NotFound,
    PatchOp,
)
from shared.ports.key_provider import KeyProvider

SUBJECT_DOC_ID = "subject"
BEHAVIOUR_PURPOSE = "analytics"
"""The consent purpose behaviour collection depends on: withdrawn, nothing is collected."""


def consent_withdrawn(doc: dict[str, Any] | None, purpose: str) -> bool:
    return (doc or {}).get("consents", {}).get(purpose, {}).get("granted") is False


def restricted(doc: dict[str, Any] | None) -> bool:
    """A restricted or objecting subject: nothing of theirs is stored."""
    flags = (doc or {}).get("flags", {})
    return bool(flags.get("restricted") or flags.get("objected"))


def subject_pk(tenant_id: str, subject_id: str) -> tuple[str, str]:
    return (tenant_id, subject_id)


class SubjectKeys:
    def __init__(
        self, store: DocumentStore, keys: KeyProvider, clock: Clock, cache_size: int = 10_000
    ) -> None:
        self._store = store
        self._keys = keys
        self._clock = clock
        self._cache: OrderedDict[bytes, bytes] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def subject(self, tenant_id: str, subject_id: str) -> dict[str, Any] | None:
        try:
            return self._store.read(
                SUBJECTS.name, subject_pk(tenant_id, subject_id), SUBJECT_DOC_ID
            )
        except NotFound:
            return None

    def cipher(self, tenant_id: str, subject_id: str) -> FieldCipher | None:
        """The subject's cipher, or None when the subject (and so its key) does not exist."""
        doc = self.subject(tenant_id, subject_id)
        return self._cipher_from(doc) if doc else None

    def cipher_for(self, doc: dict[str, Any]) -> FieldCipher:
        """The cipher of a subject document already read (saves the second read)."""
        return self._cipher_from(doc)

    def create(self, tenant_id: str, subject_id: str, **fields: Any) -> dict[str, Any]:
        """Create the subject document with a fresh wrapped data key (Conflict if it exists).
        ``fields`` adds what the creator knows (the visitor-secret hash, the id's key version).
        """
        _, wrapped = new_stored_key(self._keys)
        doc = {
            "id": SUBJECT_DOC_ID,
            "tenantId": tenant_id,
            "subjectId": subject_id,
            "type": "subject",
            "createdAt": self._clock.now().isoformat(),
            "ttl": -1,
            "flags": {"restricted": False, "objected": False},
            "indexIds": [],
            "dataKey": wrapped,
            **fields,
        }
        return self._store.create(SUBJECTS.name, doc)

    def cipher_or_create(
        self, tenant_id: str, subject_id: str
    ) -> tuple[FieldCipher, dict[str, Any], bool]:
        """The subject's cipher and document, creating both on first sight; True when created."""
        doc = self.subject(tenant_id, subject_id)
        created = False
        if doc is None:
            try:
                doc = self.create(tenant_id, subject_id)
                created = True
            except Conflict:
                doc = self._store.read(
                    SUBJECTS.name, subject_pk(tenant_id, subject_id), SUBJECT_DOC_ID
                )
        return self._cipher_from(doc), doc, created

    def record_consents(
        self, tenant_id: str, subject_id: str, purposes: dict[str, bool], at: str
    ) -> None:
        """Keep the latest choice per purpose on the subject (older messages never win), so
        ingest can honour a withdrawal without reading the consent history."""

        def latest(doc: dict[str, Any]) -> dict[str, Any]:
            current = dict(doc.get("consents", {}))
            for purpose, granted in purposes.items():
                if current.get(purpose, {}).get("at", "") <= at:
                    current[purpose] = {"granted": granted, "at": at}
            return {"consents": current}

        pk = subject_pk(tenant_id, subject_id)
        update_item(self._store, SUBJECTS.name, pk, SUBJECT_DOC_ID, latest, what="consent state")

    def remember_index(
        self, tenant_id: str, subject_id: str, index_item_id: str, known: dict[str, Any]
    ) -> None:
        """Note a blind-index entry on the subject, so erasure finds every entry to remove;
        ``known`` (the subject as last read) saves the write when the entry is noted already."""
        if index_item_id in known.get("indexIds", []):
            return
        self._store.patch(
            SUBJECTS.name,
            subject_pk(tenant_id, subject_id),
            SUBJECT_DOC_ID,
            [PatchOp("add", "/indexIds/-", index_item_id)],
        )
        known.setdefault("indexIds", []).append(index_item_id)

    def _cipher_from(self, doc: dict[str, Any]) -> FieldCipher:
        stored = from_stored(doc["dataKey"])
        wrapped = stored.wrapped
        with self._lock:
            data_key = self._cache.get(wrapped)
            if data_key is not None:
                self._cache.move_to_end(wrapped)
        if data_key is None:
            data_key = self._keys.unwrap_key(stored)
            with self._lock:
                self._cache[wrapped] = data_key
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return FieldCipher(data_key, doc["tenantId"], doc["subjectId"])
