"""Stored control documents that no longer parse: reported once, listed, skipped by timers.

A tenant's settings (or a privacy request) that fails its own model must not take every
timer of the stamp down with it, nor answer 500 forever. The reader that meets such a document
hands it here: one record per document version in the stamp's ``maintenance`` container
(partition ``_quarantine``), one warning log line and one entry in the platform's audit trail,
all with ids, container and field paths only (never a value: a broken field may hold anything).
Timers skip the document; admin reads of it answer 409 ``…/quarantined``; a Platform.Admin
sees the list (``GET /api/v1/quarantine``, and a count in ``/api/v1/health``). A document that
parses again (repaired by a PATCH) leaves the list.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from pydantic import ValidationError

from shared.audit.control import ControlAudit
from shared.containers import MAINTENANCE
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Item, NotFound, Query

log = logging.getLogger("shared.quarantine")


class BrokenDocuments(Protocol):
    """Where a reader reports a stored document that does not parse (``Quarantine``)."""

    def report(self, container: str, doc: Item, error: Exception) -> None: ...

    def resolve(self, container: str, doc_id: str) -> None: ...


PARTITION = "_quarantine"
SYSTEM_ACTOR = "system:quarantine"
MAX_LISTED = 500


def problems(error: Exception) -> list[str]:
    """Where the document is broken: JSON pointers of the failing fields, no values."""
    if isinstance(error, ValidationError):
        paths = {"/" + "/".join(str(p) for p in e["loc"]) for e in error.errors()}
        return sorted(paths)[:20]
    return [f"({type(error).__name__})"]


class Quarantine:
    def __init__(self, store: DocumentStore, clock: Clock, audit: ControlAudit) -> None:
        self._store = store
        self._clock = clock
        self._audit = audit

    def report(self, container: str, doc: Item, error: Exception) -> None:
        """Record that ``doc`` does not parse (once per stored version of it)."""
        record_id = f"{container}:{doc.get('id')}"
        try:
            known: Item | None = self._store.read(MAINTENANCE.name, (PARTITION,), record_id)
        except NotFound:
            known = None
        if known is not None and known.get("documentEtag") == doc.get("_etag"):
            return
        now = self._clock.now().isoformat()
        owner = doc.get("tenantId") if isinstance(doc.get("tenantId"), str) else None
        paths = problems(error)
        record = {
            "id": record_id,
            "tenantId": PARTITION,
            "kind": "quarantine",
            "container": container,
            "documentId": str(doc.get("id")),
            "ownerTenantId": owner,
            "problems": paths,
            "documentEtag": doc.get("_etag"),
            "firstSeenAt": (known or {}).get("firstSeenAt", now),
            "lastSeenAt": now,
        }
        self._store.upsert(MAINTENANCE.name, record)
        details = {"container": container, "tenantId": owner, "problems": paths}
        self._audit.platform(SYSTEM_ACTOR, "document.quarantined", record["documentId"], details)
        log.warning(
            "stored document quarantined",
            extra={"container": container, "documentId": record["documentId"], "tenantId": owner},
        )

    def resolve(self, container: str, doc_id: str) -> None:
        """The document parses again (repaired): it leaves the list."""
        try:
            self._store.delete(MAINTENANCE.name, (PARTITION,), f"{container}:{doc_id}")
        except NotFound:
            return
        self._audit.platform(SYSTEM_ACTOR, "document.released", doc_id, {"container": container})

    def listing(self) -> list[dict[str, Any]]:
        query = Query(filters=[Filter("kind", "=", "quarantine")], order_by="firstSeenAt")
        page = self._store.query(MAINTENANCE.name, (PARTITION,), query, MAX_LISTED)
        keep = ("container", "documentId", "ownerTenantId", "problems", "firstSeenAt",
                "lastSeenAt")
        return [{k: item.get(k) for k in keep} for item in page.items]
