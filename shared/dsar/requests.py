"""The store of data-subject requests and their one way of changing status.

Identifiers, changes and notes are sealed under a request-scoped data key; the document keeps
blind-index digests for resolution. ``advance`` is the only place a status changes, through the
transition table in ``shared.dsar.lifecycle``.

Nothing lives here without a bound: a finished request keeps its record ``record_days`` after
it finished, and a request sent through the widget (which anyone can send) expires, if nobody
ever finishes it, ``record_days`` after its latest possible deadline. Each write re-stamps the
time left (a Cosmos TTL restarts at every write). A stored request that no longer parses is
reported to the quarantine; listings and timers skip it, a read of it answers 409.
"""

from __future__ import annotations

import base64
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
from shared.crypto.envelope import FieldCipher, new_data_key
from shared.dsar.lifecycle import DSAR_REQUEST, FINISHED
from shared.dsar.models import DsarCreate, DsarStatus, DsarType, DsarView
from shared.dsar.paging import decode_page, encode_page
from shared.errors import NotFound, Quarantined
from shared.lifecycle import advance
from shared.notify.outbox import NO_WAKE, Outbox
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.ports.key_provider import KeyProvider, WrappedKey
from shared.subjects.models import HoldIdentifiers

DEADLINE = timedelta(days=30)
MAX_EXTENSION = timedelta(days=60)
ESCALATE_BEFORE = timedelta(days=7)
RECORD_DAYS = 1095
OPEN = sorted(s.value for s in DsarStatus if s not in FINISHED)
DONE = sorted(s.value for s in FINISHED)


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


