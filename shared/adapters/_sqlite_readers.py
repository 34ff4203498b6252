"""One read connection per thread for the embedded store, beside its one writer.

Why: with WAL, readers see the last committed transaction and never wait for the writer. With
every read on the writer's connection, each HTTP request's subject and receipts reads queued
behind the queue processor's commits (one lock for everything): at saturation that lock was
the first line of the profile. Writes still go through the single connection under its lock
(``BEGIN IMMEDIATE``), so read-check-write sequences stay serialised.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from shared.adapters._sqlite_json import VISIBLE
from shared.ports.document_store import Item, NotFound

_PRAGMAS = ("query_only=ON", "busy_timeout=10000", "cache_size=-2048")


class Readers:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def connection(self) -> sqlite3.Connection:
        """This thread's read connection (opened on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(
                str(self._path), check_same_thread=False, isolation_level=None, timeout=10
            )
            for pragma in _PRAGMAS:
                db.execute(f"PRAGMA {pragma}")
            with self._lock:
                if self._closed:
                    db.close()
                    raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
                self._opened.append(db)
            self._local.db = db
        return db

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for db in self._opened:
                db.close()
            self._opened.clear()


def read_item(db: sqlite3.Connection, container: str, pk: str, item_id: str, now: float) -> Item:
    sql = f"SELECT body FROM items WHERE container=? AND pk=? AND id=? AND {VISIBLE}"
    row = db.execute(sql, (container, pk, item_id, now)).fetchone()
    if row is None:
        raise NotFound(f"item {item_id} not found in {container}")
    item: Item = json.loads(row[0])
    return item


def read_items(
    db: sqlite3.Connection, container: str, pk: str, ids: Sequence[str], now: float
) -> list[Item]:
    """The visible items of ``ids`` in one partition, in the order asked (500 per query)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Item] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        sql = (
            f"SELECT id, body FROM items WHERE container = ? AND pk = ? AND {VISIBLE}"
            f" AND id IN ({','.join('?' * len(chunk))})"
        )
        for item_id, body in db.execute(sql, (container, pk, now, *chunk)):
            found[item_id] = json.loads(body)
    return [found[i] for i in wanted if i in found]
