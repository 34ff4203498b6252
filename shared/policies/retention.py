"""Data categories, their default retention (DESIGN.md section 2) and the one TTL function."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum


class Category(StrEnum):
    BEHAVIOUR = "behaviour"
    TECHNICAL = "technical"
    CONTACT = "contact"
    CONVERSATION = "conversation"
    RECORDING = "recording"
    """Call recordings: the encrypted audio and its metadata (seed 003)."""
    CONSENT = "consent"
    AUDIT = "audit"


DEFAULT_RETENTION_DAYS: dict[Category, int | None] = {
    Category.BEHAVIOUR: 30,
    Category.TECHNICAL: 30,
    Category.CONTACT: None,  # until contract end, then export window and purge
    Category.CONVERSATION: 90,
    Category.RECORDING: 90,
    Category.CONSENT: None,  # contract end + 3 years, purged by sweep
    Category.AUDIT: 365,
}
MIN_AUDIT_DAYS = 90
DEFAULT_CEILING_DAYS = 3650
NEVER = -1


class RetentionRejected(ValueError):
    def __init__(self, category: str, message: str) -> None:
        super().__init__(message)
        self.category = category


def effective_days(category: Category, overrides: Mapping[str, int]) -> int | None:
    return overrides.get(category.value, DEFAULT_RETENTION_DAYS[category])


def validate_overrides(overrides: Mapping[str, int], ceilings: Mapping[str, int]) -> None:
    """A tenant may shorten any period and lengthen one only up to the operator's ceiling."""
    for name, days in overrides.items():
        if name not in Category.__members__.values():
            raise RetentionRejected(name, "unknown data category")
        ceiling = ceilings.get(name, DEFAULT_CEILING_DAYS)
        if days < 1:
            raise RetentionRejected(name, "retention must be at least 1 day")
        if days > ceiling:
            raise RetentionRejected(
                name, f"retention exceeds the operator ceiling of {ceiling} days"
            )
        if name == Category.AUDIT and days < MIN_AUDIT_DAYS:
            raise RetentionRejected(name, f"audit retention cannot be below {MIN_AUDIT_DAYS} days")


def shortens(before: Mapping[str, int], after: Mapping[str, int]) -> bool:
    """True when replacing the overrides ``before`` with ``after`` shortens any category's
    effective period (an unlimited one becoming limited included): data would go sooner."""
    for category in Category:
        old, new = effective_days(category, before), effective_days(category, after)
        if new is not None and (old is None or new < old):
            return True
    return False


def item_ttl(
    category: Category,
    created_at: datetime,
    now: datetime,
    overrides: Mapping[str, int],
    held: bool,
) -> int:
    """The TTL any write of an item must carry: -1 under a legal hold, else the time left."""
    if held:
        return NEVER
    return remaining_ttl(effective_days(category, overrides), created_at, now)


def remaining_ttl(days: int | None, created_at: datetime, now: datetime) -> int:
    """TTL (seconds) for a write at ``now`` of an item created at ``created_at``.

    Cosmos DB counts TTL from the last write, so the TTL is the time *left*, rounded down:
    a write never extends an item's expiry. ``-1`` means no expiry; ``0`` means the item is
    already past its period and must be deleted, not written.
    """
    if days is None:
        return NEVER
    written = math.floor(now.timestamp())
    expires = (created_at + timedelta(days=days)).timestamp()
    return max(0, math.floor(expires - written))
