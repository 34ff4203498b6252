"""A request's clock: its deadline, when it escalates, where it stands in the queue.

GDPR 12(3): one month from receipt, extendable by two further months with the reason given to
the requester. Seed 002: a child's data (under 16) is deleted at once, so a ``child`` erasure
gets 72 hours and escalates after 24. The time a request waits for its requester
(``awaiting_requester``) does not count: resuming moves the deadline, and the escalation with
it, by the time paused. Pure functions of the stored document, so the orchestration, the views
and the listing agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.dsar.models import CHILD

DEADLINE = timedelta(days=30)
MAX_EXTENSION = timedelta(days=60)
ESCALATE_BEFORE = timedelta(days=7)
CHILD_DEADLINE = timedelta(hours=72)
CHILD_ESCALATE_BEFORE = timedelta(hours=48)
"""A child's erasure escalates 24 hours after receipt (72 h - 48 h)."""
LATEST_RUN_BEFORE = timedelta(days=1)
"""An approved erasure's waiting period ends at the latest this long before the deadline."""


def is_child(doc: dict[str, Any]) -> bool:
    return doc.get("reason") == CHILD


def initial_deadline(received: datetime, reason: str | None) -> datetime:
    return received + (CHILD_DEADLINE if reason == CHILD else DEADLINE)


def deadline_of(doc: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(doc["deadline"])


def escalation_of(doc: dict[str, Any]) -> datetime:
    """When an undecided request is escalated to the tenant's privacy admins."""
    before = CHILD_ESCALATE_BEFORE if is_child(doc) else ESCALATE_BEFORE
    return deadline_of(doc) - before


def queue_key(doc: dict[str, Any]) -> str:
    """The listing's order among open requests: a child's erasure first, then by deadline
    (ISO 8601 UTC strings of one format sort as times)."""
    return f"{0 if is_child(doc) else 1}|{doc['deadline']}"


def paused_for(doc: dict[str, Any], now: datetime) -> timedelta:
    """How long the current pause has lasted (zero when not paused)."""
    since = (doc.get("pause") or {}).get("since")
    return now - datetime.fromisoformat(since) if since else timedelta(0)


def run_at(approved: datetime, waiting_days: int, deadline: datetime) -> datetime | None:
    """When an approved erasure runs: after the tenant's waiting period, but never so late
    that it misses its deadline; None when it runs at once."""
    end = min(approved + timedelta(days=waiting_days), deadline - LATEST_RUN_BEFORE)
    return end if end > approved else None
