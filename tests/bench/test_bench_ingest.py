"""``make bench``: the ingest benchmark in quick mode; prints figures, asserts no timings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.bench_ingest import run


@pytest.mark.bench
def test_bench_ingest_quick(tmp_path: Path) -> None:
    result = run(quick=True, workdir=tmp_path)
    assert result["messages"] == result["events"] // 20  # the run itself completed
