"""One byte range of a recording (RFC 9110): what a player asks for to seek and stream."""

from __future__ import annotations

import pytest

from shared.recordings.ranges import ByteRange, RangeNotSatisfiable, byte_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ByteRange(0, 999, False)),
        ("bytes=0-99", ByteRange(0, 99, True)),
        ("bytes=900-", ByteRange(900, 999, True)),
        ("bytes=900-5000", ByteRange(900, 999, True)),
        ("bytes=-100", ByteRange(900, 999, True)),
        ("bytes=-5000", ByteRange(0, 999, True)),
        (" bytes = 10 - 20 ", ByteRange(10, 20, True)),
        ("bytes=20-10", ByteRange(0, 999, False)),  # invalid: ignored
        ("bytes=0-1,5-6", ByteRange(0, 999, False)),  # several: the whole audio
        ("items=0-1", ByteRange(0, 999, False)),
        ("bytes=-", ByteRange(0, 999, False)),
    ],
)
def test_one_range_or_the_whole_audio(header: str | None, expected: ByteRange) -> None:
    assert byte_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=-0", "bytes=5000-6000"])
def test_a_range_outside_the_audio_is_416_naming_its_size(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as refused:
        byte_range(header, 1000)
    assert refused.value.status == 416
    assert refused.value.headers == {"Content-Range": "bytes */1000"}


def test_content_range_is_inclusive() -> None:
    assert ByteRange(10, 20, True).content_range(1000) == "bytes 10-20/1000"
