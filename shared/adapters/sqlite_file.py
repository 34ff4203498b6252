"""One SQLite file shared by the embedded adapters' threads: WAL, one connection, one lock.

WAL with ``synchronous=NORMAL`` keeps every committed transaction across a killed process;
``BEGIN IMMEDIATE`` takes the write lock before reading, so read-check-write sequences cannot
interleave, even across processes sharing the file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.adapters.secret_files import private_file

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SqliteFile:
    def __init__(self, path: Path, schema: str, timeout: float = 30.0) -> None:
        private_file(path)  # 0600 in a 0700 directory; SQLite gives -wal/-shm the same mode
        self.path = path
        self.lock = threading.Lock()
        self.db = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=timeout
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are zeroed, not left in free pages: a processed queue message is a
        # sealed envelope that the region's transit key (which outlives it) would still open.
        # Debian's SQLite does this by default; other builds (macOS) do not.
        self.db.execute("PRAGMA secure_delete=ON")
        self.db.executescript(schema)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on success and rolled back on any error."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self.lock:
            self.db.close()


def to_us(moment: datetime) -> int:
    """Integer microseconds since the epoch: exact, comparable in SQL, timezone-free."""
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)
