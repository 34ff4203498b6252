"""The embedded ``DocumentStore``: one SQLite file that behaves like the Cosmos DB adapter.

WAL with ``synchronous=NORMAL`` survives a killed process (not a power cut), which is what the
embedded host needs. TTL is enforced at read time from a precomputed ``expires_at`` so expired
items vanish at once, as in Cosmos, while ``purge_expired`` deletes them physically later.
"""

from __future__ import annotations

import itertools
import json
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from shared.adapters._item_rules import check_batch, check_spec
from shared.adapters._sqlite_json import (
    encode_token,
    page_sql,
    pk_text,
)
from shared.adapters._sqlite_readers import Readers, read_item, read_items
from shared.adapters._sqlite_rows import SqliteRows
from shared.adapters.secret_files import private_file
from shared.ports.clock import Clock
from shared.ports.document_store import (
    BadRequest,
    BatchFailed,
    BatchOp,
    BatchResult,
    ContainerSpec,
    Item,
    NotFound,
    Page,
    PartitionKey,
    PatchOp,
    Query,
    StoreError,
    StoreMetrics,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS containers (
    name TEXT PRIMARY KEY, pk_paths TEXT NOT NULL, default_ttl INTEGER);
CREATE TABLE IF NOT EXISTS items (
    container TEXT NOT NULL, pk TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
    etag TEXT NOT NULL, ts INTEGER NOT NULL, expires_at REAL,
    PRIMARY KEY (container, pk, id));
CREATE INDEX IF NOT EXISTS items_expiry ON items (container, expires_at)
    WHERE expires_at IS NOT NULL;
"""
_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "busy_timeout=10000",
    "secure_delete=ON",
    "cache_size=-16384",
)
# The rules of expires_at(), applied in SQL when a container's default TTL changes.
_RECOMPUTE_TTL = """
UPDATE items SET expires_at = CASE
    WHEN :d IS NULL THEN NULL
    WHEN json_type(body, '$.ttl') = 'integer' THEN CASE json_extract(body, '$.ttl')
        WHEN -1 THEN NULL ELSE ts + json_extract(body, '$.ttl') END
    WHEN :d = -1 THEN NULL
    ELSE ts + :d END
WHERE container = :c
"""
_EVERYTHING = Query()
_BATCH_STATUS = {"create": 201, "delete": 204}


class SqliteDocumentStore(SqliteRows):
    """``DocumentStore`` on one SQLite file; one connection shared by threads under a lock."""

    def __init__(self, path: Path, clock: Clock) -> None:
        private_file(path)  # 0600 in a 0700 directory; SQLite gives -wal/-shm the same mode
        self._clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(path), check_same_thread=False, isolation_level=None, timeout=10
        )
        for pragma in _PRAGMAS:
            self._db.execute(f"PRAGMA {pragma}")
        self._db.executescript(_SCHEMA)
        self._specs: dict[str, ContainerSpec] = {}
        self._readers = Readers(path)
        self._writer: int | None = None
        """The thread inside a write transaction (its reads must see its own writes)."""
        self._etag_prefix = secrets.token_hex(6)
        self._writes = itertools.count(1)
        self.metrics = StoreMetrics()

    # ---- plumbing ------------------------------------------------------------------------

    @contextmanager
    def _tx(self, kind: str, begin: str | None = "IMMEDIATE") -> Iterator[float]:
        """Count the request, hold the lock, run in one transaction (reentrant); yields now.

        Writes begin IMMEDIATE so a read-check-write cannot interleave with another process.
        Reads (``begin=None``) are single statements, atomic without a transaction of their own.
        """
        with self._lock:
            self.metrics.operations[kind] = self.metrics.operations.get(kind, 0) + 1
            now = self._clock.now().timestamp()
            if begin is None or self._db.in_transaction:
                yield now
                return
            self._db.execute(f"BEGIN {begin}")
            self._writer = threading.get_ident()
            try:
                yield now
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # also after a failed COMMIT: never leave it open
                    self._db.execute("ROLLBACK")
                raise
            finally:
                self._writer = None

    @contextmanager
    def _reading(self, kind: str) -> Iterator[tuple[sqlite3.Connection, float]]:
        """A read on this thread's own connection, without the writer's lock (``Readers``);
        inside this thread's write transaction, on the writer's connection."""
        if self._writer == threading.get_ident():
            with self._tx(kind, None) as now:
                yield self._db, now
            return
        self.metrics.operations[kind] = self.metrics.operations.get(kind, 0) + 1
        yield self._readers.connection(), self._clock.now().timestamp()

    def _spec(self, container: str) -> ContainerSpec:
        spec = self._specs.get(container)
        if spec is None:
            with self._lock:
                return self._load_spec(container)
        return spec

    def _load_spec(self, container: str) -> ContainerSpec:
        spec = self._specs.get(container)
        if spec is None:
            row = self._db.execute(
                "SELECT pk_paths, default_ttl FROM containers WHERE name = ?", (container,)
            ).fetchone()
            if row is None:
                raise NotFound(f"container {container} does not exist")
            spec = ContainerSpec(container, tuple(json.loads(row[0])), row[1])
            self._specs[container] = spec
        return spec

    # ---- the port ----------------------------------------------------------------------------

    def ensure_container(self, spec: ContainerSpec) -> None:
        check_spec(spec)
        paths = spec.partition_key_paths
        with self._tx("ensure_container"):
            row = self._db.execute(
                "SELECT pk_paths, default_ttl FROM containers WHERE name = ?", (spec.name,)
            ).fetchone()
            if row is None:
                self._db.execute(
                    "INSERT INTO containers VALUES (?, ?, ?)",
                    (spec.name, json.dumps(list(paths)), spec.default_ttl),
                )
            elif tuple(json.loads(row[0])) != paths:
                raise BadRequest(f"partition key paths of {spec.name} cannot change")
            elif row[1] != spec.default_ttl:
                self._db.execute(
                    "UPDATE containers SET default_ttl = ? WHERE name = ?",
                    (spec.default_ttl, spec.name),
                )
                self._db.execute(_RECOMPUTE_TTL, {"d": spec.default_ttl, "c": spec.name})
            self._specs[spec.name] = spec

    def read(self, container: str, pk: PartitionKey, item_id: str) -> Item:
        with self._reading("read") as (db, now):
            return read_item(db, container, pk_text(self._spec(container), pk), item_id, now)

    def read_many(self, container: str, pk: PartitionKey, ids: Sequence[str]) -> list[Item]:
        with self._reading("read_many") as (db, now):
            return read_items(db, container, pk_text(self._spec(container), pk), ids, now)

    def create(self, container: str, item: Item) -> Item:
        with self._tx("create") as now:
            return self._create(self._spec(container), item, now)

    def upsert(self, container: str, item: Item, if_match: str | None = None) -> Item:
        with self._tx("upsert") as now:
            return self._upsert(self._spec(container), item, now, if_match)

    def replace(self, container: str, item: Item, if_match: str | None = None) -> Item:
        with self._tx("replace") as now:
            return self._replace(self._spec(container), item, now, if_match)

    def patch(
        self,
        container: str,
        pk: PartitionKey,
        item_id: str,
        ops: Sequence[PatchOp],
        if_match: str | None = None,
    ) -> Item:
        with self._tx("patch") as now:
            spec = self._spec(container)
            return self._patch(spec, pk_text(spec, pk), item_id, ops, now, if_match)

    def delete(
        self, container: str, pk: PartitionKey, item_id: str, if_match: str | None = None
    ) -> None:
        with self._tx("delete") as now:
            spec = self._spec(container)
            self._delete(spec, pk_text(spec, pk), item_id, now, if_match)

    def query(
        self,
        container: str,
        pk: PartitionKey,
        query: Query = _EVERYTHING,
        max_items: int = 100,
        continuation: str | None = None,
    ) -> Page:
        with self._reading("query") as (db, now):
            if max_items < 1:
                raise BadRequest("max_items must be positive")
            spec = self._spec(container)
            sql, params, fingerprint = page_sql(spec, pk, query, continuation, now)
            rows = db.execute(sql, (*params, max_items + 1)).fetchall()
            more = len(rows) > max_items
            rows = rows[:max_items]
            token = encode_token(fingerprint, rows[-1][1:]) if more else None
            return Page([json.loads(r[0]) for r in rows], token)

    def batch(self, container: str, pk: PartitionKey, ops: Sequence[BatchOp]) -> list[BatchResult]:
        with self._tx("batch") as now:
            spec = self._spec(container)
            key = pk_text(spec, pk)
            check_batch(spec, tuple(pk), ops)
            results = []
            for index, op in enumerate(ops):
                try:
                    results.append(
                        BatchResult(_BATCH_STATUS.get(op.op, 200), self._run(spec, key, op, now))
                    )
                except StoreError as exc:  # _tx rolls back every earlier operation
                    raise BatchFailed(index, exc) from exc
            return results

    def _run(self, spec: ContainerSpec, key: str, op: BatchOp, now: float) -> Item | None:
        """One batch operation; items were validated by ``check_batch`` (key computed once)."""
        if op.item is not None and op.op in ("create", "upsert", "replace"):
            item_ref = (key, op.item["id"])
            if op.op == "create":
                return self._create(spec, op.item, now, item_ref)
            if op.op == "upsert":
                return self._upsert(spec, op.item, now, op.if_match, item_ref)
            return self._replace(spec, op.item, now, op.if_match, item_ref)
        item_id = op.id or ""
        if op.op == "read":
            return self._existing(spec.name, key, item_id, now, op.if_match)
        if op.op == "patch":
            return self._patch(spec, key, item_id, op.patch, now, op.if_match)
        if op.op == "delete":
            self._delete(spec, key, item_id, now, op.if_match)
            return None
        raise BadRequest(f"unknown batch operation {op.op!r}")

    def delete_many(self, container: str, refs: Sequence[tuple[PartitionKey, str]]) -> int:
        with self._tx("delete_many"):
            spec = self._spec(container)
            rows = [(container, pk_text(spec, pk), item_id) for pk, item_id in refs]
            before = self._db.total_changes
            self._db.executemany("DELETE FROM items WHERE container=? AND pk=? AND id=?", rows)
            return self._db.total_changes - before

    def purge_expired(self, limit: int = 1000) -> int:
        with self._tx("purge_expired") as now:
            removed = 0
            names = [r[0] for r in self._db.execute("SELECT name FROM containers")]
            for name in names:
                if removed >= limit:
                    break
                removed += self._db.execute(
                    "DELETE FROM items WHERE rowid IN (SELECT rowid FROM items"
                    " WHERE container = ? AND expires_at <= ? LIMIT ?)",
                    (name, now, limit - removed),
                ).rowcount
            return removed

    def close(self) -> None:
        self._readers.close()
        with self._lock:
            self._db.close()
