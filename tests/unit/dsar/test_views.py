"""What an admin sees: a request waiting for its requester is neither escalating nor overdue
(its clock stands still); the waiting period's end shows only while it waits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.dsar.views import render

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def doc(status: str, **fields: Any) -> dict[str, Any]:
    return {"id": "dsar-1", "type": "erasure", "status": status, "source": "admin",
            "receivedAt": (NOW - timedelta(days=40)).isoformat(),
            "deadline": (NOW - timedelta(days=10)).isoformat(), "history": []} | fields


def test_a_paused_request_is_neither_overdue_nor_escalated() -> None:
    pause = {"reason": "identity_documents", "since": NOW.isoformat(), "resumeTo": "received"}
    view = render(doc("awaiting_requester", pause=pause), NOW)
    assert (view.overdue, view.escalated) == (False, False)
    assert view.paused is not None and view.paused.reason == "identity_documents"


def test_a_failed_request_past_its_deadline_is_overdue_a_closed_one_is_not() -> None:
    assert render(doc("failed"), NOW).overdue is True
    assert render(doc("completed"), NOW).overdue is False


def test_runs_at_shows_while_approved_only() -> None:
    runs = (NOW + timedelta(days=2)).isoformat()
    assert render(doc("approved", runsAt=runs), NOW).runsAt is not None
    assert render(doc("completed", runsAt=runs), NOW).runsAt is None
