"""The embedded host refuses dev auth where anyone else could send the header: on an Azure
instance, and on a non-loopback address unless told ``--insecure-dev-auth``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.embedded_host.__main__ import parse_args, refusal

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _dev_auth_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVACY_DEV_AUTH", "true")
    monkeypatch.delenv("WEBSITE_INSTANCE_ID", raising=False)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.53"])
def test_loopback_binds_may_use_dev_auth(host: str) -> None:
    assert refusal(parse_args(["--host", host])) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "devbox.lan"])
def test_other_binds_need_the_insecure_flag(host: str, monkeypatch: pytest.MonkeyPatch) -> None:
    reason = refusal(parse_args(["--host", host]))
    assert reason is not None and "--insecure-dev-auth" in reason and host in reason
    assert refusal(parse_args(["--host", host, "--insecure-dev-auth"])) is None
    monkeypatch.setenv("PRIVACY_DEV_AUTH", "false")
    assert refusal(parse_args(["--host", host])) is None


@pytest.mark.parametrize("spelling", ["on", "ON", "y", "t", "1", "yes", "True", "banana"])
def test_every_spelling_the_app_takes_as_on_meets_the_refusal(
    spelling: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's Settings read PRIVACY_DEV_AUTH with pydantic's bool; a narrower reading here
    let PRIVACY_DEV_AUTH=on start on 0.0.0.0 with forged principals trusted."""
    monkeypatch.setenv("PRIVACY_DEV_AUTH", spelling)
    assert "--insecure-dev-auth" in str(refusal(parse_args(["--host", "0.0.0.0"])))


@pytest.mark.parametrize("spelling", ["", "off", "0", "false", "no", "n"])
def test_spellings_of_off_do_not_refuse(spelling: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVACY_DEV_AUTH", spelling)
    assert refusal(parse_args(["--host", "0.0.0.0"])) is None


def test_an_azure_instance_never_runs_dev_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBSITE_INSTANCE_ID", "5f0e1d2c3b4a")
    for argv in (["--host", "127.0.0.1"], ["--host", "0.0.0.0", "--insecure-dev-auth"]):
        assert "WEBSITE_INSTANCE_ID" in str(refusal(parse_args(argv)))


@pytest.mark.e2e
def test_the_process_exits_before_binding_or_writing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_")}
    command = [sys.executable, "-m", "infra.embedded_host", "--host", "0.0.0.0", "--port", "9",
               "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, timeout=60)
    assert done.returncode == 2
    assert b"--insecure-dev-auth" in done.stderr
    assert not (tmp_path / "data").exists()
