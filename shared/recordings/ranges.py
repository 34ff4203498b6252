"""HTTP ``Range`` requests (RFC 9110, 14.1.2) on a recording: one byte range, so an audio
player can seek and stream without fetching the whole recording; several ranges or a syntax
this does not know are ignored (the whole audio is sent), as the RFC allows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.errors import ApiError

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


class RangeNotSatisfiable(ApiError):
    status, title, problem = 416, "Range Not Satisfiable", "range-not-satisfiable"

    def __init__(self, total: int) -> None:
        super().__init__(
            f"the range lies outside the recording's {total} bytes",
            headers={"Content-Range": f"bytes */{total}"},
        )


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int
    """Inclusive, as in ``Content-Range``."""
    partial: bool

    def content_range(self, total: int) -> str:
        return f"bytes {self.start}-{self.end}/{total}"


def byte_range(header: str | None, total: int) -> ByteRange:
    """The bytes to send of ``total``: the one range asked for, else all of them."""
    whole = ByteRange(0, total - 1, partial=False)
    match = _RANGE.match(header or "")
    if match is None or not (match.group(1) or match.group(2)):
        return whole
    first, last = match.group(1), match.group(2)
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0:
            raise RangeNotSatisfiable(total)
        return ByteRange(max(0, total - length), total - 1, partial=True)
    start = int(first)
    if last and int(last) < start:  # not a valid range: ignored (RFC 9110, 14.2)
        return whole
    if start >= total:
        raise RangeNotSatisfiable(total)
    end = min(int(last), total - 1) if last else total - 1
    return ByteRange(start, end, partial=True)