def record_ttl(doc: dict[str, Any], now: datetime, record_days: int = RECORD_DAYS) -> int:
    """Seconds the request's record has left (-1: an operator's open request, kept until it
    finishes)."""
    record = timedelta(days=record_days)
    if doc.get("finishedAt"):
        end = datetime.fromisoformat(doc["finishedAt"]) + record
    elif doc.get("source") == "widget":
        end = datetime.fromisoformat(doc["receivedAt"]) + DEADLINE + MAX_EXTENSION + record
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

    def _readable(self, doc: dict[str, Any]) -> bool:
        try:
            _Stored.model_validate(doc)
        except ValueError as exc:
            if self._broken is not None:
                self._broken.report(REQUESTS.name, doc, exc)
            return False
        return True

    def register(
        self,
        tenant_id: str,
        cmd: DsarCreate,
        digests: dict[str, str],
        key_version: str | None,
        actor: str,
    ) -> dict[str, Any]:
        now = self._clock.now()
        request_id = f"dsar-{uuid.uuid4().hex}"
        data_key = new_data_key()
        wrapped = self._keys.wrap_key(data_key)
        cipher = FieldCipher(data_key, tenant_id, request_id)
        sealed = cipher.encrypt_fields(
            request_id,
            {
                "identifiers": cmd.identifiers.model_dump_json(exclude_none=True),
                "changes": cmd.changes.model_dump_json(exclude_none=True) if cmd.changes else None,
                "requester": cmd.requester,
                "notes": cmd.notes,
            },
        )
        doc = {
            "id": request_id,
            "tenantId": tenant_id,
            "kind": "dsar",
            "type": cmd.type.value,
            "status": DSAR_REQUEST.initial.value,
            "source": "admin",
            "startedBy": actor,
            "receivedAt": now.isoformat(),
            "deadline": (now + DEADLINE).isoformat(),
            "identifierDigests": digests,
            "identifierKeyVersion": key_version,
            "subjectIds": [],
            "reason": cmd.reason,
            "purposes": cmd.purposes,
            "ttl": -1,
            "enc": sealed,
            "dataKey": {
                "keyId": wrapped.key_id,
                "algorithm": wrapped.algorithm,
                "wrapped": base64.b64encode(wrapped.wrapped).decode(),
            },
            "history": [
                {
                    "at": now.isoformat(),
                    "status": DSAR_REQUEST.initial.value,
                    "actor": actor,
                    "reason": "registered by an operator",
                }
            ],
        }
        return self.write(None, doc)

    def write(self, before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
        """The one write of a request, with its events in the same batch (shared.notify)."""
        return self._outbox.write_request(self._store, before, after, self._clock.now())

    def get(self, tenant_id: str, request_id: str) -> dict[str, Any]:
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
        fields: dict[str, Any],
        to: DsarStatus | None = None,
        reason: str = "",
        actor: str | None = None,
        guard: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Set fields and, with ``to``, move the status (checked against the table).

        ``guard`` sees the document each attempt writes over and may refuse (raise): a write
        decided on a state that changed meanwhile is re-checked, never applied blindly."""

        def attempt() -> dict[str, Any]:
            doc = self.get(tenant_id, request_id)
            if guard is not None:
                guard(doc)
            return self.write(doc, self._changed(doc, fields, to, reason, actor))

        return under_etag(attempt, what="the request")

    def _changed(
        self,
        doc: dict[str, Any],
        fields: dict[str, Any],
        to: DsarStatus | None,
        reason: str,
        actor: str | None,
    ) -> dict[str, Any]:
        now = self._clock.now()
        changed = doc | fields
        if to is not None:
            advance(DSAR_REQUEST, doc["status"], to)
            entry = {"at": now.isoformat(), "status": to.value, "reason": reason, "actor": actor}
            changed |= {"status": to.value, "history": [*doc["history"], entry]}
            if to in FINISHED:
                changed["finishedAt"] = now.isoformat()
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
    ) -> dict[str, Any]:
        return self.update(tenant_id, request_id, fields, to, reason, actor)

    def sealed(self, doc: dict[str, Any], name: str) -> Any:
        """A sealed field (identifiers, changes) decrypted, for the activity that needs it."""
        meta = doc["dataKey"]
        key = self._keys.unwrap_key(
            WrappedKey(meta["keyId"], meta["algorithm"], base64.b64decode(meta["wrapped"]))
        )
        token = doc.get("enc", {}).get(name)
        if token is None:
            return None
        plain = FieldCipher(key, doc["tenantId"], doc["id"]).decrypt(doc["id"], name, token)
        return json.loads(plain) if name in ("identifiers", "changes") else plain

    def identifiers(self, doc: dict[str, Any]) -> HoldIdentifiers:
        """The request's identifiers, unsealed: an operator's request seals them as one JSON
        field, a visitor's (through the widget) as separate fields."""
        if doc.get("source") == "widget":
            return HoldIdentifiers(
                email=self.sealed(doc, "email"),
                phone=self.sealed(doc, "phone"),
                visitorId=self.sealed(doc, "visitorId"),
            )
        return HoldIdentifiers.model_validate(self.sealed(doc, "identifiers") or {})

    def every(self, tenant_id: str) -> list[dict[str, Any]]:
        """Every readable request of the tenant (a broken one is reported and skipped)."""
        items: list[dict[str, Any]] = []
        continuation: str | None = None
        while True:
            page = self._store.query(REQUESTS.name, (tenant_id,), Query(), 500, continuation)
            items += [d for d in page.items if d.get("kind") == "dsar" and self._readable(d)]
            continuation = page.continuation
            if not continuation:
                return items

    def page(
        self, tenant_id: str, limit: int, continuation: str | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Open requests by deadline (so the overdue come first), then finished ones."""
        phase, inner = decode_page(continuation) if continuation else (0, None)
        items: list[dict[str, Any]] = []
        while phase < 2 and len(items) < limit:
            query = Query(
                filters=[Filter("kind", "=", "dsar"), Filter("status", "in", (OPEN, DONE)[phase])],
                order_by="deadline",
            )
            found = self._store.query(
                REQUESTS.name, (tenant_id,), query, limit - len(items), inner
            )
            items += [d for d in found.items if self._readable(d)]
            inner = found.continuation
            if inner is None:
                phase += 1
        return items, None if phase >= 2 else encode_page(phase, inner)

    def view(self, doc: dict[str, Any], now: datetime | None = None) -> DsarView:
        now = now or self._clock.now()
        deadline = datetime.fromisoformat(doc["deadline"])
        status = DsarStatus(doc["status"])
        open_ = status not in FINISHED
        return DsarView(
            requestId=doc["id"],
            type=doc["type"],
            status=status,
            source=doc["source"],
            receivedAt=doc["receivedAt"],
            deadline=deadline,
            overdue=open_ and now >= deadline,
            escalated=bool(doc.get("escalated")) or (open_ and now >= deadline - ESCALATE_BEFORE),
            progress=doc.get("progress", {}),
            result=doc.get("result"),
            startedBy=doc.get("startedBy"),
            decidedBy=doc.get("decidedBy"),
            history=[{k: v for k, v in h.items() if k != "reason" or v} for h in doc["history"]],
            matches=doc.get("matches"),
            matchesIncompleteFor=doc.get("matchesIncompleteFor") or None,
        )
