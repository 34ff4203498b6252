"""Key rotation: re-wrap every data key to the KEK's newest version, in bounded resumable runs.

Once no wrapped key names an old version, that version can be disabled after the backup window
(a restored backup then holds only keys wrapped by versions still available, or none at all for
erased subjects: crypto-shredding reaches backups). Each run reports how many data keys still
name an older version.

The secrets (blind-index, transit) are versioned too, but the timer only *reports* them (the
versions look-ups try, current first): nothing made with an older secret version can be redone
without the plaintext identifiers, which are never stored. Identifiers are re-indexed under the
current version as they arrive again (the ingest processor links them); a subject keeps the id
derived under the version it was first seen with, so an older blind-index version must stay
enabled while such subjects exist. Transit messages name their version and drain on their own.
"""

from __future__ import annotations

import os
from typing import Any

from shared.containers import MAINTENANCE, REQUESTS, SUBJECTS
from shared.crypto.stored_keys import from_stored, stored_form
from shared.ports.clock import Clock
from shared.ports.document_store import (
    DocumentStore,
    Filter,
    NotFound,
    PreconditionFailed,
    Query,
)
from shared.ports.key_provider import KeyProvider, KeyUnavailable, SecretName
from shared.retention.jobs import Budget
from shared.tenancy.directory import TenantDirectory

SECRET_NAMES: tuple[SecretName, ...] = ("blind-index", "transit")
STAMP = "_stamp"
POSITION = "key-rotation"
# Where wrapped data keys live: subject documents and privacy requests.
HOLDERS = ((SUBJECTS.name, "type", "subject"), (REQUESTS.name, "kind", "dsar"))


class KeyRotation:
    def __init__(
        self,
        tenants: TenantDirectory,
        store: DocumentStore,
        keys: KeyProvider,
        clock: Clock,
        region: str,
    ) -> None:
        self._tenants = tenants
        self._store = store
        self._keys = keys
        self._clock = clock
        self._region = region

    def current_key_id(self) -> str:
        """The KEK version wraps use now (learned from one wrap of a throw-away key)."""
        return self._keys.wrap_key(os.urandom(32)).key_id

    def run(self, budget: Budget) -> dict[str, Any]:
        current = self.current_key_id()
        try:
            position = self._store.read(MAINTENANCE.name, (STAMP,), POSITION)
        except NotFound:
            position = {"id": POSITION, "tenantId": STAMP, "tenant": None, "step": 0, "token": None}
        rewrapped, failed = 0, 0
        tenants = sorted(t.tenantId for t in self._tenants.in_region(self._region))
        todo = [t for t in tenants if position["tenant"] is None or t >= position["tenant"]]
        complete = True
        for tenant_id in todo:
            if position["tenant"] != tenant_id:
                position.update(tenant=tenant_id, step=0, token=None)
            while position["step"] < len(HOLDERS):
                if budget.exhausted():
                    complete = False
                    break
                container, field, value = HOLDERS[position["step"]]
                query = Query(
                    filters=[Filter(field, "=", value), Filter("dataKey.keyId", "!=", current)]
                )
                size = max(1, min(200, budget.items - budget.used))
                page = self._store.query(container, (tenant_id,), query, size, position["token"])
                for doc in page.items:
                    ok = self._rewrap(container, doc)
                    rewrapped, failed = rewrapped + ok, failed + (not ok)
                budget.used += len(page.items)
                position["token"] = page.continuation
                position["step"] += 0 if page.continuation else 1
            if not complete:
                break
        if complete:
            position.update(tenant=None, step=0, token=None)
        report = {
            "currentKeyId": current,
            "secretVersions": {
                name: [v.version for v in self._keys.secret_versions(name)] for name in SECRET_NAMES
            },
            "rewrapped": rewrapped,
            "complete": complete,
            "remainingOnOlderVersions": failed if complete else None,
        }
        position["lastRun"] = {"at": self._clock.now().isoformat(), **report}
        self._store.upsert(MAINTENANCE.name, position)
        return report

    def _rewrap(self, container: str, doc: dict[str, Any]) -> bool:
        meta = doc["dataKey"]
        old = from_stored(meta)
        try:
            fresh = self._keys.wrap_key(self._keys.unwrap_key(old))
        except KeyUnavailable:
            return False
        wrapped = stored_form(fresh)
        try:
            self._store.replace(container, doc | {"dataKey": wrapped}, if_match=doc["_etag"])
        except (PreconditionFailed, NotFound):
            return False  # changed or erased meanwhile: the next run looks again
        return True
