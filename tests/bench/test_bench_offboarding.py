"""``make bench``: the offboarding export benchmark on 20,000 records; asserts no timings."""

from __future__ import annotations

import pytest

from tests.bench.bench_offboarding import run


@pytest.mark.bench
def test_bench_offboarding_quick() -> None:
    figures = run(20_000)
    print(figures)
    assert figures["records"] == 20_000
