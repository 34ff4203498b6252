"""The proof an erasure ends with: verified only when something was erased and nothing of it
can still be found or read."""

from __future__ import annotations

import pytest

from shared.dsar.erasure_check import erasure_outcome


@pytest.mark.parametrize(
    ("resolved", "erased", "readable", "outcome"),
    [
        (False, False, False, "nothing_found"),
        (True, True, True, "incomplete"),
        (True, False, True, "incomplete"),
        (True, True, False, "verified"),
        (True, False, False, "kept_under_hold"),
    ],
)
def test_an_erasure_is_verified_only_when_something_was_erased_and_nothing_is_readable(
    resolved: bool, erased: bool, readable: bool, outcome: str
) -> None:
    assert erasure_outcome(resolved, erased, readable) == outcome
