"""A tenant's lease: one holder at a time, free again when released or when it runs out, and a
holder overtaken after its lease ran out can no longer save anything."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import MAINTENANCE
from shared.retention.leases import LEASE, LeaseLost, Leases
from tests.fakes import FakeClock

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def leases(region_store: SqliteDocumentStore, clock: FakeClock) -> Leases:
    return Leases(region_store, clock, "offboarding")


def test_a_held_lease_keeps_others_out_until_released(leases: Leases) -> None:
    first = leases.acquire("t-1")
    assert first is not None
    assert leases.acquire("t-1") is None
    assert leases.acquire("t-2") is not None  # another tenant is another lease
    first.save({"stage": 1})
    first.release()
    second = leases.acquire("t-1")
    assert second is not None and second.state == {"stage": 1}  # the progress is handed on


def test_a_lease_left_by_a_dead_run_is_taken_over_once_it_runs_out(
    leases: Leases, clock: FakeClock
) -> None:
    dead = leases.acquire("t-1")
    assert dead is not None
    clock.advance(LEASE - timedelta(seconds=1))
    assert leases.acquire("t-1") is None
    clock.advance(timedelta(seconds=2))
    taker = leases.acquire("t-1")
    assert taker is not None
    with pytest.raises(LeaseLost):
        dead.save({"stage": 9})  # it woke up: its progress is no longer its to save
    dead.release()  # nothing to free: it is the taker's
    assert leases.acquire("t-1") is None
    taker.save({"stage": 2})
    assert taker.state == {"stage": 2}


def test_saving_renews_the_lease(leases: Leases, clock: FakeClock) -> None:
    holder = leases.acquire("t-1")
    assert holder is not None
    clock.advance(LEASE - timedelta(seconds=1))
    holder.save({"stage": 1})
    clock.advance(LEASE - timedelta(seconds=1))
    assert leases.acquire("t-1") is None  # 20 minutes after it was taken, still held


def test_an_ended_lease_leaves_no_document(
    leases: Leases, region_store: SqliteDocumentStore
) -> None:
    holder = leases.acquire("t-1")
    assert holder is not None
    holder.end()
    holder.release()
    assert region_store.query(MAINTENANCE.name, ("t-1",)).items == []


def test_the_lease_outlives_any_run_of_the_function_host() -> None:
    timeout = json.loads((ROOT / "host.json").read_text())["functionTimeout"]
    hours, minutes, seconds = (int(p) for p in re.fullmatch(r"(\d+):(\d+):(\d+)", timeout).groups())
    assert timedelta(hours=hours, minutes=minutes, seconds=seconds) < LEASE


class RivalBetween:
    """A store at which a rival takes the lease between this run's read and its write."""

    def __init__(self, inner: SqliteDocumentStore, rival: Leases) -> None:
        self.inner, self.rival, self.armed = inner, rival, True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create(self, container: str, item: dict[str, Any]) -> Any:
        if self.armed:
            self.armed = False
            assert self.rival.acquire(item["tenantId"]) is not None
        return self.inner.create(container, item)


def test_two_runs_taking_a_free_lease_at_once_get_it_once(
    region_store: SqliteDocumentStore, clock: FakeClock
) -> None:
    rival = Leases(region_store, clock, "offboarding")
    racing = Leases(RivalBetween(region_store, rival), clock, "offboarding")  # type: ignore[arg-type]
    assert racing.acquire("t-1") is None
    assert rival.acquire("t-1") is None  # the rival holds it
