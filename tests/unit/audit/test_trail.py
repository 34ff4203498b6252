"""The hash-chained trail: appends chain, a replayed action is audited once, and verification
names the first entry that was edited, removed or reordered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.audit.trail import GENESIS, AuditTrail, entry_id
from shared.containers import AUDIT
from tests.fakes import FakeClock


@pytest.fixture
def trail(region_store: SqliteDocumentStore, clock: FakeClock) -> AuditTrail:
    return AuditTrail(region_store, clock)


def append(trail: AuditTrail, n: int, key: str | None = None) -> None:
    for i in range(n):
        trail.append("t-1", {}, actor="oid-1", action=f"a.{i}", target="t-1", idempotency_key=key)


def test_entries_chain_from_genesis_and_verify(trail: AuditTrail) -> None:
    append(trail, 3)
    entries = sorted(trail.entries("t-1").items, key=lambda e: e["seq"])
    assert entries[0]["prevHash"] == GENESIS
    assert [e["prevHash"] for e in entries[1:]] == [e["hash"] for e in entries[:-1]]
    result = trail.verify("t-1", {})
    assert (result.valid, result.entries, result.firstBrokenAt) == (True, 3, None)


def test_the_same_idempotency_key_is_audited_once(trail: AuditTrail) -> None:
    first = trail.append("t-1", {}, actor="widget", action="contact.created", target="s/c",
                         idempotency_key="contact.created:c-1")
    again = trail.append("t-1", {}, actor="widget", action="contact.created", target="s/c",
                         idempotency_key="contact.created:c-1")
    assert first is not None and again is None
    assert trail.verify("t-1", {}).entries == 1


@pytest.mark.parametrize("tamper", ["edit", "delete_middle", "delete_last"])
def test_verification_names_the_first_broken_entry(
    trail: AuditTrail, region_store: SqliteDocumentStore, tamper: str
) -> None:
    append(trail, 4)
    if tamper == "edit":
        entry = region_store.read(AUDIT.name, ("t-1",), entry_id(2))
        region_store.replace(AUDIT.name, entry | {"actor": "someone-else"})
        broken = entry_id(2)
    elif tamper == "delete_middle":
        region_store.delete(AUDIT.name, ("t-1",), entry_id(3))
        broken = entry_id(3)
    else:
        region_store.delete(AUDIT.name, ("t-1",), entry_id(4))
        broken = entry_id(4)
    result = trail.verify("t-1", {})
    assert (result.valid, result.firstBrokenAt) == (False, broken)


def test_filters_select_by_action_and_time(trail: AuditTrail, clock: FakeClock) -> None:
    append(trail, 2)
    since = clock.now()
    clock.advance(60)
    trail.append("t-1", {}, actor="oid-1", action="tenant.read", target="t-1")
    later = trail.entries("t-1", since=since.replace(second=30)).items
    assert [e["action"] for e in later] == ["tenant.read"]
    assert [e["action"] for e in trail.entries("t-1", action="a.0").items] == ["a.0"]


def test_entries_written_by_a_clock_that_went_back_are_reported_and_the_chain_stays_valid(
    trail: AuditTrail, clock: FakeClock
) -> None:
    """A host restarted without its test clock: time runs backwards for the trail. The hashes
    still chain (``valid``), but the auditor is told which entries are dated too early."""
    append(trail, 2)
    ahead = clock.now()
    clock.advance(timedelta(days=-90))
    append(trail, 2)
    result = trail.verify("t-1", {})
    assert (result.valid, result.entries, result.firstBrokenAt) == (True, 4, None)
    assert [e["id"] for e in result.outOfOrder] == [entry_id(3)]  # e-4 follows e-3: in order
    assert result.outOfOrder[0]["prevAt"] == ahead.isoformat()
    assert result.outOfOrder[0]["at"] == (ahead - timedelta(days=90)).isoformat()


def test_an_ordinary_chain_reports_nothing_out_of_order(
    trail: AuditTrail, clock: FakeClock
) -> None:
    for _ in range(3):
        append(trail, 1)
        clock.advance(0)  # the same instant twice is not "back"
    assert trail.verify("t-1", {}).outOfOrder == ()


def test_a_broken_chain_still_reports_what_went_back_before_the_break(
    trail: AuditTrail, region_store: SqliteDocumentStore, clock: FakeClock
) -> None:
    append(trail, 1)
    clock.advance(timedelta(hours=-1))
    append(trail, 2)
    region_store.delete(AUDIT.name, ("t-1",), entry_id(3))
    result = trail.verify("t-1", {})
    assert (result.valid, result.firstBrokenAt) == (False, entry_id(3))
    assert [e["id"] for e in result.outOfOrder] == [entry_id(2)]
