from __future__ import annotations

from datetime import timedelta

import pytest

from shared.accountability.notices import iso_duration


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(0), "PT0M"),
        (timedelta(seconds=59), "PT0M"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(days=2), "P2D"),
        (timedelta(days=1, minutes=3), "P1DT3M"),
        (timedelta(days=-1), "PT0M"),
    ],
)
def test_iso_duration_to_the_minute(span: timedelta, expected: str) -> None:
    assert iso_duration(span) == expected
