"""Embedded MessageBus: Service Bus peek-lock semantics on one SQLite file.

Why SQLite: local development and tests need a durable queue without Azure. WAL mode with
``synchronous=NORMAL`` keeps every committed transaction across a process kill (only an OS
crash may lose the last commits), and ``BEGIN IMMEDIATE`` makes each receive atomic even
across processes sharing the file. Bodies are never logged: callers encrypt personal data,
but a bus must not be the place where a slip becomes a leak.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from shared.adapters.sqlite_file import SqliteFile, from_us, to_us
from shared.ports.clock import Clock
from shared.ports.message_bus import (
    DEFAULT_LOCK_DURATION,
    DEFAULT_MAX_DELIVERY_COUNT,
    DeadLetteredMessage,
    LockLost,
    OutgoingMessage,
    QueueStats,
    ReceivedMessage,
)

MAX_DELIVERY_REASON = "MaxDeliveryCountExceeded"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    content_type TEXT NOT NULL,
    properties TEXT NOT NULL,
    enqueued_us INTEGER NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    lock_token TEXT,
    locked_until_us INTEGER,
    dead_us INTEGER,
    dead_reason TEXT,
    dead_description TEXT
);
CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, dead_us, locked_until_us, seq);
CREATE UNIQUE INDEX IF NOT EXISTS messages_lock ON messages (lock_token);
"""

# One condition per queue of a database file, so a send in this process wakes receivers
# waiting on that queue (whichever bus object of the process they use).
_conditions: dict[tuple[Path, str], threading.Condition] = {}
_conditions_lock = threading.Lock()


def _condition_for(path: Path, queue: str) -> threading.Condition:
    with _conditions_lock:
        return _conditions.setdefault((path, queue), threading.Condition())


