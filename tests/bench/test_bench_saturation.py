"""``make bench``: the saturation benchmark in quick mode; prints figures, asserts no timings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.bench_saturation import run


@pytest.mark.bench
def test_bench_saturation_quick(tmp_path: Path) -> None:
    result = run(quick=True, workdir=tmp_path)
    host = result["host"]
    assert host["stored_events"] == host["accepted_events"]  # every accepted event stored once
    assert host["saturation"]["server_errors"] == host["steady"]["server_errors"] == 0
