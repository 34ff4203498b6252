"""The README's tour, run as a reader runs it: its bash blocks in order, in one shell, against a
fresh embedded host with the test clock, every ``# →`` line checked against what was printed.

The shell gets what the README tells the reader to set (``PORT``, ``DATA_DIR``: not the
defaults, so the tour must honour them) and runs in an empty directory with its own ``TMPDIR``:
afterwards both must be empty, so the tour writes nothing into the repository and cleans up its
temporary files. No sleeps here: the tour's own ``wait_for`` polls, and timers are run through
the host's admin API, as the README shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.host_process import HostProcess
from tests.readme_tour import README, Tour, mismatches, read_tour

TOUR_TIMEOUT = 600
STRICT = "set -euo pipefail\n"
"""The reader's shell is forgiving; the test's is not, so a failing command stops it there."""


def _tools() -> None:
    missing = [tool for tool in ("bash", "curl", "python3") if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):
        pytest.fail(f"the README tour needs {missing} (README, Prerequisites)")
    if missing:
        pytest.skip(f"the README tour needs {missing}")


@pytest.mark.e2e
def test_the_readme_tour_runs_in_order_and_prints_what_it_shows(tmp_path: Path) -> None:
    """Twice on the same host: the second run starts on a used data dir whose clock is three
    months ahead, as a reader's second try would."""
    _tools()
    tour = read_tour(README.read_text(encoding="utf-8"))
    host = HostProcess(tmp_path / "data", tmp_path / "host.log", args=("--test-clock",))
    host.start()
    try:
        for attempt in ("first", "again"):
            _run_and_check(tour, host, tmp_path / attempt)
    finally:
        stopped = host.stop()
    assert stopped == 0


def _run_and_check(tour: Tour, host: HostProcess, where: Path) -> None:
    workdir, tmpdir = where / "work", where / "tmp"
    workdir.mkdir(parents=True)
    tmpdir.mkdir()
    run = subprocess.run(
        ["bash", "-c", STRICT + tour.script],
        cwd=workdir,
        env={
            **os.environ,
            "PORT": str(host.port),
            "DATA_DIR": str(host.data_dir),
            "TMPDIR": str(tmpdir),
        },
        capture_output=True,
        text=True,
        timeout=TOUR_TIMEOUT,
    )
    problems = mismatches(tour, run.stdout)
    log_tail = host.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
    assert not problems, "\n\n".join(problems) + f"\n\nstderr: {run.stderr}\n\nhost log: {log_tail}"
    assert (run.returncode, run.stderr) == (0, "")
    assert list(workdir.iterdir()) == [] and list(tmpdir.iterdir()) == []
