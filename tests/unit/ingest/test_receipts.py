"""Event receipts on the real embedded store: first claim wins, claims are idempotent, the
document stays bounded, and a concurrent writer is merged rather than overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.concurrency import MAX_PAUSE
from shared.containers import SUBJECTS
from shared.ingest.receipts import (
    ATTEMPTS,
    CAP,
    RECEIPTS_ID,
    ClaimContended,
    EventReceipts,
)
from shared.ports.document_store import DocumentStore
from tests.fakes import FakeClock

PK = ("t-1", "s-1")
TTL = 30 * 86400


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 2, 9, tzinfo=UTC))


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteDocumentStore]:
    s = SqliteDocumentStore(tmp_path / "store.sqlite", clock)
    s.ensure_container(SUBJECTS)
    yield s
    s.close()


def ids(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:030d}" for i in range(n)]


def test_the_first_claim_wins_and_a_later_overlap_owns_only_its_new_ids(
    store: SqliteDocumentStore, clock: FakeClock
) -> None:
    receipts = EventReceipts(store, clock)
    first = receipts.claim(PK, "sess", "m1", ["a", "b", "c"], TTL)
    second = receipts.claim(PK, "sess", "m2", ["b", "c", "d"], TTL)
    assert first.owned == {"a", "b", "c"} and first.opens_session
    assert second.owned == {"d"} and not second.opens_session
    assert receipts.read(PK).seen(["a", "d", "e"]) == {"a", "d"}
    other_session = receipts.claim(PK, "sess-2", "m3", ["a", "f"], TTL)
    assert other_session.owned == {"f"} and other_session.opens_session  # ids span sessions
    assert receipts.claim(PK, "sess-2", "m4", ["g"], TTL).opens_session is False


def test_claiming_again_changes_nothing(store: SqliteDocumentStore, clock: FakeClock) -> None:
    receipts = EventReceipts(store, clock)
    receipts.claim(PK, "sess", "m1", ["a", "b"], TTL)
    before = store.read(SUBJECTS.name, PK, RECEIPTS_ID)
    again = receipts.claim(PK, "sess", "m1", ["a", "b"], TTL)
    after = store.read(SUBJECTS.name, PK, RECEIPTS_ID)
    assert again.owned == {"a", "b"} and again.opens_session
    assert after["_etag"] == before["_etag"]  # nothing was written


def test_the_document_keeps_the_newest_ids_and_stays_bounded(
    store: SqliteDocumentStore, clock: FakeClock
) -> None:
    receipts = EventReceipts(store, clock)
    for m in range(40):
        receipts.claim(PK, "sess", f"m{m}", ids(f"{m:02d}", 20), TTL)
    doc = store.read(SUBJECTS.name, PK, RECEIPTS_ID)
    assert sum(len(claimed) for _, _, claimed in doc["claims"]) <= CAP
    assert receipts.read(PK).seen(ids("39", 20)) == set(ids("39", 20))
    assert receipts.read(PK).seen(ids("00", 20)) == set()
    assert doc["ttl"] == TTL and doc["type"] == "receipts" and "sess" not in str(doc)


class RacingStore:
    """Lets a rival message claim between this writer's read and its write, ``times`` times."""

    def __init__(self, inner: DocumentStore, clock: FakeClock, times: int) -> None:
        self.inner, self.times = inner, times
        self.rival = EventReceipts(inner, clock)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _race(self) -> None:
        if self.times > 0:
            self.times -= 1
            self.rival.claim(PK, "sess", f"rival-{self.times}", ["b", f"r{self.times}"], TTL)

    def create(self, container: str, item: dict[str, Any]) -> Any:
        self._race()
        return self.inner.create(container, item)

    def replace(self, container: str, item: dict[str, Any], if_match: str | None = None) -> Any:
        self._race()
        return self.inner.replace(container, item, if_match=if_match)


def test_a_concurrent_claim_is_merged_not_overwritten(
    store: SqliteDocumentStore, clock: FakeClock
) -> None:
    racing = RacingStore(store, clock, times=2)
    claim = EventReceipts(racing, clock).claim(PK, "sess", "m1", ["a", "b"], TTL)  # type: ignore[arg-type]
    assert claim.owned == {"a"} and not claim.opens_session  # the rival got "b" first
    receipts = EventReceipts(store, clock)
    assert receipts.read(PK).seen(["a", "b", "r0", "r1"]) == {"a", "b", "r0", "r1"}


def test_endless_contention_is_reported_not_hidden(
    store: SqliteDocumentStore, clock: FakeClock
) -> None:
    racing = RacingStore(store, clock, times=1000)
    pauses: list[float] = []
    with pytest.raises(ClaimContended):
        EventReceipts(racing, clock, pause=pauses.append).claim(  # type: ignore[arg-type]
            PK, "sess", "m1", ["a"], TTL
        )
    assert len(pauses) == ATTEMPTS  # it backed off between attempts, within the bound
    assert all(0 <= p <= MAX_PAUSE for p in pauses) and max(pauses[:3]) <= 0.004


def test_a_stale_snapshot_still_claims_correctly(
    store: SqliteDocumentStore, clock: FakeClock
) -> None:
    receipts = EventReceipts(store, clock)
    receipts.claim(PK, "sess", "m0", ["z"], TTL)
    stale = receipts.read(PK)
    receipts.claim(PK, "sess", "m1", ["a"], TTL)  # lands after the snapshot was read
    claim = receipts.claim(PK, "sess", "m2", ["a", "b"], TTL, known=stale)
    assert claim.owned == {"b"}
    assert receipts.read(PK).seen(["z", "a", "b"]) == {"z", "a", "b"}
