"""The embedded host's test clock: only with --test-clock, only forward, survives restarts (a
restart without the flag refuses rather than move time back), and only for callers holding the
master key."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import E2E_ENV
from tests.e2e.host_process import HostProcess

pytestmark = pytest.mark.e2e


def now(host: HostProcess) -> datetime:
    answer = httpx.get(f"{host.url}/admin/clock", headers=host.admin_headers)
    return datetime.fromisoformat(answer.json()["now"])


def test_clock_routes_move_time_forward_and_persist(clock_host: HostProcess) -> None:
    before, key = now(clock_host), clock_host.admin_headers
    moved = httpx.post(f"{clock_host.url}/admin/clock", json={"advance": "P31D"}, headers=key)
    assert moved.status_code == 200
    after = datetime.fromisoformat(moved.json()["now"])
    assert timedelta(days=31) <= after - before < timedelta(days=31, minutes=1)
    refused = httpx.post(f"{clock_host.url}/admin/clock", json={"advance": "soon"}, headers=key)
    assert refused.status_code == 400
    clock_host.stop()
    clock_host.start()
    assert now(clock_host) - before >= timedelta(days=31)


def test_the_clock_does_not_move_without_the_master_key(clock_host: HostProcess) -> None:
    before = now(clock_host)
    for headers in ({}, {"x-functions-key": "guess"}, {"Origin": "https://evil.example"}):
        answer = httpx.post(f"{clock_host.url}/admin/clock", json={"advance": "P31D"},
                            headers=headers)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
    assert httpx.get(f"{clock_host.url}/admin/clock").status_code == 401
    assert now(clock_host) - before < timedelta(minutes=1)


def test_without_the_flag_the_clock_is_a_404_that_says_how_to_turn_it_on(host: HostProcess) -> None:
    key = host.admin_headers
    for answer in (httpx.get(f"{host.url}/admin/clock", headers=key),
                   httpx.post(f"{host.url}/admin/clock", json={"advance": "P1D"}, headers=key)):
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert "--test-clock" in problem["detail"]
        assert "make run ARGS=--test-clock" in problem["detail"]
        page = httpx.get(f"{host.url}{problem['type']}")  # the type resolves on the host itself
        assert page.status_code == 200 and page.text.startswith("## not-found")


def test_a_plain_restart_does_not_silently_move_time_back(
    clock_host: HostProcess, tmp_path: Path
) -> None:
    """After --test-clock moved time ahead, a host without the flag would run the stored data on
    a clock 90 days behind it. It refuses to start and says what to do instead."""
    moved = httpx.post(f"{clock_host.url}/admin/clock", json={"advance": "P90D"},
                       headers=clock_host.admin_headers)
    ahead = datetime.fromisoformat(moved.json()["now"])
    clock_host.stop()
    plain = HostProcess(clock_host.data_dir, tmp_path / "plain.log", E2E_ENV)
    with pytest.raises(RuntimeError, match="host exited early"):
        plain.start()
    assert plain.stop() == 2
    refusal = (tmp_path / "plain.log").read_text()
    assert "90.0 days ahead" in refusal
    assert "make run ARGS=--test-clock" in refusal and "make reset" in refusal
    clock_host.start()  # with the flag, the data dir's time goes on where it was
    assert now(clock_host) >= ahead
