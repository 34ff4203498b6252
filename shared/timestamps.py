"""The one type of a timestamp a client may send: aware, within a sane range, kept as UTC.

Python's datetimes end at years 1 and 9999, so a client-sent ``0001-01-01T00:01+01:01`` turns
into an ``OverflowError`` (a 500) the moment it is converted to UTC or a deadline is added to
it. Every inbound timestamp is therefore bounded to years 2000-2999 at the edge (a 400 naming
the field), which leaves room for any period the product adds to it; stored as UTC, ISO strings
compare in time order (store filters compare strings).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

EARLIEST_YEAR, LATEST_YEAR = 2000, 2999


def _bounded_utc(value: datetime) -> datetime:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:  # before any offset arithmetic
        raise ValueError(f"must be a time between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value.astimezone(UTC)


Timestamp = Annotated[AwareDatetime, AfterValidator(_bounded_utc)]
"""An inbound RFC 3339 timestamp with its offset, bounded, normalised to UTC."""
