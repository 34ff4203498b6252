"""The task hub on one SQLite file: instances, history and pending work.

Every state change is one transaction, which is what makes a kill -9 harmless: an episode
commits its history, its new work and the removal of the message it consumed together; an
activity result replaces its work item atomically (so a finished activity never runs again,
and one that was running when the process died runs again, at-least-once as in Azure); a
timer becomes a ``TimerFired`` message in the transaction that deletes it (it fires once).
WAL with ``synchronous=NORMAL`` as for the embedded bus: committed work survives a process kill.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from infra.embedded_host.durable.history import (
    EVENT_RAISED,
    EXECUTION_STARTED,
    Event,
    stamp,
    timer_fired,
)
from infra.embedded_host.durable.model import (
    PENDING,
    TERMINAL,
    TERMINATED,
    Activity,
    EpisodeCommit,
    Instance,
    Outcome,
)
from shared.adapters.sqlite_file import SqliteFile, from_us, to_us

MESSAGE, ACTIVITY, TIMER = "message", "activity", "timer"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, input TEXT,
    output TEXT, custom_status TEXT, created_us INTEGER NOT NULL, updated_us INTEGER NOT NULL,
    plan TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
CREATE TABLE IF NOT EXISTS work (
    id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, kind TEXT NOT NULL,
    event_type INTEGER, due_us INTEGER, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_by_instance ON work (instance_id, kind, id);
CREATE INDEX IF NOT EXISTS work_by_due ON work (kind, due_us);
"""






class TaskHubStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = SqliteFile(path, _SCHEMA)
        self._db, self._lock, self._write = self._file.db, self._file.lock, self._file.write

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    @staticmethod
    def _instance(row: Any) -> Instance:
        return Instance(row[0], row[1], row[2], row[3], row[4], row[5], from_us(row[6]),
                        from_us(row[7]), row[8])

    _COLUMNS = ("instance_id, name, status, input, output, custom_status, created_us, updated_us,"
                " plan")

    def get(self, instance_id: str) -> Instance | None:
        rows = self._read(f"SELECT {self._COLUMNS} FROM instances WHERE instance_id = ?",
                          (instance_id,))
        return self._instance(rows[0]) if rows else None

    def query(self, statuses: Sequence[str] = (), prefix: str = "",
              created_from: datetime | None = None, created_to: datetime | None = None
              ) -> list[Instance]:
        sql = f"SELECT {self._COLUMNS} FROM instances WHERE substr(instance_id, 1, ?) = ?"
        args: list[Any] = [len(prefix), prefix]
        if statuses:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            args += list(statuses)
        if created_from is not None:
            sql += " AND created_us >= ?"
            args.append(to_us(created_from))
        if created_to is not None:
            sql += " AND created_us <= ?"
            args.append(to_us(created_to))
        return [self._instance(r) for r in self._read(sql + " ORDER BY created_us", args)]

    def history(self, instance_id: str) -> list[Event]:
        rows = self._read("SELECT event FROM history WHERE instance_id = ? ORDER BY seq",
                          (instance_id,))
        return [json.loads(r[0]) for r in rows]

    def create(self, instance_id: str, name: str, input_json: str | None, start: Event,
               now: datetime) -> None:
        """Create (or replace, as the extension does by default) an instance."""
        with self._write() as db:
            self._forget(db, instance_id)
            db.execute("INSERT INTO instances (instance_id, name, status, input, created_us,"
                       " updated_us) VALUES (?, ?, ?, ?, ?, ?)",
                       (instance_id, name, PENDING, input_json, to_us(now), to_us(now)))
            self._message(db, instance_id, start)

    @staticmethod
    def _forget(db: sqlite3.Connection, instance_id: str) -> None:
        for table in ("instances", "history", "work"):
            db.execute(f"DELETE FROM {table} WHERE instance_id = ?", (instance_id,))

    @staticmethod
    def _message(db: sqlite3.Connection, instance_id: str, message: Event) -> None:
        db.execute("INSERT INTO work (instance_id, kind, event_type, body) VALUES (?, ?, ?, ?)",
                   (instance_id, MESSAGE, message["EventType"], json.dumps(message)))

    @staticmethod
    def _append(db: sqlite3.Connection, instance_id: str, events: list[Event]) -> None:
        (last,) = db.execute("SELECT coalesce(max(seq), -1) FROM history WHERE instance_id = ?",
                             (instance_id,)).fetchone()
        db.executemany("INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)",
                       [(instance_id, last + 1 + n, json.dumps(e)) for n, e in enumerate(events)])

    @staticmethod
    def _status(db: sqlite3.Connection, instance_id: str) -> str | None:
        row = db.execute("SELECT status FROM instances WHERE instance_id = ?",
                         (instance_id,)).fetchone()
        return None if row is None else str(row[0])

    @classmethod
    def _refusal(cls, db: sqlite3.Connection, instance_id: str) -> Outcome | None:
        """Why a message or termination cannot reach the instance; None when it is live."""
        status = cls._status(db, instance_id)
        if status is None:
            return Outcome.NOT_FOUND
        return Outcome.GONE if status in TERMINAL else None

    def add_message(self, instance_id: str, message: Event) -> Outcome:
        """Queue a message for a live instance (raised events)."""
        with self._write() as db:
            if refused := self._refusal(db, instance_id):
                return refused
            self._message(db, instance_id, message)
        return Outcome.ACCEPTED

    def next_message(self, instance_id: str) -> tuple[int, Event] | None:
        """The oldest message; an ExecutionStarted always goes first (continue_as_new)."""
        rows = self._read("SELECT id, body FROM work WHERE instance_id = ? AND kind = ?"
                          " ORDER BY event_type != ?, id LIMIT 1",
                          (instance_id, MESSAGE, EXECUTION_STARTED))
        return (int(rows[0][0]), json.loads(rows[0][1])) if rows else None

    def drop(self, work_id: int) -> None:
        with self._write() as db:
            db.execute("DELETE FROM work WHERE id = ?", (work_id,))

    def instances_with_messages(self) -> list[str]:
        rows = self._read("SELECT instance_id FROM work WHERE kind = ? GROUP BY instance_id"
                          " ORDER BY min(id)", (MESSAGE,))
        return [str(r[0]) for r in rows]

    def commit(self, commit: EpisodeCommit, now: datetime) -> list[int]:
        """Apply an episode; returns the work ids of the activities it scheduled."""
        iid = commit.instance_id
        with self._write() as db:
            db.execute("DELETE FROM work WHERE id = ?", (commit.message_id,))
            if commit.finished:
                db.execute("DELETE FROM work WHERE instance_id = ?", (iid,))
            elif commit.restart is not None:
                db.execute("DELETE FROM work WHERE instance_id = ? AND NOT (kind = ? AND"
                           " event_type = ?)", (iid, MESSAGE, EVENT_RAISED))
                db.execute("DELETE FROM history WHERE instance_id = ?", (iid,))
                self._message(db, iid, commit.restart)
            self._append(db, iid, commit.events)
            input_update = ", input = ?" if commit.restart is not None else ""
            args: list[Any] = [commit.status, commit.output, commit.custom_status, commit.plan,
                               to_us(now)]
            if commit.restart is not None:
                args.append(commit.restart["Input"])
            db.execute("UPDATE instances SET status = ?, output = ?, custom_status = ?, plan = ?,"
                       f" updated_us = ?{input_update} WHERE instance_id = ?", [*args, iid])
            for timer_id in commit.cancelled_timers:
                db.execute("DELETE FROM work WHERE instance_id = ? AND kind = ? AND"
                           " json_extract(body, '$.timerId') = ?", (iid, TIMER, timer_id))
            for timer_id, fire_at in commit.timers:
                db.execute("INSERT INTO work (instance_id, kind, due_us, body) VALUES"
                           " (?, ?, ?, ?)", (iid, TIMER, to_us(fire_at), json.dumps(
                               {"timerId": timer_id, "fireAt": fire_at.isoformat()})))
            work_ids = []
            for task_id, name, payload in commit.activities:
                cursor = db.execute("INSERT INTO work (instance_id, kind, body) VALUES (?, ?, ?)",
                                    (iid, ACTIVITY, json.dumps(
                                        {"taskId": task_id, "name": name, "input": payload})))
                work_ids.append(int(cursor.lastrowid or 0))
        return work_ids

    def activity_ids(self) -> list[int]:
        return [int(r[0]) for r in self._read("SELECT id FROM work WHERE kind = ? ORDER BY id",
                                              (ACTIVITY,))]

    def activity(self, work_id: int) -> Activity | None:
        rows = self._read("SELECT instance_id, body FROM work WHERE id = ? AND kind = ?",
                          (work_id, ACTIVITY))
        if not rows:
            return None
        body = json.loads(rows[0][1])
        return Activity(work_id, rows[0][0], body["taskId"], body["name"], body["input"])

    def complete_activity(self, activity: Activity, result: Event) -> bool:
        """Swap the work item for its result message; False if the instance moved on."""
        with self._write() as db:
            gone = db.execute("DELETE FROM work WHERE id = ?", (activity.work_id,)).rowcount == 0
            if not gone:
                self._message(db, activity.instance_id, result)
        return not gone

    def fire_due_timers(self, now: datetime) -> list[str]:
        """Turn every due timer into a TimerFired message; returns the instances to run."""
        with self._write() as db:
            due = db.execute("SELECT id, instance_id, body FROM work WHERE kind = ? AND"
                             " due_us <= ? ORDER BY due_us, id", (TIMER, to_us(now))).fetchall()
            for work_id, instance_id, body in due:
                timer = json.loads(body)
                db.execute("DELETE FROM work WHERE id = ?", (work_id,))
                fire_at = stamp(datetime.fromisoformat(timer["fireAt"]))
                self._message(db, instance_id, timer_fired(now, timer["timerId"], fire_at))
        return list(dict.fromkeys(str(row[1]) for row in due))

    def next_timer_due(self) -> datetime | None:
        rows = self._read("SELECT min(due_us) FROM work WHERE kind = ?", (TIMER,))
        return None if not rows or rows[0][0] is None else from_us(rows[0][0])

    def terminate(self, instance_id: str, event: Event, output: str, now: datetime) -> Outcome:
        with self._write() as db:
            if refused := self._refusal(db, instance_id):
                return refused
            db.execute("DELETE FROM work WHERE instance_id = ?", (instance_id,))
            self._append(db, instance_id, [event])
            db.execute("UPDATE instances SET status = ?, output = ?, updated_us = ?"
                       " WHERE instance_id = ?", (TERMINATED, output, to_us(now), instance_id))
        return Outcome.ACCEPTED

    def purge(self, instance_id: str) -> int:
        """Delete a finished instance's row, history and leftovers; 0 if absent or running."""
        with self._write() as db:
            if self._status(db, instance_id) not in TERMINAL:
                return 0
            self._forget(db, instance_id)
        return 1

