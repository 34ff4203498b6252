"""How long a request's record lives: an operator's open request until it finishes, a
visitor's (anyone can send one) bounded even if nobody ever finishes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.dsar.requests import DEADLINE, MAX_EXTENSION, record_ttl

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
DAY = 86400


def test_an_operator_s_open_request_is_kept_until_it_finishes() -> None:
    assert record_ttl({"source": "admin", "receivedAt": NOW.isoformat()}, NOW) == -1


def test_a_finished_request_keeps_its_record_for_the_record_period_from_finishing() -> None:
    doc = {"source": "admin", "finishedAt": NOW.isoformat()}
    assert record_ttl(doc, NOW, record_days=10) == 10 * DAY
    assert record_ttl(doc, NOW + timedelta(days=4), record_days=10) == 6 * DAY


def test_a_visitor_s_request_expires_after_its_latest_deadline_plus_the_record_period() -> None:
    doc = {"source": "widget", "receivedAt": NOW.isoformat()}
    latest = DEADLINE + MAX_EXTENSION + timedelta(days=10)
    assert record_ttl(doc, NOW, record_days=10) == int(latest.total_seconds())
    assert record_ttl(doc, NOW + latest + timedelta(days=1), record_days=10) == 1  # never 0


def test_a_visitor_s_request_paused_past_its_latest_deadline_lives_until_then() -> None:
    moved = NOW + DEADLINE + MAX_EXTENSION + timedelta(days=20)
    doc = {"source": "widget", "receivedAt": NOW.isoformat(), "deadline": moved.isoformat()}
    assert record_ttl(doc, NOW, record_days=10) == int(
        (moved + timedelta(days=10) - NOW).total_seconds()
    )
