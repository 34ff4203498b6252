"""``make bench``: the DSAR benchmark in quick mode; prints figures, asserts no timings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.bench_dsar import run


@pytest.mark.bench
def test_bench_dsar_quick(tmp_path: Path) -> None:
    figures = run(quick=True, calls=50, workdir=tmp_path)
    # the run itself completed: every figure is there (counts were checked inside the run)
    assert set(figures["ratio_large_to_small_tenant"]) == {
        "access_10",
        "access_2000",
        "erasure_10",
        "erasure_2000",
    }
    assert figures["engine"]["calls"] == 50
