"""Reusable test doubles for the ports."""

from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """A ``Clock`` that only moves when told, so time-based behaviour is tested without sleeps."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta | float) -> None:
        self._now += by if isinstance(by, timedelta) else timedelta(seconds=by)

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = moment
