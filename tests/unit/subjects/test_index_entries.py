"""Blind-index entries on the real embedded store: one link per subject, a documented cap, and
links that lapse with the data they point to (judged by the tenant's current policy)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import INDEX
from shared.retention.models import LegalHold
from shared.subjects.index_entries import MAX_SUBJECTS, BlindIndexEntries
from shared.tenancy.models import Tenant
from tests.fakes import FakeClock

START = datetime(2026, 11, 2, 9, tzinfo=UTC)
DIGEST = "ab" * 32
FINITE = {"behaviour": 30, "technical": 30, "contact": 60, "conversation": 90, "consent": 365}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteDocumentStore]:
    s = SqliteDocumentStore(tmp_path / "store.sqlite", clock)
    s.ensure_container(INDEX)
    yield s
    s.close()


def tenant(retention: dict[str, int] | None = None, holds: tuple[LegalHold, ...] = ()) -> Tenant:
    return Tenant(
        tenantId="t-1",
        name="Shop",
        region="eu",
        allowedOrigins=[],
        retention=retention or {},
        recordingEnabled=False,
        ipPolicy="truncate",
        legalHolds=list(holds),
        createdAt=START,
        updatedAt=START,
    )


def entry(store: SqliteDocumentStore) -> dict[str, Any]:
    return store.read(INDEX.name, ("t-1",), f"email:{DIGEST}")


def link(index: BlindIndexEntries, t: Tenant, subject: str, at: datetime) -> None:
    index.link(t, "email", DIGEST, "2", subject, at, at)


def test_a_subject_is_listed_once_and_a_same_day_repeat_writes_nothing(
    store: SqliteDocumentStore,
) -> None:
    index, t = BlindIndexEntries(store), tenant()
    link(index, t, "s-1", START)
    etag = entry(store)["_etag"]
    link(index, t, "s-1", START + timedelta(hours=3))
    assert entry(store)["_etag"] == etag
    link(index, t, "s-1", START + timedelta(days=2))
    doc = entry(store)
    assert doc["subjectIds"] == ["s-1"] and doc["keyVersion"] == "2"
    assert doc["seen"] == {"s-1": "2026-11-05T00:00:00+00:00"}  # to the day, rounded up


def test_the_list_is_capped_and_the_least_recently_seen_subject_makes_room(
    store: SqliteDocumentStore,
) -> None:
    index, t = BlindIndexEntries(store), tenant()
    for n in range(MAX_SUBJECTS):
        link(index, t, f"s-{n:03}", START + timedelta(days=n))
    link(index, t, "s-000", START + timedelta(days=MAX_SUBJECTS))  # seen again: newest now
    link(index, t, "s-new", START + timedelta(days=MAX_SUBJECTS + 1))
    doc = entry(store)
    assert len(doc["subjectIds"]) == MAX_SUBJECTS and doc["dropped"] == 1
    assert "s-001" not in doc["subjectIds"] and {"s-000", "s-new"} <= set(doc["subjectIds"])
    found = index.lookup(t, "email", DIGEST, START)
    assert found.dropped == 1 and len(found.subject_ids) == MAX_SUBJECTS


def test_links_never_lapse_while_any_category_lasts_until_contract_end(
    store: SqliteDocumentStore,
) -> None:
    index, t = BlindIndexEntries(store), tenant()  # contact and consent: until contract end
    link(index, t, "s-1", START)
    assert index.lookup(t, "email", DIGEST, START + timedelta(days=3650)).subject_ids == ["s-1"]


def test_a_link_lapses_with_the_longest_lived_data_it_could_lead_to(
    store: SqliteDocumentStore,
) -> None:
    index, t = BlindIndexEntries(store), tenant(FINITE)
    link(index, t, "s-old", START)
    link(index, t, "s-recent", START + timedelta(days=200))
    day_before = START + timedelta(days=365)
    assert index.lookup(t, "email", DIGEST, day_before).subject_ids == ["s-old", "s-recent"]
    lapsed = START + timedelta(days=366)
    assert index.lookup(t, "email", DIGEST, lapsed).subject_ids == ["s-recent"]
    longer = tenant(FINITE | {"consent": 730})  # a period lengthened later keeps it alive
    assert index.lookup(longer, "email", DIGEST, lapsed).subject_ids == ["s-old", "s-recent"]
    index.link(t, "email", DIGEST, "2", "s-third", lapsed, lapsed)  # a write prunes it
    assert entry(store)["subjectIds"] == ["s-recent", "s-third"]
    assert set(entry(store)["seen"]) == {"s-recent", "s-third"}


def test_a_visitor_id_entry_lives_as_long_as_its_subject(store: SqliteDocumentStore) -> None:
    index, t = BlindIndexEntries(store), tenant(FINITE)
    index.link(t, "visitor", DIGEST, "1", "s-1", START, START)
    later = START + timedelta(days=4000)
    assert index.lookup(t, "visitor", DIGEST, later).subject_ids == ["s-1"]


def test_a_held_subject_keeps_its_link(store: SqliteDocumentStore) -> None:
    hold = LegalHold(
        holdId="hold-1",
        scope="subject",
        subjectIds=["s-1"],
        reason="claim",
        createdAt=START,
        createdBy="oid",
    )
    index = BlindIndexEntries(store)
    link(index, tenant(FINITE), "s-1", START)
    later = START + timedelta(days=800)
    assert index.lookup(tenant(FINITE), "email", DIGEST, later).subject_ids == []
    assert index.lookup(tenant(FINITE, (hold,)), "email", DIGEST, later).subject_ids == ["s-1"]


def test_an_entry_written_before_links_had_times_is_read_and_upgraded(
    store: SqliteDocumentStore,
) -> None:
    store.create(
        INDEX.name,
        {"id": f"email:{DIGEST}", "tenantId": "t-1", "kind": "email", "subjectIds": ["s-1"]},
    )
    index, t = BlindIndexEntries(store), tenant(FINITE)
    assert index.lookup(t, "email", DIGEST, START + timedelta(days=9999)).subject_ids == ["s-1"]
    link(index, t, "s-1", START)
    assert entry(store)["seen"] == {"s-1": "2026-11-03T00:00:00+00:00"}
