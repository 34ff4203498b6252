"""What an admin sees of a request: its status, clock, steps taken, matches and certificate.

Never a sealed value: identifiers, requester details and notes stay in the store. A paused
request is neither escalating nor overdue while it waits (its deadline is not running).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.dsar.deadlines import deadline_of, escalation_of
from shared.dsar.lifecycle import CLOSED
from shared.dsar.models import DsarStatus, DsarView


def render(doc: dict[str, Any], now: datetime) -> DsarView:
    deadline = deadline_of(doc)
    status = DsarStatus(doc["status"])
    paused = status == DsarStatus.AWAITING_REQUESTER
    running_clock = status not in CLOSED and not paused
    return DsarView(
        requestId=doc["id"],
        type=doc["type"],
        status=status,
        source=doc["source"],
        receivedAt=doc["receivedAt"],
        deadline=deadline,
        overdue=running_clock and now >= deadline,
        escalated=bool(doc.get("escalated")) or (running_clock and now >= escalation_of(doc)),
        progress=doc.get("progress", {}),
        result=doc.get("result"),
        startedBy=doc.get("startedBy"),
        decidedBy=doc.get("decidedBy"),
        decidedAt=doc.get("decidedAt"),
        reason=doc.get("reason"),
        verified=bool(doc.get("verification")),
        verification=doc.get("verification"),
        paused=doc.get("pause") if paused else None,
        pauses=doc.get("pauses", []),
        extensions=doc.get("extensions", []),
        runsAt=doc.get("runsAt") if status == DsarStatus.APPROVED else None,
        minimisedAt=doc.get("minimisedAt"),
        history=[{k: v for k, v in h.items() if k != "reason" or v} for h in doc["history"]],
        matches=doc.get("matches"),
        matchesIncompleteFor=doc.get("matchesIncompleteFor") or None,
    )