class SqliteBus:
    """A MessageBus on a local SQLite file (see ``shared.ports.message_bus`` for semantics)."""

    def __init__(
        self, path: Path, clock: Clock, max_delivery_count: int = DEFAULT_MAX_DELIVERY_COUNT
    ) -> None:
        if max_delivery_count < 1:
            raise ValueError("max_delivery_count must be at least 1")
        self._path = path.resolve()
        self._clock = clock
        self._max = max_delivery_count
        self._file = SqliteFile(self._path, _SCHEMA)
        self._db, self._lock, self._write = self._file.db, self._file.lock, self._file.write

    def _notify(self, queue: str | None, count: int = 1) -> None:
        """Wake ``count`` receivers waiting on ``queue`` (every queue's, all: ``None``). A send
        wakes as many as it sent messages: waking every receiver for one message made them all
        query the queue and all but one sleep again, GIL time the HTTP side needed."""
        if queue is not None:
            condition = _condition_for(self._path, queue)
            with condition:
                condition.notify(count)
            return
        with _conditions_lock:
            conditions = [c for (path, _), c in _conditions.items() if path == self._path]
        for condition in conditions:
            with condition:
                condition.notify_all()

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        now = to_us(self._clock.now())
        rows = [
            (queue, m.message_id, m.body, m.content_type, json.dumps(m.application_properties), now)
            for m in messages
        ]
        with self._write() as db:
            db.executemany(
                "INSERT INTO messages (queue, message_id, body, content_type, properties,"
                " enqueued_us) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        self._notify(queue, len(rows))

    def receive(
        self, queue: str, max_messages: int = 1, lock_duration: timedelta = DEFAULT_LOCK_DURATION
    ) -> list[ReceivedMessage]:
        now = self._clock.now()
        now_us, until = to_us(now), now + lock_duration
        received: list[ReceivedMessage] = []
        with self._write() as db:
            while len(received) < max_messages:
                rows = db.execute(
                    "SELECT seq, message_id, body, content_type, properties, enqueued_us,"
                    " delivery_count FROM messages WHERE queue = ? AND dead_us IS NULL"
                    " AND (locked_until_us IS NULL OR locked_until_us <= ?)"
                    " ORDER BY seq LIMIT ?",
                    (queue, now_us, max_messages - len(received)),
                ).fetchall()
                if not rows:
                    break
                for seq, message_id, body, content_type, props, enqueued, count in rows:
                    if count + 1 > self._max:
                        description = f"delivered {count} times without being completed"
                        last_error = json.loads(props).get("lastError")
                        if last_error:
                            description += f"; last error: {last_error}"
                        self._move_to_dead(db, seq, now_us, MAX_DELIVERY_REASON, description)
                        continue
                    token = str(uuid.uuid4())
                    db.execute(
                        "UPDATE messages SET delivery_count = ?, lock_token = ?,"
                        " locked_until_us = ? WHERE seq = ?",
                        (count + 1, token, to_us(until), seq),
                    )
                    received.append(
                        ReceivedMessage(
                            body=bytes(body),
                            message_id=message_id,
                            lock_token=token,
                            delivery_count=count + 1,
                            sequence_number=seq,
                            enqueued_time=from_us(enqueued),
                            locked_until=until,
                            content_type=content_type,
                            application_properties=json.loads(props),
                        )
                    )
        return received

    @staticmethod
    def _move_to_dead(
        db: sqlite3.Connection, seq: int, now_us: int, reason: str, description: str
    ) -> None:
        db.execute(
            "UPDATE messages SET dead_us = ?, dead_reason = ?, dead_description = ?,"
            " lock_token = NULL, locked_until_us = NULL WHERE seq = ?",
            (now_us, reason, description, seq),
        )

    def _locked_seq(self, db: sqlite3.Connection, queue: str, lock_token: str) -> int:
        """The message a live lock belongs to; an unknown or expired lock is lost."""
        row = db.execute(
            "SELECT seq FROM messages WHERE queue = ? AND lock_token = ? AND dead_us IS NULL"
            " AND locked_until_us > ?",
            (queue, lock_token, to_us(self._clock.now())),
        ).fetchone()
        if row is None:
            raise LockLost("the lock is unknown or has expired")
        return int(row[0])

    def complete(self, queue: str, lock_token: str) -> None:
        with self._write() as db:
            seq = self._locked_seq(db, queue, lock_token)
            db.execute("DELETE FROM messages WHERE seq = ?", (seq,))

    def abandon(
        self,
        queue: str,
        lock_token: str,
        properties_to_modify: dict[str, str | int] | None = None,
    ) -> None:
        with self._write() as db:
            seq = self._locked_seq(db, queue, lock_token)
            if properties_to_modify:
                (props,) = db.execute(
                    "SELECT properties FROM messages WHERE seq = ?", (seq,)
                ).fetchone()
                merged = json.loads(props) | properties_to_modify
                db.execute(
                    "UPDATE messages SET properties = ? WHERE seq = ?", (json.dumps(merged), seq)
                )
            db.execute(
                "UPDATE messages SET lock_token = NULL, locked_until_us = NULL WHERE seq = ?",
                (seq,),
            )
        self._notify(queue)

    def release_locks(self) -> int:
        """Embedded only: a host restarting on its data dir is the sole receiver, so locks the
        dead process held are released at once instead of after their lock duration."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE messages SET lock_token = NULL, locked_until_us = NULL"
                " WHERE dead_us IS NULL AND lock_token IS NOT NULL"
            )
        self._notify(None)
        return cursor.rowcount

    def dead_letter(self, queue: str, lock_token: str, reason: str, description: str = "") -> None:
        with self._write() as db:
            seq = self._locked_seq(db, queue, lock_token)
            self._move_to_dead(db, seq, to_us(self._clock.now()), reason, description)

    def dead_letters(self, queue: str, max_messages: int = 100) -> list[DeadLetteredMessage]:
        with self._lock:
            rows = self._db.execute(
                "SELECT body, message_id, seq, delivery_count, dead_reason, dead_description,"
                " dead_us FROM messages WHERE queue = ? AND dead_us IS NOT NULL"
                " ORDER BY dead_us, seq LIMIT ?",
                (queue, max_messages),
            ).fetchall()
        return [
            DeadLetteredMessage(
                body=bytes(body),
                message_id=mid,
                sequence_number=seq,
                delivery_count=count,
                reason=reason,
                description=description or "",
                dead_lettered_time=from_us(dead),
            )
            for body, mid, seq, count, reason, description, dead in rows
        ]

    def purge_dead_letters(self, queue: str, older_than: datetime) -> int:
        """Remove dead letters older than a cut-off, so failed messages do not live forever."""
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM messages WHERE queue = ? AND dead_us IS NOT NULL AND dead_us < ?",
                (queue, to_us(older_than)),
            )
        return cursor.rowcount

    def active_count(self, queue: str) -> int:
        """Messages not dead-lettered, locked ones included (as Service Bus counts them)."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM messages WHERE queue = ? AND dead_us IS NULL", (queue,)
            ).fetchone()
        return int(row[0])

    def stats(self, queue: str) -> QueueStats:
        """One statement over the queue's index: active, dead-lettered, oldest active."""
        with self._lock:
            active, dead, oldest = self._db.execute(
                "SELECT COALESCE(SUM(dead_us IS NULL), 0), COALESCE(SUM(dead_us IS NOT NULL), 0),"
                " MIN(CASE WHEN dead_us IS NULL THEN enqueued_us END) FROM messages"
                " WHERE queue = ?",
                (queue,),
            ).fetchone()
        return QueueStats(int(active), int(dead), None if oldest is None else from_us(oldest))

    def _has_ready(self, queue: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM messages WHERE queue = ? AND dead_us IS NULL"
                " AND (locked_until_us IS NULL OR locked_until_us <= ?) LIMIT 1",
                (queue, to_us(self._clock.now())),
            ).fetchone()
        return row is not None

    def wait(self, queue: str, timeout: float) -> None:
        """Block until a message may be receivable or ``timeout`` seconds pass.

        Lets receivers idle without busy-polling. The readiness check runs under the condition,
        so a send in this process cannot slip between check and wait; sends from other processes
        are only seen when the timeout ends.
        """
        condition = _condition_for(self._path, queue)
        with condition:
            if not self._has_ready(queue):
                condition.wait(timeout)

    def close(self) -> None:
        with self._lock:
            self._db.close()
