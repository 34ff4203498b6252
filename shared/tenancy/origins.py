"""The origin index: which tenants list a web origin, so a CORS preflight (which carries no
widget key) is answered for origins some tenant of this stamp allows, and for no other."""

from __future__ import annotations

import hashlib

from shared.concurrency import under_etag
from shared.containers import ORIGINS
from shared.ports.document_store import Conflict, DocumentStore, NotFound, PreconditionFailed


def origin_hash(origin: str) -> str:
    return hashlib.sha256(origin.lower().rstrip("/").encode()).hexdigest()


class OriginIndex:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def known(self, origin: str) -> bool:
        digest = origin_hash(origin)
        try:
            return bool(self._store.read(ORIGINS.name, (digest,), digest).get("tenantIds"))
        except NotFound:
            return False

    def link(self, origin: str, tenant_id: str, add: bool) -> None:
        """Add the tenant to the origin's list (or remove it), under the entry's ETag."""
        digest = origin_hash(origin)

        def attempt() -> None:
            try:
                doc = self._store.read(ORIGINS.name, (digest,), digest)
                etag: str | None = doc["_etag"]
            except NotFound:
                doc, etag = {"id": digest, "originHash": digest, "tenantIds": []}, None
            ids = set(doc["tenantIds"])
            ids = ids | {tenant_id} if add else ids - {tenant_id}
            doc["tenantIds"] = sorted(ids)
            if etag is None:
                self._store.create(ORIGINS.name, doc)
            else:
                self._store.replace(ORIGINS.name, doc, if_match=etag)

        under_etag(attempt, what="the origin index", retry_on=(PreconditionFailed, Conflict))
