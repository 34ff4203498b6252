"""The embedded store's reads run on per-thread connections: they see the last commit and do
not wait for a writer holding the store (the HTTP side's reads no longer queue behind the
queue processor's commits), while each write still runs alone under the writer's lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.ports.document_store import ContainerSpec, NotFound
from tests.fakes import FakeClock

SPEC = ContainerSpec("things", ("/tenantId",), default_ttl=-1)
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteDocumentStore]:
    s = SqliteDocumentStore(tmp_path / "store.sqlite", FakeClock(START))
    s.ensure_container(SPEC)
    yield s
    s.close()


def test_a_read_does_not_wait_for_a_writer_and_sees_the_last_commit(
    store: SqliteDocumentStore,
) -> None:
    store.create("things", {"id": "a", "tenantId": "t", "v": 1})
    writing, done = threading.Event(), threading.Event()

    def slow_writer() -> None:
        with store._tx("replace"):  # the writer's transaction, held open
            store.replace("things", {"id": "a", "tenantId": "t", "v": 2})
            writing.set()
            done.wait(5)

    writer = threading.Thread(target=slow_writer)
    writer.start()
    assert writing.wait(5)
    started = time.monotonic()
    seen = {}

    def reader() -> None:
        seen["v"] = store.read("things", ("t",), "a")["v"]
        seen["page"] = len(store.query("things", ("t",)).items)

    other = threading.Thread(target=reader)
    other.start()
    other.join(2)
    assert seen == {"v": 1, "page": 1}  # answered while the write was open: the last commit
    assert time.monotonic() - started < 1
    done.set()
    writer.join(5)
    assert store.read("things", ("t",), "a")["v"] == 2


def test_a_thread_reads_its_own_uncommitted_write_inside_its_transaction(
    store: SqliteDocumentStore,
) -> None:
    with store._tx("create"):
        store.create("things", {"id": "b", "tenantId": "t"})
        assert store.read("things", ("t",), "b")["id"] == "b"
        assert [i["id"] for i in store.read_many("things", ("t",), ["b"])] == ["b"]


def test_reads_after_close_fail_like_any_use_of_a_closed_store(
    store: SqliteDocumentStore,
) -> None:
    store.create("things", {"id": "c", "tenantId": "t"})
    store.close()
    with pytest.raises(Exception, match="closed"):
        store.read("things", ("t",), "c")
    reopened = SqliteDocumentStore(store._readers._path, FakeClock(START))
    try:
        assert reopened.read("things", ("t",), "c")["id"] == "c"
        with pytest.raises(NotFound):
            reopened.read("things", ("t",), "missing")
    finally:
        reopened.close()
