"""``make bench``: the retention benchmark on 100,000 items; prints figures, asserts no timings."""

from __future__ import annotations

import pytest

from tests.bench.bench_retention import run


@pytest.mark.bench
def test_bench_retention_quick() -> None:
    figures = run(100_000)
    print(figures)
    assert figures["swept"] == figures["bare_deleted"] == 100_000  # same rows, both ways
