"""The store of data-subject requests and their one way of changing status.

Identifiers, changes, requester details and notes are sealed under a request-scoped data key;
the document keeps blind-index digests for resolution. ``update`` (and ``advance``) is the only
place a status changes, through the transition table in ``shared.dsar.lifecycle``.

Nothing lives here without a bound: a finished request keeps its record ``record_days`` after
it finished, and a request sent through the widget (which anyone can send) expires, if nobody
ever finishes it, ``record_days`` after its latest possible deadline. Each write re-stamps the
time left (a Cosmos TTL restarts at every write). Before that, the tenant's ``dsrRecordDays``
after the request finished, its personal part is deleted (``shared.dsar.housekeeping``). A
stored request that no longer parses is reported to the quarantine; listings and timers skip
it, a read of it answers 409.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel

from shared.audit.quarantine import BrokenDocuments
from shared.concurrency import under_etag
from shared.containers import REQUESTS
from shared.crypto.envelope import FieldCipher
from shared.crypto.stored_keys import from_stored, new_stored_key
from shared.dsar.deadlines import DEADLINE, MAX_EXTENSION, initial_deadline, queue_key
from shared.dsar.lifecycle import CLOSED, DSAR_REQUEST, FINISHED
from shared.dsar.models import DsarCreate, DsarStatus, DsarType, DsarView
from shared.dsar.paging import decode_page, encode_page
from shared.dsar.views import render
from shared.errors import NotFound, Quarantined
from shared.lifecycle import advance
from shared.notify.outbox import NO_WAKE, Outbox
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.ports.key_provider import KeyProvider
from shared.subjects.models import HoldIdentifiers

RECORD_DAYS = 1095
Doc = dict[str, Any]
REMOVE: Any = object()
"""A field value in ``update`` that deletes the field (minimisation)."""
_PAUSED = [DsarStatus.AWAITING_REQUESTER.value]
PHASES = (
    (sorted(s.value for s in DsarStatus if s not in CLOSED and s.value not in _PAUSED), "queueKey"),
    (_PAUSED, "deadline"),
    (sorted(s.value for s in CLOSED), "deadline"),
)
"""The list's order: open requests (a child's erasure first, then by deadline, so the overdue
come first; failed ones among them, they still owe an answer), then those waiting for their
requester, apart, then closed ones."""


class _Stored(BaseModel):
    """The fields every reader of a request relies on (a document lacking them is broken)."""

    id: str
    tenantId: str
    type: DsarType
    status: DsarStatus
    source: str
    receivedAt: AwareDatetime
    deadline: AwareDatetime
    history: list[dict[str, Any]]


def record_ttl(doc: Doc, now: datetime, record_days: int = RECORD_DAYS) -> int:
    """Seconds the request's record has left (-1: an operator's open request, kept until it
    finishes)."""
    record = timedelta(days=record_days)
    if doc.get("finishedAt"):
        end = datetime.fromisoformat(doc["finishedAt"]) + record
    elif doc.get("source") == "widget":
        latest = datetime.fromisoformat(doc["receivedAt"]) + DEADLINE + MAX_EXTENSION
        if doc.get("deadline"):  # paused time moved it
            latest = max(latest, datetime.fromisoformat(doc["deadline"]))
        end = latest + record
    else:
        return -1
    return max(1, math.ceil((end - now).total_seconds()))


class DsarRequests:
    def __init__(
        self,
        store: DocumentStore,
        keys: KeyProvider,
        clock: Clock,
        record_days: int = RECORD_DAYS,
        broken: BrokenDocuments | None = None,
        outbox: Outbox = NO_WAKE,
    ) -> None:
        self._store = store
        self._keys = keys
        self._clock = clock
        self._record_days = record_days
        self._broken = broken
        self._outbox = outbox

    def _readable(self, doc: Doc) -> bool:
        try:
            _Stored.model_validate(doc)
        except ValueError as exc:
            if self._broken is not None:
                self._broken.report(REQUESTS.name, doc, exc)
            return False
        return True

    def register(
        self, tenant_id: str, cmd: DsarCreate, digests: dict[str, str], key_version: str | None,
        actor: str,
    ) -> Doc:
        now = self._clock.now()
        request_id = f"dsar-{uuid.uuid4().hex}"
        data_key, wrapped = new_stored_key(self._keys)
        sealed = FieldCipher(data_key, tenant_id, request_id).encrypt_fields(
            request_id,
            {
                "identifiers": cmd.identifiers.model_dump_json(exclude_none=True),
                "changes": cmd.changes.model_dump_json(exclude_none=True) if cmd.changes else None,
                "requester": cmd.requester,
                "notes": cmd.notes,
            },
        )
        doc = {
            "id": request_id, "tenantId": tenant_id, "kind": "dsar", "type": cmd.type.value,
            "status": DSAR_REQUEST.initial.value, "source": "admin", "startedBy": actor,
            "receivedAt": now.isoformat(),
            "deadline": initial_deadline(now, cmd.reason).isoformat(),
            "identifierDigests": digests, "identifierKeyVersion": key_version, "subjectIds": [],
            "reason": cmd.reason, "purposes": cmd.purposes, "ttl": -1, "enc": sealed,
            "dataKey": wrapped,
            "orchestrated": True,  # an operator's request starts its orchestration at once
            "history": [
                {
                    "at": now.isoformat(),
                    "status": DSAR_REQUEST.initial.value,
                    "actor": actor,
                    "reason": "registered by an operator",
                }
            ],
        }
        return self.write(None, doc | {"queueKey": queue_key(doc)})

    def write(self, before: Doc | None, after: Doc) -> Doc:
        """The one write of a request, with its events in the same batch (shared.notify)."""
        return self._outbox.write_request(self._store, before, after, self._clock.now())

    def get(self, tenant_id: str, request_id: str) -> Doc:
        try:
            doc = self._store.read(REQUESTS.name, (tenant_id,), request_id)
        except ItemNotFound:
            raise NotFound("no such request") from None
        if doc.get("kind") != "dsar":
            raise NotFound("no such request")
        if not self._readable(doc):
            raise Quarantined("this request's stored record cannot be read; it is quarantined")
        return doc

    def update(
        self,
        tenant_id: str,
        request_id: str,
        fields: Doc | Callable[[Doc], Doc],
        to: DsarStatus | None = None,
        reason: str = "",
        actor: str | None = None,
        guard: Callable[[Doc], None] | None = None,
    ) -> Doc:
        """Set fields (``REMOVE`` deletes one) and, with ``to``, move the status (checked
        against the table). ``fields`` may be computed from the document each attempt reads.

        ``guard`` sees the document each attempt writes over and may refuse (raise): a write
        decided on a state that changed meanwhile is re-checked, never applied blindly."""

        def attempt() -> Doc:
            doc = self.get(tenant_id, request_id)
            if guard is not None:
                guard(doc)
            values = fields(doc) if callable(fields) else fields
            return self.write(doc, self._changed(doc, values, to, reason, actor))

        return under_etag(attempt, what="the request")

    def _changed(
        self, doc: Doc, fields: Doc, to: DsarStatus | None, reason: str, actor: str | None
    ) -> Doc:
        now = self._clock.now()
        changed = {k: v for k, v in (doc | fields).items() if v is not REMOVE}
        if to is not None:
            advance(DSAR_REQUEST, doc["status"], to)
            entry = {"at": now.isoformat(), "status": to.value, "reason": reason, "actor": actor}
            changed |= {"status": to.value, "history": [*doc["history"], entry]}
            if to in FINISHED:
                changed["finishedAt"] = now.isoformat()
            else:  # a retried request is open again
                changed.pop("finishedAt", None)
        changed["queueKey"] = queue_key(changed)
        changed["ttl"] = record_ttl(changed, now, self._record_days)
        return changed

    def advance(
        self,
        tenant_id: str,
        request_id: str,
        to: DsarStatus,
        reason: str,
        actor: str | None = None,
        **fields: Any,
    ) -> Doc:
        return self.update(tenant_id, request_id, fields, to, reason, actor)

    def _cipher(self, doc: Doc) -> FieldCipher:
        meta = doc["dataKey"]
        key = self._keys.unwrap_key(from_stored(meta))
        return FieldCipher(key, doc["tenantId"], doc["id"])

    def sealed(self, doc: Doc, name: str) -> Any:
        """A sealed field (identifiers, changes, notes) decrypted, for the step that needs it;
        None once the record was minimised."""
        token = doc.get("enc", {}).get(name)
        if token is None or "dataKey" not in doc:
            return None
        plain = self._cipher(doc).decrypt(doc["id"], name, token)
        return json.loads(plain) if name in ("identifiers", "changes") else plain

    def seal(self, doc: Doc, name: str, value: str | None) -> Doc:
        """The document's sealed fields with ``name`` set to ``value`` (sealed); unchanged for
        None. Computed from the document an ``update`` attempt read."""
        sealed = dict(doc.get("enc", {}))
        if value is not None:
            sealed[name] = self._cipher(doc).encrypt(doc["id"], name, value)
        return sealed

    def identifiers(self, doc: Doc) -> HoldIdentifiers:
        """The request's identifiers, unsealed: an operator's request seals them as one JSON
        field, a visitor's (through the widget) as separate fields."""
        if doc.get("source") == "widget":
            return HoldIdentifiers(
                email=self.sealed(doc, "email"),
                phone=self.sealed(doc, "phone"),
                visitorId=self.sealed(doc, "visitorId"),
            )
        return HoldIdentifiers.model_validate(self.sealed(doc, "identifiers") or {})

    def every(self, tenant_id: str) -> list[Doc]:
        """Every readable request of the tenant (a broken one is reported and skipped)."""
        items: list[Doc] = []
        continuation: str | None = None
        while True:
            page = self._store.query(REQUESTS.name, (tenant_id,), Query(), 500, continuation)
            items += [d for d in page.items if d.get("kind") == "dsar" and self._readable(d)]
            continuation = page.continuation
            if not continuation:
                return items

    def page(
        self, tenant_id: str, limit: int, continuation: str | None
    ) -> tuple[list[Doc], str | None]:
        """The list in ``PHASES`` order, one page at a time."""
        phase, inner = decode_page(continuation, len(PHASES)) if continuation else (0, None)
        items: list[Doc] = []
        while phase < len(PHASES) and len(items) < limit:
            statuses, order = PHASES[phase]
            query = Query(
                filters=[Filter("kind", "=", "dsar"), Filter("status", "in", statuses)],
                order_by=order,
            )
            found = self._store.query(
                REQUESTS.name, (tenant_id,), query, limit - len(items), inner
            )
            items += [d for d in found.items if self._readable(d)]
            inner = found.continuation
            if inner is None:
                phase += 1
        return items, None if phase >= len(PHASES) else encode_page(phase, inner)

    def view(self, doc: Doc, now: datetime | None = None) -> DsarView:
        return render(doc, now or self._clock.now())
