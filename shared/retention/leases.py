"""A lease per tenant: one run at a time does a tenant's long work (the offboarding timer's).

The timer and a manual ``POST /admin/functions/advance_offboarding`` may run at once, on one
instance or two; without a lease both would purge the same tenant, each counting what it saw,
and the certificate would keep whichever wrote last. The lease is a document in the tenant's
``maintenance`` partition: taken by creating it, or by replacing it under its ETag once its
``until`` has passed; a run that finds it held leaves the tenant for the next run.

The holder's every write to the lease is conditional on the ETag of its previous write, which
renews it: while it holds the lease no one else writes the document, so the condition holds; if
it stalled past ``until`` and another run took over, its next write fails (``LeaseLost``) and it
stops before doing anything more. The lease also carries the work's progress (``state``), so
progress is saved only by the holder, in the same fenced write.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.containers import MAINTENANCE
from shared.ports.clock import Clock
from shared.ports.document_store import (
    Conflict,
    DocumentStore,
    Item,
    NotFound,
    PreconditionFailed,
)

LEASE = timedelta(minutes=10)
"""Longer than any run lives (host.json ``functionTimeout`` is 5 minutes, a test keeps it
shorter), and renewed at every save: a live holder never loses it, a dead one frees the tenant
within ten minutes (the timer runs every ten)."""


class LeaseLost(Exception):
    """Another run took the tenant over after this run's lease ran out: stop, change nothing."""


class Lease:
    """A held lease: ``state`` is the holder's saved progress (None: nothing saved yet)."""

    def __init__(self, store: DocumentStore, clock: Clock, doc: Item) -> None:
        self._store = store
        self._clock = clock
        self._doc = doc
        self.state: dict[str, Any] | None = doc.get("state")

    def save(self, state: dict[str, Any] | None) -> None:
        """Save progress and renew the lease; ``LeaseLost`` if another run holds it now."""
        until = (self._clock.now() + LEASE).isoformat()
        self._doc = self._write(self._doc | {"state": state, "until": until})
        self.state = state

    def renew(self) -> None:
        """Check the lease is still this run's (and extend it) before a write elsewhere."""
        self.save(self.state)

    def release(self) -> None:
        """Free the tenant for the next run, keeping the saved progress (a lost lease is
        already someone else's: nothing to free)."""
        with contextlib.suppress(LeaseLost):
            self._write(self._doc | {"state": self.state, "until": None})

    def end(self) -> None:
        """The work is finished for good: the lease document goes."""
        with contextlib.suppress(NotFound, PreconditionFailed):
            self._store.delete(
                MAINTENANCE.name, (self._doc["tenantId"],), self._doc["id"],
                if_match=self._doc["_etag"],
            )
        self._doc = self._doc | {"_etag": "ended"}  # a later release writes nothing

    def _write(self, doc: Item) -> Item:
        try:
            return self._store.replace(MAINTENANCE.name, doc, if_match=self._doc["_etag"])
        except (PreconditionFailed, NotFound):
            raise LeaseLost("another run holds this tenant now") from None


class Leases:
    """Leases named ``name`` (one kind of work), one per tenant."""

    def __init__(self, store: DocumentStore, clock: Clock, name: str) -> None:
        self._store = store
        self._clock = clock
        self._id = f"lease-{name}"

    def acquire(self, tenant_id: str) -> Lease | None:
        """The tenant's lease for this run, or None while another run holds it."""
        now = self._clock.now()
        try:
            doc: Item | None = self._store.read(MAINTENANCE.name, (tenant_id,), self._id)
        except NotFound:
            doc = None
        if doc is not None and doc.get("until") and datetime.fromisoformat(doc["until"]) > now:
            return None
        held = (doc or {"id": self._id, "tenantId": tenant_id, "state": None}) | {
            "holder": f"run-{uuid.uuid4().hex[:16]}",
            "since": now.isoformat(),
            "until": (now + LEASE).isoformat(),
        }
        try:
            if doc is None:
                stored = self._store.create(MAINTENANCE.name, held)
            else:
                stored = self._store.replace(MAINTENANCE.name, held, if_match=doc["_etag"])
        except (Conflict, PreconditionFailed):
            return None  # another run took it between the read and the write
        return Lease(self._store, self._clock, stored)
