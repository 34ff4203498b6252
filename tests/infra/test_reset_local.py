"""``make reset`` wipes the local state after a confirmation, and nothing that is not a data dir."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.embedded_host.host_keys import MASTER_KEY_FILE
from infra.reset_local import MASTER_KEY_FILE as EXPECTED_MARKER
from infra.reset_local import ROOT, reset


def data_dir(tmp_path: Path) -> Path:
    """What a host run leaves: the master key, stores, a test-clock offset."""
    target = tmp_path / ".data"
    (target / "regions" / "eu").mkdir(parents=True)
    (target / MASTER_KEY_FILE).write_text("k")
    (target / "regions" / "eu" / "store.sqlite").write_bytes(b"x")
    (target / "test-clock.json").write_text('{"offsetSeconds": 86400}')
    return target


def make_reset(target: Path, answer: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", "reset", f"DATA_DIR={target}", *extra],
        cwd=ROOT, input=answer, capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_marker_is_the_file_every_host_start_writes() -> None:
    assert EXPECTED_MARKER == MASTER_KEY_FILE


def test_make_reset_deletes_only_after_yes(tmp_path: Path) -> None:
    target = data_dir(tmp_path)
    declined = make_reset(target, "no\n")
    assert declined.returncode != 0 and "nothing deleted" in declined.stdout
    assert (target / MASTER_KEY_FILE).exists()
    confirmed = make_reset(target, "yes\n")
    assert confirmed.returncode == 0, confirmed.stderr
    assert "Type yes" in confirmed.stdout and not target.exists()


def test_make_reset_force_does_not_ask(tmp_path: Path) -> None:
    target = data_dir(tmp_path)
    done = make_reset(target, "", "FORCE=1")
    assert done.returncode == 0 and "Type yes" not in done.stdout and not target.exists()


def test_no_answer_is_no(tmp_path: Path) -> None:
    """Run where nobody can answer (a script, CI): nothing is deleted."""
    target = data_dir(tmp_path)
    assert reset(target, confirmed=False, ask=_closed_stdin) == 1
    assert target.exists()


def _closed_stdin(question: str) -> str:
    raise EOFError


def test_a_missing_data_dir_is_nothing_to_do(tmp_path: Path) -> None:
    assert reset(tmp_path / "absent", confirmed=True) == 0


@pytest.mark.parametrize("where", ["root", "home", "repository", "source folder", "file"])
def test_what_is_not_a_data_dir_is_refused_before_any_question(
    tmp_path: Path, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before asking: even a forced reset never reaches these. (Asked unforced, with an
    answer of no, so that a broken guard cannot delete anything while this test runs.)"""
    (tmp_path / "notes.txt").write_text("keep me")
    target = {
        "root": Path("/"),
        "home": Path.home(),
        "repository": ROOT,
        "source folder": ROOT / "shared",
        "file": tmp_path / "notes.txt",
    }[where]
    asked: list[str] = []
    assert reset(target, confirmed=False, ask=lambda q: asked.append(q) or "no") == 2
    assert asked == [] and target.exists() and "refusing to reset" in capsys.readouterr().err
