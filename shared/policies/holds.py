"""Whether a legal hold covers a subject now: one rule for ingest, re-stamps, sweeps, erasure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.retention.models import LegalHold


def active_holds(holds: Iterable[LegalHold], now: datetime) -> list[LegalHold]:
    return [h for h in holds if h.until is None or h.until > now]


def is_held(holds: Iterable[LegalHold], subject_id: str | None, now: datetime) -> bool:
    return any(
        h.scope == "tenant" or (subject_id is not None and subject_id in h.subjectIds)
        for h in active_holds(holds, now)
    )
