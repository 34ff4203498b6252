"""The one read-modify-write helper: no lost update, bounded retries, one error when contended."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.concurrency import ATTEMPTS, MAX_PAUSE, Contended, under_etag, update_item
from shared.errors import Conflict
from shared.ports.document_store import ContainerSpec, PreconditionFailed
from tests.fakes import FakeClock

SPEC = ContainerSpec("docs", ("/pk",))


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> SqliteDocumentStore:
    store = SqliteDocumentStore(tmp_path / "s.sqlite", clock)
    store.ensure_container(SPEC)
    store.create(SPEC.name, {"id": "d", "pk": "p", "tags": []})
    return store


def test_a_write_that_loses_a_race_is_redone_on_the_winner_s_document(
    store: SqliteDocumentStore,
) -> None:
    rivals = ["r1", "r2"]

    def tag(doc: dict[str, Any]) -> dict[str, Any]:
        if rivals:  # another writer lands between our read and our write
            rival = rivals.pop(0)
            current = store.read(SPEC.name, ("p",), "d")
            store.replace(SPEC.name, current | {"tags": [*current["tags"], rival]})
        return {"tags": [*doc["tags"], "mine"]}

    pauses: list[float] = []
    written = under_etag(
        lambda: store.replace(
            SPEC.name, (d := store.read(SPEC.name, ("p",), "d")) | tag(d), if_match=d["_etag"]
        ),
        what="the document",
        pause=pauses.append,
    )
    assert written["tags"] == ["r1", "r2", "mine"]  # nobody's change was lost
    assert store.read(SPEC.name, ("p",), "d")["tags"] == ["r1", "r2", "mine"]
    assert len(pauses) == 2 and all(0 <= p <= MAX_PAUSE for p in pauses)


def test_endless_contention_is_one_503_with_retry_after_after_a_bounded_number_of_tries() -> None:
    calls: list[int] = []

    def always_raced() -> None:
        calls.append(1)
        raise PreconditionFailed("raced")

    pauses: list[float] = []
    with pytest.raises(Contended) as contended:
        under_etag(always_raced, what="the tenant", pause=pauses.append)
    assert len(calls) == ATTEMPTS and len(pauses) == ATTEMPTS
    assert contended.value.status == 503 and contended.value.headers == {"Retry-After": "1"}
    assert contended.value.detail.startswith("the tenant is being changed by others")
    assert max(pauses[:3]) <= 0.004  # backs off from a millisecond, doubling, with jitter


def test_a_refusal_from_the_change_is_the_answer_and_is_not_retried(
    store: SqliteDocumentStore,
) -> None:
    calls: list[int] = []

    def refuse(doc: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        raise Conflict("a notice cannot go from pending to acknowledged")

    with pytest.raises(Conflict):
        update_item(store, SPEC.name, ("p",), "d", refuse, what="the notice")
    assert calls == [1]
    assert store.read(SPEC.name, ("p",), "d")["tags"] == []  # nothing was written


def test_update_item_sets_the_fields_the_change_computes_and_keeps_the_others(
    store: SqliteDocumentStore,
) -> None:
    updated = update_item(
        store, SPEC.name, ("p",), "d", lambda doc: {"count": len(doc["tags"]) + 1}, what="doc"
    )
    assert (updated["count"], updated["tags"]) == (1, [])
    assert store.read(SPEC.name, ("p",), "d")["count"] == 1


def test_a_caller_may_raise_its_own_kind_of_contention() -> None:
    class Mine(Contended):
        pass

    def raced() -> None:
        raise PreconditionFailed("raced")

    with pytest.raises(Mine):
        under_etag(raced, what="x", attempts=2, pause=lambda _: None, error=Mine)


def test_a_change_of_nothing_writes_nothing(store: SqliteDocumentStore) -> None:
    before = store.read(SPEC.name, ("p",), "d")
    same = update_item(store, SPEC.name, ("p",), "d", lambda doc: {}, what="doc")
    assert same["_etag"] == before["_etag"] == store.read(SPEC.name, ("p",), "d")["_etag"]
