"""The embedded host's test clock: only with --test-clock, only forward, survives restarts,
and only for callers holding the master key."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

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


def test_clock_routes_do_not_exist_without_the_flag(host: HostProcess) -> None:
    key = host.admin_headers
    assert httpx.get(f"{host.url}/admin/clock", headers=key).status_code == 404
    answer = httpx.post(f"{host.url}/admin/clock", json={"advance": "P1D"}, headers=key)
    assert answer.status_code in (404, 405)
