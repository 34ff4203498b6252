"""Row operations of the embedded store on one item, inside the caller's transaction: the
Cosmos DB semantics of create, upsert, replace, patch and delete (ETag checks, expired items
treated as absent, a fresh ``_ts`` and ``_etag`` on every write)."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from shared.adapters._sqlite_json import VISIBLE, apply_patch, dumps, expires_at, item_key
from shared.ports.document_store import (
    Conflict,
    ContainerSpec,
    Item,
    NotFound,
    PatchOp,
    PreconditionFailed,
)

_UPSERT = (
    "INSERT INTO items (container, pk, id, body, etag, ts, expires_at) VALUES (?,?,?,?,?,?,?) "
    "ON CONFLICT (container, pk, id) DO UPDATE SET body = excluded.body, etag = excluded.etag, "
    "ts = excluded.ts, expires_at = excluded.expires_at"
)
_INSERT = (
    "INSERT INTO items (container, pk, id, body, etag, ts, expires_at) VALUES (?,?,?,?,?,?,?) "
    "ON CONFLICT (container, pk, id) DO NOTHING"
)
Key = tuple[str, str]
"""(partition key text, item id) of a validated item."""


class SqliteRows:
    _db: sqlite3.Connection
    _etag_prefix: str
    _writes: Iterator[int]

    def _current(self, c: str, pk: str, item_id: str, now: float) -> tuple[str, str] | None:
        sql = f"SELECT body, etag FROM items WHERE container=? AND pk=? AND id=? AND {VISIBLE}"
        row = self._db.execute(sql, (c, pk, item_id, now)).fetchone()
        return None if row is None else (row[0], row[1])

    def _existing(
        self, c: str, pk: str, item_id: str, now: float, if_match: str | None
    ) -> dict[str, Any]:
        cur = self._current(c, pk, item_id, now)
        if cur is None:
            raise NotFound(f"item {item_id} not found in {c}")
        if if_match is not None and cur[1] != if_match:
            raise PreconditionFailed(f"etag mismatch for item {item_id}")
        body: dict[str, Any] = json.loads(cur[0])
        return body

    def _etag(self) -> str:
        """Unique per write: a per-store random prefix and a counter (cheaper than uuid4)."""
        return f'"{self._etag_prefix}{next(self._writes):x}"'

    def _version(
        self, spec: ContainerSpec, item: Item, now: float, key: Key | None
    ) -> tuple[tuple[Any, ...], Item]:
        """The row of a new version with fresh ``_ts``/``_etag``, and the item as stored (a new
        dict: the JSON text in the row is the only copy the store keeps)."""
        pk, item_id = key or item_key(spec, item)
        ts = math.floor(now)
        stored = {**item, "_ts": ts, "_etag": self._etag()}
        row = (
            spec.name,
            pk,
            item_id,
            dumps(stored),
            stored["_etag"],
            ts,
            expires_at(spec, item, ts),
        )
        return row, stored

    def _write(self, spec: ContainerSpec, item: Item, now: float, key: Key | None = None) -> Item:
        row, stored = self._version(spec, item, now, key)
        self._db.execute(_UPSERT, row)
        return stored

    # ---- operations on one item (inside a transaction) ---------------------------------------

    def _create(self, spec: ContainerSpec, item: Item, now: float, key: Key | None = None) -> Item:
        key = key or item_key(spec, item)
        row, stored = self._version(spec, item, now, key)
        if self._db.execute(_INSERT, row).rowcount == 1:
            return stored
        if self._current(spec.name, *key, now) is not None:
            raise Conflict(f"item {key[1]} already exists in {spec.name}")
        self._db.execute(_UPSERT, row)  # the row there had expired: replaced, as in Cosmos
        return stored

    def _upsert(
        self,
        spec: ContainerSpec,
        item: Item,
        now: float,
        if_match: str | None,
        key: Key | None = None,
    ) -> Item:
        key = key or item_key(spec, item)
        if if_match is not None:  # Cosmos: a conditional upsert needs an existing item
            cur = self._current(spec.name, *key, now)
            if cur is None or cur[1] != if_match:
                raise PreconditionFailed(f"etag mismatch for item {key[1]}")
        return self._write(spec, item, now, key)

    def _replace(
        self,
        spec: ContainerSpec,
        item: Item,
        now: float,
        if_match: str | None,
        key: Key | None = None,
    ) -> Item:
        key = key or item_key(spec, item)
        self._existing(spec.name, *key, now, if_match)
        return self._write(spec, item, now, key)

    def _patch(
        self,
        spec: ContainerSpec,
        pk: str,
        item_id: str,
        ops: Sequence[PatchOp],
        now: float,
        if_match: str | None,
    ) -> Item:
        body = self._existing(spec.name, pk, item_id, now, if_match)
        return self._write(spec, apply_patch(spec, body, ops), now)

    def _delete(
        self, spec: ContainerSpec, pk: str, item_id: str, now: float, if_match: str | None
    ) -> None:
        self._existing(spec.name, pk, item_id, now, if_match)
        self._db.execute(
            "DELETE FROM items WHERE container = ? AND pk = ? AND id = ?", (spec.name, pk, item_id)
        )
