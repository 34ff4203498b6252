"""The store of data-subject requests and their one way of changing status.

Identifiers, changes and notes are sealed under a request-scoped data key; the document keeps
blind-index digests for resolution. ``advance`` is the only place a status changes, through the
transition table in ``shared.models.dsar``.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.containers import REQUESTS
from shared.crypto.envelope import FieldCipher, new_data_key
from shared.errors import NotFound
from shared.models.dsar import (
    FINISHED,
    DsarCreate,
    DsarStatus,
    DsarView,
    check_transition,
)
from shared.models.tenant import HoldIdentifiers
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, PreconditionFailed, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.ports.key_provider import KeyProvider, WrappedKey

DEADLINE = timedelta(days=30)
MAX_EXTENSION = timedelta(days=60)
ESCALATE_BEFORE = timedelta(days=7)


class DsarRequests:
    def __init__(self, store: DocumentStore, keys: KeyProvider, clock: Clock) -> None:
        self._store = store
        self._keys = keys
        self._clock = clock

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
            "status": DsarStatus.RECEIVED.value,
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
                    "status": "received",
                    "actor": actor,
                    "reason": "registered by an operator",
                }
            ],
        }
        return self._store.create(REQUESTS.name, doc)

    def get(self, tenant_id: str, request_id: str) -> dict[str, Any]:
        try:
            doc = self._store.read(REQUESTS.name, (tenant_id,), request_id)
        except ItemNotFound:
            raise NotFound("no such request") from None
        if doc.get("kind") != "dsar":
            raise NotFound("no such request")
        return doc

    def update(
        self,
        tenant_id: str,
        request_id: str,
        fields: dict[str, Any],
        to: DsarStatus | None = None,
        reason: str = "",
        actor: str | None = None,
    ) -> dict[str, Any]:
        """Set fields and, with ``to``, move the status (checked against the table)."""
        for _ in range(20):
            doc = self.get(tenant_id, request_id)
            changed = doc | fields
            if to is not None:
                check_transition(DsarStatus(doc["status"]), to)
                entry = {
                    "at": self._clock.now().isoformat(),
                    "status": to.value,
                    "reason": reason,
                    "actor": actor,
                }
                changed |= {"status": to.value, "history": [*doc["history"], entry]}
            try:
                return self._store.replace(REQUESTS.name, changed, if_match=doc["_etag"])
            except PreconditionFailed:
                continue
        raise RuntimeError("request update kept conflicting")

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

    def all(self, tenant_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        continuation: str | None = None
        while True:
            page = self._store.query(REQUESTS.name, (tenant_id,), Query(), 500, continuation)
            items += [d for d in page.items if d.get("kind") == "dsar"]
            continuation = page.continuation
            if not continuation:
                return items

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
