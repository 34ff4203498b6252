"""Blind-index entries: ``kind:hmac`` -> the subject ids that identifier belongs to."""

from __future__ import annotations

from shared.containers import INDEX
from shared.crypto.blind_index import IdentifierKind, index_id
from shared.ports.document_store import (
    Conflict,
    DocumentStore,
    NotFound,
    PreconditionFailed,
)


class BlindIndexEntries:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def link(self, tenant_id: str, kind: IdentifierKind, digest: str, subject_id: str) -> None:
        item_id = index_id(kind, digest)
        for _ in range(10):
            try:
                doc = self._store.read(INDEX.name, (tenant_id,), item_id)
            except NotFound:
                try:
                    self._store.create(
                        INDEX.name,
                        {
                            "id": item_id,
                            "tenantId": tenant_id,
                            "kind": kind,
                            "subjectIds": [subject_id],
                        },
                    )
                    return
                except Conflict:
                    continue
            if subject_id in doc["subjectIds"]:
                return
            doc["subjectIds"] = [*doc["subjectIds"], subject_id]
            try:
                self._store.replace(INDEX.name, doc, if_match=doc["_etag"])
                return
            except PreconditionFailed:
                continue
        raise RuntimeError("blind index update kept conflicting")

    def lookup(self, tenant_id: str, kind: IdentifierKind, digest: str) -> list[str]:
        try:
            return list(
                self._store.read(INDEX.name, (tenant_id,), index_id(kind, digest))["subjectIds"]
            )
        except NotFound:
            return []

    def unlink(self, tenant_id: str, item_id: str, subject_id: str) -> None:
        """Remove a subject from an entry; the entry goes when no subject is left."""
        for _ in range(10):
            try:
                doc = self._store.read(INDEX.name, (tenant_id,), item_id)
            except NotFound:
                return
            remaining = [s for s in doc["subjectIds"] if s != subject_id]
            try:
                if remaining:
                    self._store.replace(
                        INDEX.name, doc | {"subjectIds": remaining}, if_match=doc["_etag"]
                    )
                else:
                    self._store.delete(INDEX.name, (tenant_id,), item_id, if_match=doc["_etag"])
                return
            except (PreconditionFailed, NotFound):
                continue
        raise RuntimeError("blind index update kept conflicting")
