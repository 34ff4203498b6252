"""Append-only, hash-chained audit trail per tenant.

Each entry holds the hash of the previous one; a head document names the last. Entry, head and
an idempotency marker are written in one transactional batch in the tenant's partition, so a
redelivered message never audits twice and two writers never fork the chain (the head's ETag).
Entries expire by TTL after the tenant's audit period; ``prevAt`` lets verification tell a
legitimately expired predecessor from a deleted one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.concurrency import under_etag
from shared.containers import AUDIT
from shared.policies.retention import Category, effective_days
from shared.ports.clock import Clock
from shared.ports.document_store import (
    BatchFailed,
    BatchOp,
    DocumentStore,
    Filter,
    NotFound,
    Page,
    Query,
)

HEAD_ID = "head"
GENESIS = "0" * 64
_HASHED = ("seq", "at", "actor", "action", "target", "outcome", "details", "prevHash", "prevAt")


def entry_hash(entry: dict[str, Any]) -> str:
    canonical = json.dumps(
        {k: entry.get(k) for k in _HASHED}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def entry_id(seq: int) -> str:
    return f"e-{seq:012d}"


OUT_OF_ORDER_LISTED = 100


@dataclass(frozen=True)
class Verification:
    valid: bool
    entries: int
    firstBrokenAt: str | None = None
    outOfOrder: tuple[dict[str, str], ...] = ()
    """Entries dated before the entry they follow (``{id, at, prevAt}``, the first 100): the
    clock that wrote them went back. The chain can still be intact (``valid`` is about hashes
    and sequence), but the times in it cannot all be trusted, so an auditor is told."""


def went_back(entry: dict[str, Any]) -> bool:
    """Whether ``entry`` is dated before its predecessor (``prevAt`` is part of its hash)."""
    prev_at = entry.get("prevAt")
    if not prev_at:
        return False
    return datetime.fromisoformat(entry["at"]) < datetime.fromisoformat(str(prev_at))


class AuditTrail:
    def __init__(self, store: DocumentStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def append(
        self,
        tenant_id: str,
        retention: dict[str, int],
        *,
        actor: str,
        action: str,
        target: str,
        outcome: str = "success",
        details: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any] | None:
        """Append one entry; returns None when ``idempotency_key`` was already audited.

        Two writers never fork the chain: the batch replaces the head under its ETag, and the
        writer that loses the race reads the new head and appends after it."""
        days = effective_days(Category.AUDIT, retention) or 365
        marker_id = None
        if idempotency_key:
            marker_id = "k-" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
        fields = {
            "actor": actor,
            "action": action,
            "target": target,
            "outcome": outcome,
            "details": details or {},
        }

        def attempt() -> dict[str, Any] | None:
            head = self._head(tenant_id)
            entry, ops = self._ops(tenant_id, head, fields, days, marker_id)
            try:
                self._store.batch(AUDIT.name, (tenant_id,), ops)
            except BatchFailed as failed:
                if marker_id and failed.index == 0:
                    return None  # the marker exists: this action was audited already
                raise
            return entry

        return under_etag(attempt, what="the audit trail", retry_on=(BatchFailed,))

    def _ops(
        self,
        tenant_id: str,
        head: dict[str, Any],
        fields: dict[str, Any],
        days: int,
        marker_id: str | None,
    ) -> tuple[dict[str, Any], list[BatchOp]]:
        """The next entry after ``head`` and the batch that writes it (marker, entry, head)."""
        seq = head["seq"] + 1
        entry = {
            "id": entry_id(seq),
            "tenantId": tenant_id,
            "type": "entry",
            "seq": seq,
            "at": self._clock.now().isoformat(),
            **fields,
            "prevHash": head["hash"],
            "prevAt": head.get("at"),
            "ttl": days * 86400,
        }
        entry["hash"] = entry_hash(entry)
        new_head = {
            "id": HEAD_ID,
            "tenantId": tenant_id,
            "type": "head",
            "seq": seq,
            "hash": entry["hash"],
            "at": entry["at"],
            "ttl": -1,
        }
        ops = [BatchOp("create", item=entry)]
        if marker_id:
            marker = {"id": marker_id, "tenantId": tenant_id, "type": "key", "ttl": days * 86400}
            ops.insert(0, BatchOp("create", item=marker))
        if head.get("_etag"):
            ops.append(BatchOp("replace", item=new_head, if_match=head["_etag"]))
        else:
            ops.append(BatchOp("create", item=new_head))
        return entry, ops

    def _head(self, tenant_id: str) -> dict[str, Any]:
        try:
            return self._store.read(AUDIT.name, (tenant_id,), HEAD_ID)
        except NotFound:
            return {"seq": 0, "hash": GENESIS, "at": None}

    def entries(
        self,
        tenant_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        action: str | None = None,
        limit: int = 100,
        continuation: str | None = None,
    ) -> Page:
        filters = [Filter("type", "=", "entry")]
        if since:
            filters.append(Filter("at", ">=", since.isoformat()))
        if until:
            filters.append(Filter("at", "<", until.isoformat()))
        if action:
            filters.append(Filter("action", "=", action))
        query = Query(filters=filters, order_by="seq", descending=True)
        return self._store.query(AUDIT.name, (tenant_id,), query, limit, continuation)

    def verify(self, tenant_id: str, retention: dict[str, int]) -> Verification:
        days = effective_days(Category.AUDIT, retention) or 365
        head = self._head(tenant_id)
        query = Query(filters=[Filter("type", "=", "entry")], order_by="seq")
        expected_seq: int | None = None
        prev_hash: str | None = None
        count = 0
        back: list[dict[str, str]] = []
        continuation: str | None = None
        while True:
            page = self._store.query(AUDIT.name, (tenant_id,), query, 500, continuation)
            for entry in page.items:
                broken = self._check(entry, expected_seq, prev_hash, days)
                if broken:
                    first = entry["id"] if broken == "self" else broken
                    return Verification(False, count, first, tuple(back))
                count += 1
                expected_seq, prev_hash = entry["seq"] + 1, entry["hash"]
                if went_back(entry) and len(back) < OUT_OF_ORDER_LISTED:
                    back.append({"id": entry["id"], "at": entry["at"], "prevAt": entry["prevAt"]})
            continuation = page.continuation
            if not continuation:
                break
        if head["seq"] != (expected_seq or 1) - 1 or (count and head["hash"] != prev_hash):
            return Verification(False, count, entry_id(expected_seq or 1), tuple(back))
        return Verification(True, count, None, tuple(back))

    def _check(
        self, entry: dict[str, Any], expected_seq: int | None, prev_hash: str | None, days: int
    ) -> str | None:
        """None if sound; else the id of the first entry known to be broken or missing."""
        if entry_hash(entry) != entry.get("hash") or entry["id"] != entry_id(entry["seq"]):
            return "self"
        if expected_seq is None:
            if entry["seq"] == 1:
                return None if entry["prevHash"] == GENESIS else "self"
            prev_at = entry.get("prevAt")
            alive_until = (
                datetime.fromisoformat(prev_at) + timedelta(days=days) if prev_at else None
            )
            if alive_until and alive_until > self._clock.now():
                return entry_id(entry["seq"] - 1)
            return None
        if entry["seq"] != expected_seq:
            return entry_id(expected_seq)
        if entry["prevHash"] != prev_hash:
            return "self"
        return None
