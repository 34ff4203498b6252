"""The transactional outbox: an event is written in the same batch as the change it reports.

A change that must be told (a request received, a breach notice created …) writes its event
document beside the changed document, in the same logical partition and the same transactional
batch: both are stored or neither is, so a crash can neither lose an event nor invent one. The
writer then wakes the dispatcher through a queue; that wake-up is best effort (the dispatcher's
timer finds any outbox document whose wake-up was lost). An event carries ids, counts and
dates only.

Outbox documents live in the containers of the changes: ``privacy_requests`` and
``notifications`` (region store), ``incidents``, ``subprocessor_changes`` and
``authority_requests`` (directory); a
tenant's offboarding event rides inside the tenant document itself (``outbox`` list), the
``tenants`` container holding nothing but tenants.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from shared.ports.document_store import BatchFailed, BatchOp, DocumentStore, Item
from shared.ports.message_bus import MessageBus, OutgoingMessage

log = logging.getLogger("shared.notify")
DOC_TYPE = "outbox"
KEEP = timedelta(days=30)
"""An outbox document not relayed within this expires (TTL containers): a stale event is noise."""
Audience = Literal["tenant", "tenants", "region", "oncall"]
"""``tenant``: the ``target``; ``tenants``: each of ``targets`` (one event for many tenants, so
a change concerning hundreds still writes one batch); ``region``: every tenant of the region."""
PK_FIELDS = {
    "privacy_requests": "tenantId",
    "notifications": "tenantId",
    "tenants": "tenantId",
    "incidents": "incidentId",
    "subprocessor_changes": "changeId",
    "authority_requests": "requestId",
}
"""The containers that keep outbox events, and the field their partition key reads."""


def new_event_id() -> str:
    """The event's id: the ``webhook-id`` of every delivery attempt of it."""
    return f"evt_{uuid.uuid4().hex}"


def event_doc(
    event: str,
    data: dict[str, Any],
    now: datetime,
    partition: dict[str, str],
    *,
    audience: Audience = "tenant",
    target: str | None = None,
    targets: Sequence[str] = (),
) -> Item:
    """An outbox document for ``partition`` (the changed document's partition key fields)."""
    event_id = new_event_id()
    return partition | ({"targets": list(targets)} if audience == "tenants" else {}) | {
        "id": f"outbox-{event_id}",
        "docType": DOC_TYPE,
        "event": event,
        "eventId": event_id,
        "audience": audience,
        "target": target,
        "occurredAt": now.isoformat(),
        "data": data,
        "ttl": int(KEEP.total_seconds()),
    }


def write_with_events(
    store: DocumentStore,
    container: str,
    pk: tuple[str, ...],
    before: Item | None,
    after: Item,
    events: list[Item],
) -> Item:
    """``after`` (created when ``before`` is None, else replacing it under its ETag) and its
    events in one transactional batch.

    A lost race of the change itself surfaces as the store's own error (PreconditionFailed,
    Conflict), so ``under_etag`` and create-once callers behave as with a plain write."""
    if before is None:
        change = BatchOp("create", item=after)
    else:
        change = BatchOp("replace", item=after, if_match=before["_etag"])
    if not events:
        if before is None:
            return store.create(container, after)
        return store.replace(container, after, if_match=before["_etag"])
    try:
        results = store.batch(container, pk, [change, *(BatchOp("create", item=e) for e in events)])
    except BatchFailed as exc:
        if exc.index == 0:
            raise exc.cause from None
        raise
    item = results[0].item
    assert item is not None
    return item


@dataclass(frozen=True)
class OutboxRef:
    """Where an outbox event waits: what a wake-up message carries (no content)."""

    container: str
    pk: tuple[str, ...]
    id: str

    def encode(self) -> bytes:
        ref = {"container": self.container, "pk": list(self.pk), "id": self.id}
        return json.dumps(ref).encode()

    @classmethod
    def decode(cls, body: bytes) -> OutboxRef:
        raw = json.loads(body)
        return cls(str(raw["container"]), tuple(str(p) for p in raw["pk"]), str(raw["id"]))


class Outbox:
    """Wakes the dispatcher after an outbox write (best effort: the backstop timer relays
    whatever a lost wake-up left behind)."""

    def __init__(self, bus: MessageBus | None, queue: str) -> None:
        self._bus = bus
        self._queue = queue

    def wake(self, refs: Sequence[OutboxRef]) -> None:
        if self._bus is None or not refs:
            return
        messages = [OutgoingMessage(r.encode(), f"wake-{r.id}", "application/json") for r in refs]
        try:
            self._bus.send(self._queue, messages)
        except Exception as exc:  # the event is stored: the timer will relay it
            log.warning("outbox wake-up not sent", extra={"error": type(exc).__name__})

    def written(self, container: str, events: Sequence[Item]) -> None:
        """Wake the dispatcher for ``events`` just written to ``container``."""
        key = PK_FIELDS[container]
        self.wake([OutboxRef(container, (e[key],), e["id"]) for e in events])

    def write(
        self,
        store: DocumentStore,
        container: str,
        before: Item | None,
        after: Item,
        events: list[Item],
    ) -> Item:
        """``write_with_events``, then wake the dispatcher."""
        pk = (after[PK_FIELDS[container]],)
        stored = write_with_events(store, container, pk, before, after, events)
        self.written(container, events)
        return stored

    def write_request(
        self, store: DocumentStore, before: Item | None, after: Item, now: datetime
    ) -> Item:
        """A DSAR request's write (``DsarRequests.write``) with the events it raises."""
        from shared.notify.events import events_for_dsar  # events build on this module

        events = events_for_dsar(before, after, now)
        return self.write(store, "privacy_requests", before, after, events)


NO_WAKE = Outbox(None, "")
"""For writers built without a bus (tests of one capability): the timer relays."""
