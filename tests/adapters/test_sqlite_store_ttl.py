"""Property tests of the SQLite store's Cosmos TTL rules: expired iff ``now >= _ts + ttl``.

Each example builds its own store in a temporary directory, because hypothesis does not reset
function-scoped fixtures between examples.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.ports.document_store import ContainerSpec, NotFound, PatchOp
from tests.fakes import FakeClock

EPOCH = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
PK = ("t1", "s1")
YEAR = 365 * 24 * 3600

# Write moments with sub-second parts, so the floor of ``_ts`` matters.
write_times = st.integers(0, 10**12).map(lambda us: EPOCH + timedelta(microseconds=us))
ttls = st.integers(1, 10**6)
# Probes around the expiry instant, in microseconds (the boundary itself always included).
probes = st.lists(st.integers(-3_000_000, 3_000_000), max_size=6).map(lambda p: [-1, 0, *p])
huge_advances = st.lists(st.integers(1, 100 * YEAR), min_size=1, max_size=4)
PROPERTY = settings(max_examples=50, deadline=None)


@contextmanager
def fresh_store(
    start: datetime, default_ttl: int | None
) -> Iterator[tuple[SqliteDocumentStore, FakeClock]]:
    with tempfile.TemporaryDirectory() as directory:
        clock = FakeClock(start)
        store = SqliteDocumentStore(Path(directory) / "ttl.sqlite", clock)
        store.ensure_container(ContainerSpec("c", ("/tenantId", "/subjectId"), default_ttl))
        try:
            yield store, clock
        finally:
            store.close()


def item(**fields: object) -> dict[str, object]:
    return {"id": "x", "tenantId": PK[0], "subjectId": PK[1], **fields}


def is_visible(store: SqliteDocumentStore) -> bool:
    """Visibility through a point read, checked to agree with queries and read_many."""
    try:
        store.read("c", PK, "x")
        seen = True
    except NotFound:
        seen = False
    assert [i["id"] for i in store.query("c", (PK[0],)).items] == (["x"] if seen else [])
    assert len(store.read_many("c", PK, ["x"])) == int(seen)
    return seen


def expiry(written: dict[str, object], ttl: int) -> datetime:
    ts = written["_ts"]
    assert isinstance(ts, int)
    return datetime.fromtimestamp(ts + ttl, UTC)


def assert_expires_at(
    store: SqliteDocumentStore,
    clock: FakeClock,
    at: datetime,
    offsets_us: list[int],
    not_before: datetime,
) -> None:
    for offset in offsets_us:
        moment = at + timedelta(microseconds=offset)
        if moment < not_before:
            continue
        clock.set(moment)
        assert is_visible(store) == (moment < at), moment


@PROPERTY
@given(written_at=write_times, ttl=ttls, offsets=probes, default=st.sampled_from([-1, 5, YEAR]))
def test_item_with_ttl_is_visible_until_ts_plus_ttl_and_expired_from_then_on(
    written_at: datetime, ttl: int, offsets: list[int], default: int
) -> None:
    with fresh_store(written_at, default) as (store, clock):
        written = store.create("c", item(ttl=ttl))
        assert written["_ts"] == int(written_at.timestamp() // 1)
        assert_expires_at(store, clock, expiry(written, ttl), offsets, written_at)


@PROPERTY
@given(written_at=write_times, advances=huge_advances, default=st.sampled_from([-1, 1, 3600]))
def test_item_ttl_minus_one_never_expires(
    written_at: datetime, advances: list[int], default: int
) -> None:
    with fresh_store(written_at, default) as (store, clock):
        store.create("c", item(ttl=-1))
        for seconds in advances:
            clock.advance(seconds)
            assert is_visible(store)
        assert store.purge_expired() == 0


@PROPERTY
@given(written_at=write_times, default=ttls, offsets=probes)
def test_missing_item_ttl_inherits_a_positive_container_default(
    written_at: datetime, default: int, offsets: list[int]
) -> None:
    with fresh_store(written_at, default) as (store, clock):
        written = store.create("c", item())
        assert_expires_at(store, clock, expiry(written, default), offsets, written_at)


@PROPERTY
@given(written_at=write_times, advances=huge_advances)
def test_missing_item_ttl_with_container_default_minus_one_never_expires(
    written_at: datetime, advances: list[int]
) -> None:
    with fresh_store(written_at, -1) as (store, clock):
        store.create("c", item())
        for seconds in advances:
            clock.advance(seconds)
            assert is_visible(store)


@PROPERTY
@given(written_at=write_times, ttl=st.one_of(ttls, st.just(-1)), advances=huge_advances)
def test_item_ttl_is_ignored_while_container_ttl_is_off(
    written_at: datetime, ttl: int, advances: list[int]
) -> None:
    with fresh_store(written_at, None) as (store, clock):
        store.create("c", item(ttl=ttl))
        for seconds in advances:
            clock.advance(seconds)
            assert is_visible(store)
        assert store.purge_expired() == 0


@PROPERTY
@given(
    written_at=write_times,
    ttl=st.integers(2, 10**5),
    fraction=st.floats(0, 0.99),
    how=st.sampled_from(["upsert", "replace", "patch"]),
    offsets=probes,
)
def test_any_update_restarts_the_ttl_clock(
    written_at: datetime, ttl: int, fraction: float, how: str, offsets: list[int]
) -> None:
    with fresh_store(written_at, -1) as (store, clock):
        first = store.create("c", item(ttl=ttl, v=0))
        update_at = written_at + (expiry(first, ttl) - written_at) * fraction
        clock.set(max(update_at, written_at))
        if how == "upsert":
            updated = store.upsert("c", item(ttl=ttl, v=1))
        elif how == "replace":
            updated = store.replace("c", item(ttl=ttl, v=1))
        else:
            updated = store.patch("c", PK, "x", [PatchOp("set", "/v", 1)])
        assert_expires_at(store, clock, expiry(updated, ttl), offsets, clock.now())
        assert expiry(updated, ttl) >= expiry(first, ttl)


@PROPERTY
@given(written_at=write_times, ttl=ttls, late_us=st.integers(0, 10**10))
def test_an_expired_item_can_be_created_again(written_at: datetime, ttl: int, late_us: int) -> None:
    with fresh_store(written_at, -1) as (store, clock):
        first = store.create("c", item(ttl=ttl, v=1))
        clock.set(expiry(first, ttl) + timedelta(microseconds=late_us))
        again = store.create("c", item(v=2))
        assert store.read("c", PK, "x") == again
        assert store.purge_expired() == 0
        assert is_visible(store)
