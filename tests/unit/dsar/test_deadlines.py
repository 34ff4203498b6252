"""A request's clock: one month, 72 hours for a child; escalation 7 days (24 hours after receipt
for a child) before the deadline; a child first in the queue; a waiting period that never
makes an erasure miss its deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.dsar.deadlines import (
    escalation_of,
    initial_deadline,
    paused_for,
    queue_key,
    run_at,
)

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def doc(deadline: datetime, reason: str | None = None, **more: object) -> dict[str, object]:
    return {"deadline": deadline.isoformat(), "reason": reason, **more}


def test_a_request_has_a_month_and_a_child_s_erasure_72_hours() -> None:
    assert initial_deadline(NOW, None) == NOW + timedelta(days=30)
    assert initial_deadline(NOW, "child") == NOW + timedelta(hours=72)


def test_escalation_comes_7_days_before_and_for_a_child_24_hours_after_receipt() -> None:
    assert escalation_of(doc(NOW + timedelta(days=30))) == NOW + timedelta(days=23)
    child = doc(initial_deadline(NOW, "child"), "child")
    assert escalation_of(child) == NOW + timedelta(hours=24)


def test_the_queue_puts_a_child_first_then_the_nearest_deadline() -> None:
    late_child = doc(NOW + timedelta(days=3), "child")
    soon = doc(NOW + timedelta(hours=1))
    later = doc(NOW + timedelta(days=2))
    keys = sorted([queue_key(later), queue_key(late_child), queue_key(soon)])
    assert keys == [queue_key(late_child), queue_key(soon), queue_key(later)]


def test_paused_time_is_counted_from_the_pause() -> None:
    assert paused_for({}, NOW) == timedelta(0)
    since = {"pause": {"since": (NOW - timedelta(days=10)).isoformat()}}
    assert paused_for(since, NOW) == timedelta(days=10)


@pytest.mark.parametrize(
    ("days", "deadline_in", "expected"),
    [
        (0, timedelta(days=30), None),
        (3, timedelta(days=30), timedelta(days=3)),
        (14, timedelta(days=10), timedelta(days=9)),  # a day before the deadline at the latest
        (14, timedelta(hours=12), None),  # too close to wait at all: it runs now
    ],
)
def test_an_approved_erasure_waits_its_period_but_never_past_its_deadline(
    days: int, deadline_in: timedelta, expected: timedelta | None
) -> None:
    runs = run_at(NOW, days, NOW + deadline_in)
    assert runs == (None if expected is None else NOW + expected)
