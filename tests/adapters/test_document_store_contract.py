"""Contract of the DocumentStore port: every adapter must pass the same suite.

Add an adapter by adding an entry to ``STORE_FACTORIES``: given the pytest request (to reach
session fixtures such as a local server), it returns a factory that gets a directory and a clock
and returns a store. Called twice with the same directory the factory must open the same data
(the durability test relies on that). ``@pytest.mark.cosmos_lacks`` marks cases the local
Cosmos DB stand-in cannot run (see ``conftest.py``).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.ports.document_store import (
    BadRequest,
    BatchFailed,
    BatchOp,
    Conflict,
    ContainerSpec,
    DocumentStore,
    Filter,
    NotFound,
    PatchOp,
    PreconditionFailed,
    Query,
)
from tests.adapters.conftest import cosmos_store, skip_if_lacking
from tests.fakes import FakeClock

START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DOCS = ContainerSpec("docs", ("/tenantId", "/subjectId"), default_ttl=-1)
FLAT = ContainerSpec("flat", ("/tenantId",))
Factory = Callable[[Path, FakeClock], DocumentStore]

# What the local Cosmos DB stand-in cannot do (measured); test_cosmos_wire.py covers the wire.
lacks = pytest.mark.cosmos_lacks
CLOCK = "an injectable clock (it stamps _ts with its own time, as Cosmos does)"
MISSING_404 = "404 for a missing item (a point read of one answers 500)"
HIERARCHICAL = "hierarchical partition keys (it keys items by the first component only)"
TTL = "TTL expiry"
BATCH = "transactional batch (no rollback; read, replace, delete and patch ops fail)"


def _sqlite(request: pytest.FixtureRequest) -> Factory:
    def open_store(directory: Path, clock: FakeClock) -> DocumentStore:
        return SqliteDocumentStore(directory / "nested" / "store.sqlite", clock)

    return open_store


def _cosmos(request: pytest.FixtureRequest) -> Factory:
    server = request.getfixturevalue("cosmos_endpoint")
    client = request.getfixturevalue("cosmos_client")
    return lambda directory, clock: cosmos_store(client, server, directory, clock)


STORE_FACTORIES: dict[str, Callable[[pytest.FixtureRequest], Factory]] = {
    "sqlite": _sqlite,
    "cosmos": _cosmos,
}


@pytest.fixture(params=sorted(STORE_FACTORIES))
def factory(request: pytest.FixtureRequest) -> Factory:
    skip_if_lacking(request, request.param)
    return STORE_FACTORIES[request.param](request)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store(factory: Factory, tmp_path: Path, clock: FakeClock) -> Iterator[DocumentStore]:
    s = factory(tmp_path, clock)
    s.ensure_container(DOCS)
    s.ensure_container(FLAT)
    yield s
    s.close()


def doc(item_id: str, tenant: str = "t1", subject: str = "s1", **fields: Any) -> dict[str, Any]:
    return {"id": item_id, "tenantId": tenant, "subjectId": subject, **fields}


def user_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def all_pages(store: DocumentStore, pk: tuple[str, ...], query: Query, size: int) -> list[Any]:
    items, token, pages = [], None, 0
    while True:
        page = store.query("docs", pk, query, max_items=size, continuation=token)
        assert len(page.items) <= size
        items += page.items
        pages += 1
        token = page.continuation
        if token is None:
            return items
        assert pages < 100


# ---- point operations ---------------------------------------------------------------------


@lacks(CLOCK)
def test_created_item_is_read_back_with_ts_and_etag(store: DocumentStore) -> None:
    created = store.create("docs", doc("a", name="Ann", nested={"x": [1, 2]}))
    read = store.read("docs", ("t1", "s1"), "a")
    assert read == created
    assert user_fields(read) == doc("a", name="Ann", nested={"x": [1, 2]})
    assert read["_ts"] == int(START.timestamp())
    assert isinstance(read["_etag"], str) and read["_etag"]


@lacks(MISSING_404)
def test_reading_a_missing_item_or_the_wrong_partition_raises_not_found(
    store: DocumentStore,
) -> None:
    store.create("docs", doc("a"))
    with pytest.raises(NotFound):
        store.read("docs", ("t1", "s1"), "b")
    with pytest.raises(NotFound):
        store.read("docs", ("t1", "s2"), "a")


def test_unknown_container_raises_not_found(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        store.read("nope", ("t1",), "a")


def test_creating_a_duplicate_id_in_the_same_partition_conflicts(store: DocumentStore) -> None:
    store.create("docs", doc("a", v=1))
    with pytest.raises(Conflict):
        store.create("docs", doc("a", v=2))
    assert store.read("docs", ("t1", "s1"), "a")["v"] == 1


@lacks(HIERARCHICAL)
def test_same_id_in_another_partition_is_a_separate_item(store: DocumentStore) -> None:
    store.create("docs", doc("a", subject="s1", v=1))
    store.create("docs", doc("a", subject="s2", v=2))
    assert store.read("docs", ("t1", "s1"), "a")["v"] == 1
    assert store.read("docs", ("t1", "s2"), "a")["v"] == 2


def test_mutating_inputs_or_returned_items_does_not_change_the_store(
    store: DocumentStore,
) -> None:
    item = doc("a", tags=["x"])
    created = store.create("docs", item)
    item["tags"].append("y")
    created["tags"].append("z")
    store.read("docs", ("t1", "s1"), "a")["tags"].append("w")
    assert store.read("docs", ("t1", "s1"), "a")["tags"] == ["x"]
    assert "_etag" not in item


@pytest.mark.parametrize("bad_id", ["", "a/b", "a\\b", "a?b", "a#b", 7, None, "x" * 256])
def test_invalid_ids_are_rejected(store: DocumentStore, bad_id: object) -> None:
    with pytest.raises(BadRequest):
        store.create("docs", doc("placeholder") | {"id": bad_id})
    assert store.query("docs", ("t1",)).items == []


def test_items_without_their_partition_key_are_rejected(store: DocumentStore) -> None:
    with pytest.raises(BadRequest):
        store.create("docs", {"id": "a", "tenantId": "t1"})
    with pytest.raises(BadRequest):
        store.upsert("docs", {"id": "a", "tenantId": "t1", "subjectId": ""})


@lacks(CLOCK)
def test_every_write_changes_the_etag_and_ts(store: DocumentStore, clock: FakeClock) -> None:
    first = store.create("docs", doc("a"))
    clock.advance(5)
    second = store.upsert("docs", doc("a", v=2))
    clock.advance(5)
    third = store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/v", 3)])
    assert len({first["_etag"], second["_etag"], third["_etag"]}) == 3
    assert third["_ts"] == second["_ts"] + 5 == first["_ts"] + 10


def test_upsert_inserts_then_replaces_the_whole_item(store: DocumentStore) -> None:
    store.upsert("docs", doc("a", old=True))
    store.upsert("docs", doc("a", new=True))
    assert user_fields(store.read("docs", ("t1", "s1"), "a")) == doc("a", new=True)


def test_upsert_with_a_stale_etag_fails_and_keeps_the_item(store: DocumentStore) -> None:
    first = store.create("docs", doc("a", v=1))
    second = store.upsert("docs", doc("a", v=2), if_match=first["_etag"])
    with pytest.raises(PreconditionFailed):
        store.upsert("docs", doc("a", v=3), if_match=first["_etag"])
    assert store.read("docs", ("t1", "s1"), "a") == second


@lacks(MISSING_404)
def test_conditional_upsert_of_a_missing_item_fails(store: DocumentStore) -> None:
    with pytest.raises(PreconditionFailed):
        store.upsert("docs", doc("a"), if_match='"whatever"')
    with pytest.raises(NotFound):
        store.read("docs", ("t1", "s1"), "a")


def test_replace_needs_an_existing_item_and_a_matching_etag(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        store.replace("docs", doc("a"))
    first = store.create("docs", doc("a", v=1))
    second = store.replace("docs", doc("a", v=2), if_match=first["_etag"])
    with pytest.raises(PreconditionFailed):
        store.replace("docs", doc("a", v=3), if_match=first["_etag"])
    assert store.read("docs", ("t1", "s1"), "a") == second


@lacks(MISSING_404)
def test_delete_removes_the_item_and_honours_etags(store: DocumentStore) -> None:
    first = store.create("docs", doc("a"))
    store.upsert("docs", doc("a", v=2))
    with pytest.raises(PreconditionFailed):
        store.delete("docs", ("t1", "s1"), "a", if_match=first["_etag"])
    store.read("docs", ("t1", "s1"), "a")
    store.delete("docs", ("t1", "s1"), "a")
    with pytest.raises(NotFound):
        store.read("docs", ("t1", "s1"), "a")
    with pytest.raises(NotFound):
        store.delete("docs", ("t1", "s1"), "a")


@lacks(TTL)
def test_read_many_returns_the_visible_items_in_request_order(
    store: DocumentStore, clock: FakeClock
) -> None:
    for i in range(3):
        store.create("docs", doc(f"i{i}"))
    store.create("docs", doc("short", ttl=10))
    store.create("docs", doc("i9", subject="other"))
    clock.advance(10)
    got = store.read_many("docs", ("t1", "s1"), ["i2", "missing", "i0", "short", "i9", "i2"])
    assert [item["id"] for item in got] == ["i2", "i0"]


def test_writes_are_counted_in_metrics(store: DocumentStore) -> None:
    before = dict(store.metrics.operations)  # type: ignore[attr-defined]
    store.create("docs", doc("a"))
    store.read("docs", ("t1", "s1"), "a")
    store.read("docs", ("t1", "s1"), "a")
    ops = store.metrics.operations  # type: ignore[attr-defined]
    assert ops["create"] == before.get("create", 0) + 1
    assert ops["read"] == before.get("read", 0) + 2


# ---- patch --------------------------------------------------------------------------------


def test_patch_applies_set_add_append_replace_remove_and_incr(store: DocumentStore) -> None:
    store.create("docs", doc("a", flags={"r": False}, tags=["x", "z"], n=1, gone=1))
    patched = store.patch(
        "docs",
        ("t1", "s1"),
        "a",
        [
            PatchOp("set", "/flags/restricted", True),
            PatchOp("add", "/tags/-", "end"),
            PatchOp("add", "/tags/1", "y"),
            PatchOp("replace", "/flags/r", True),
            PatchOp("remove", "/gone"),
            PatchOp("incr", "/n", 2),
            PatchOp("incr", "/fresh", 5),
        ],
    )
    expected = doc("a", flags={"r": True, "restricted": True}, tags=["x", "y", "z", "end"])
    expected |= {"n": 3, "fresh": 5}
    assert user_fields(patched) == expected
    assert store.read("docs", ("t1", "s1"), "a") == patched


@pytest.mark.parametrize(
    "op",
    [
        PatchOp("replace", "/missing", 1),
        PatchOp("remove", "/missing"),
        pytest.param(
            PatchOp("set", "/no/parent", 1),
            marks=lacks("the missing-parent check of patch set (it sets /parent instead)"),
        ),
        PatchOp("incr", "/name", 1),
        PatchOp("remove", "/tags/5"),
        PatchOp("set", "no-slash", 1),
    ],
)
def test_patch_of_an_invalid_path_is_a_bad_request_and_changes_nothing(
    store: DocumentStore, op: PatchOp
) -> None:
    before = store.create("docs", doc("a", name="n", tags=[]))
    with pytest.raises(BadRequest) as raised:
        store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/ok", 1), op])
    assert raised.value.status == 400
    assert store.read("docs", ("t1", "s1"), "a") == before


@pytest.mark.parametrize("path", ["/id", "/tenantId", "/subjectId", "/_etag"])
def test_patch_cannot_change_identity(store: DocumentStore, path: str) -> None:
    store.create("docs", doc("a"))
    with pytest.raises(BadRequest):
        store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", path, "other")])
    assert user_fields(store.read("docs", ("t1", "s1"), "a")) == doc("a")


def test_patch_needs_an_existing_item_and_a_matching_etag(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/v", 1)])
    first = store.create("docs", doc("a"))
    store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/v", 1)], if_match=first["_etag"])
    with pytest.raises(PreconditionFailed):
        store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/v", 2)], if_match=first["_etag"])
    assert store.read("docs", ("t1", "s1"), "a")["v"] == 1


def test_concurrent_increments_from_threads_are_not_lost(store: DocumentStore) -> None:
    store.create("docs", doc("counter", n=0))

    def bump() -> None:
        for _ in range(25):
            store.patch("docs", ("t1", "s1"), "counter", [PatchOp("incr", "/n", 1)])

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.read("docs", ("t1", "s1"), "counter")["n"] == 100


# ---- batch --------------------------------------------------------------------------------


@lacks(BATCH)
def test_batch_applies_all_operations_and_reports_statuses(store: DocumentStore) -> None:
    store.create("docs", doc("old"))
    store.create("docs", doc("gone"))
    results = store.batch(
        "docs",
        ("t1", "s1"),
        [
            BatchOp("create", item=doc("new")),
            BatchOp("upsert", item=doc("old", v=2)),
            BatchOp("patch", id="new", patch=[PatchOp("set", "/p", True)]),
            BatchOp("read", id="old"),
            BatchOp("delete", id="gone"),
        ],
    )
    assert [r.status for r in results] == [201, 200, 200, 200, 204]
    assert results[3].item is not None and results[3].item["v"] == 2
    assert store.read("docs", ("t1", "s1"), "new")["p"] is True
    with pytest.raises(NotFound):
        store.read("docs", ("t1", "s1"), "gone")


@lacks(BATCH)
def test_a_failing_batch_operation_rolls_back_the_earlier_ones(store: DocumentStore) -> None:
    existing = store.create("docs", doc("dup", v=1))
    with pytest.raises(BatchFailed) as raised:
        store.batch(
            "docs",
            ("t1", "s1"),
            [
                BatchOp("create", item=doc("new")),
                BatchOp("upsert", item=doc("dup", v=2)),
                BatchOp("create", item=doc("dup", v=3)),
                BatchOp("create", item=doc("never")),
            ],
        )
    assert raised.value.index == 2
    assert isinstance(raised.value.cause, Conflict)
    assert store.read("docs", ("t1", "s1"), "dup") == existing
    assert [i["id"] for i in store.query("docs", ("t1", "s1")).items] == ["dup"]


@pytest.mark.parametrize(
    ("pk", "ops"),
    [
        (("t1", "s1"), [BatchOp("create", item=doc("a", subject="s2"))]),
        (("t1",), [BatchOp("create", item=doc("a"))]),
        (("t1", "s1"), [BatchOp("create", item=doc(f"i{i}")) for i in range(101)]),
    ],
    ids=["item-in-other-partition", "prefix-key", "too-many-ops"],
)
def test_malformed_batches_are_rejected_without_effect(
    store: DocumentStore, pk: tuple[str, ...], ops: list[BatchOp]
) -> None:
    with pytest.raises(BadRequest):
        store.batch("docs", pk, ops)
    assert store.query("docs", ("t1",)).items == []


# ---- queries ------------------------------------------------------------------------------


def test_prefix_key_queries_span_partitions_and_full_keys_do_not(store: DocumentStore) -> None:
    store.create("docs", doc("a", subject="s1"))
    store.create("docs", doc("b", subject="s2"))
    store.create("docs", doc("c", tenant="t10", subject="s1"))
    store.create("docs", doc("d", tenant="t", subject="s1"))
    ids = lambda pk: sorted(i["id"] for i in store.query("docs", pk).items)  # noqa: E731
    assert ids(("t1",)) == ["a", "b"]
    assert ids(("t1", "s2")) == ["b"]
    assert ids(("t10",)) == ["c"]


def test_query_with_a_too_long_key_is_rejected(store: DocumentStore) -> None:
    with pytest.raises(BadRequest):
        store.query("flat", ("t1", "s1"))


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter("kind", "=", "x"), ["b1", "n1"]),
        (Filter("kind", "!=", "x"), ["s", "t"]),
        (Filter("flags.on", "=", True), ["b1"]),
        (Filter("flags.on", "=", False), ["n1"]),
        pytest.param(
            Filter("flags.on", "!=", True),
            ["n1"],
            marks=lacks("Cosmos typing of != across JSON types (1 != true matches)"),
        ),
        (Filter("num", "=", 1), ["s"]),
        (Filter("num", ">", 1), ["t"]),
        (Filter("num", "<=", 2.5), ["s", "t"]),
        (Filter("kind", "in", ["y", "z", "q"]), ["s", "t"]),
        (Filter("kind", "in", []), []),
        (Filter("num", "exists"), ["s", "t"]),
        (Filter("num", "exists", False), ["b1", "n1"]),
        (Filter("kind", "<", 1), []),
    ],
)
def test_query_filters_compare_with_json_types(
    store: DocumentStore, flt: Filter, expected: list[str]
) -> None:
    store.create("docs", doc("b1", kind="x", flags={"on": True}))
    store.create("docs", doc("n1", kind="x", flags={"on": False}))
    store.create("docs", doc("s", kind="y", num=1, flags={"on": 1}))
    store.create("docs", doc("t", kind="z", num=2.5, flags={"on": "true"}))
    got = store.query("docs", ("t1",), Query([flt])).items
    assert sorted(i["id"] for i in got) == expected


def test_filters_are_combined_with_and(store: DocumentStore) -> None:
    store.create("docs", doc("a", kind="x", n=1))
    store.create("docs", doc("b", kind="x", n=2))
    store.create("docs", doc("c", kind="y", n=2))
    got = store.query("docs", ("t1",), Query([Filter("kind", "=", "x"), Filter("n", ">", 1)]))
    assert [i["id"] for i in got.items] == ["b"]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_ordered_pages_resume_from_the_continuation(
    store: DocumentStore, descending: bool, size: int
) -> None:
    ranks = [5, 3, 5, 1, 4, 2, 5, 3]
    for i, rank in enumerate(ranks):
        store.create("docs", doc(f"i{i}", subject=f"s{i % 3}", rank=rank))
    items = all_pages(store, ("t1",), Query(order_by="rank", descending=descending), size)
    got = [i["rank"] for i in items]
    assert got == sorted(ranks, reverse=descending)
    assert len({(i["subjectId"], i["id"]) for i in items}) == len(ranks)


def test_unordered_pages_cover_every_item_exactly_once(store: DocumentStore) -> None:
    for i in range(7):
        store.create("docs", doc(f"i{i}", subject=f"s{i % 2}"))
    items = all_pages(store, ("t1",), Query(), 3)
    assert sorted(i["id"] for i in items) == [f"i{i}" for i in range(7)]


@lacks("ORDER BY over items without the property (it drops them)")
def test_order_by_places_missing_values_first_and_orders_by_type(store: DocumentStore) -> None:
    values: list[Any] = ["b", 2, None, True, "a", 10]
    for i, value in enumerate(values):
        store.create("docs", doc(f"i{i}", v=value))
    store.create("docs", doc("none"))
    items = all_pages(store, ("t1",), Query(order_by="v"), 2)
    assert [i.get("v", "missing") for i in items] == ["missing", None, True, 2, 10, "a", "b"]


def test_a_continuation_from_another_query_is_rejected(store: DocumentStore) -> None:
    for i in range(3):
        store.create("docs", doc(f"i{i}"))
    token = store.query("docs", ("t1",), max_items=1).continuation
    assert token is not None
    with pytest.raises(BadRequest):
        store.query("docs", ("t1",), Query(order_by="id"), max_items=1, continuation=token)
    for bad in ["garbage!", "W10=", "eyJxIjoxLCJrIjpbe31dfQ=="]:
        with pytest.raises(BadRequest):
            store.query("docs", ("t1",), continuation=bad)


# ---- TTL basics (properties in test_sqlite_store_ttl.py) ----------------------------------


@lacks(TTL)
def test_expired_item_is_invisible_to_every_read_and_write(
    store: DocumentStore, clock: FakeClock
) -> None:
    store.create("docs", doc("a", ttl=60))
    clock.advance(60)
    with pytest.raises(NotFound):
        store.read("docs", ("t1", "s1"), "a")
    assert store.query("docs", ("t1",)).items == []
    with pytest.raises(NotFound):
        store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/v", 1)])
    with pytest.raises(NotFound):
        store.replace("docs", doc("a"))
    with pytest.raises(NotFound):
        store.delete("docs", ("t1", "s1"), "a")
    assert user_fields(store.create("docs", doc("a", v=2))) == doc("a", v=2)


def test_patching_ttl_changes_the_expiry(store: DocumentStore, clock: FakeClock) -> None:
    store.create("docs", doc("a", ttl=10))
    store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/ttl", 100)])
    clock.advance(50)
    assert store.read("docs", ("t1", "s1"), "a")["ttl"] == 100


@lacks(TTL)
def test_changing_the_default_ttl_applies_to_existing_items(
    store: DocumentStore, clock: FakeClock
) -> None:
    store.create("flat", {"id": "a", "tenantId": "t1"})
    store.create("flat", {"id": "b", "tenantId": "t1", "ttl": -1})
    clock.advance(30)
    store.ensure_container(ContainerSpec("flat", ("/tenantId",), default_ttl=30))
    assert [i["id"] for i in store.query("flat", ("t1",)).items] == ["b"]
    store.ensure_container(ContainerSpec("flat", ("/tenantId",), default_ttl=-1))
    assert [i["id"] for i in store.query("flat", ("t1",)).items] == ["a", "b"]
    store.ensure_container(ContainerSpec("flat", ("/tenantId",), default_ttl=10))
    store.ensure_container(FLAT)
    assert [i["id"] for i in store.query("flat", ("t1",)).items] == ["a", "b"]


@lacks(TTL)
def test_purge_expired_removes_only_expired_items_up_to_the_limit(
    store: DocumentStore, clock: FakeClock
) -> None:
    for i in range(5):
        store.create("docs", doc(f"e{i}", ttl=10))
    store.create("docs", doc("keep", ttl=100))
    store.create("docs", doc("forever"))
    clock.advance(10)
    assert store.purge_expired(limit=3) == 3
    assert store.purge_expired() == 2
    assert store.purge_expired() == 0
    assert sorted(i["id"] for i in store.query("docs", ("t1",)).items) == ["forever", "keep"]


# ---- durability ---------------------------------------------------------------------------


def test_data_survives_closing_and_reopening(
    factory: Factory, tmp_path: Path, clock: FakeClock
) -> None:
    first = factory(tmp_path, clock)
    first.ensure_container(DOCS)
    written = first.create("docs", doc("a", v=1))
    first.close()
    second = factory(tmp_path, clock)
    try:
        assert second.read("docs", ("t1", "s1"), "a") == written
        second.create("docs", doc("b"))
        assert len(second.query("docs", ("t1",)).items) == 2
    finally:
        second.close()


def test_sqlite_stores_compact_json(tmp_path: Path, clock: FakeClock) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite", clock)
    store.ensure_container(DOCS)
    store.create("docs", doc("a", nested={"k": [1, 2]}))
    store.close()
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        (body,) = db.execute("SELECT body FROM items").fetchone()
    db.close()
    assert ", " not in body and ": " not in body


def test_delete_many_removes_across_partitions_and_skips_missing(store: DocumentStore) -> None:
    store.create("docs", doc("a", subject="s1"))
    store.create("docs", doc("b", subject="s2"))
    store.create("docs", doc("c", subject="s2"))
    removed = store.delete_many(
        "docs", [(("t1", "s1"), "a"), (("t1", "s2"), "b"), (("t1", "s2"), "missing")]
    )
    assert removed == 2
    assert [i["id"] for i in store.query("docs", ("t1",)).items] == ["c"]
