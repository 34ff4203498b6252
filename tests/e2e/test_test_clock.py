"""The embedded host's test clock: only with --test-clock, only forward, survives restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from tests.e2e.host_process import HostProcess

pytestmark = pytest.mark.e2e


def test_clock_routes_move_time_forward_and_persist(clock_host: HostProcess) -> None:
    before = datetime.fromisoformat(httpx.get(f"{clock_host.url}/admin/clock").json()["now"])
    moved = httpx.post(f"{clock_host.url}/admin/clock", json={"advance": "P31D"})
    assert moved.status_code == 200
    after = datetime.fromisoformat(moved.json()["now"])
    assert timedelta(days=31) <= after - before < timedelta(days=31, minutes=1)
    refused = httpx.post(f"{clock_host.url}/admin/clock", json={"advance": "soon"})
    assert refused.status_code == 400
    clock_host.stop()
    clock_host.start()
    again = datetime.fromisoformat(httpx.get(f"{clock_host.url}/admin/clock").json()["now"])
    assert again - before >= timedelta(days=31)


def test_clock_routes_do_not_exist_without_the_flag(host: HostProcess) -> None:
    assert httpx.get(f"{host.url}/admin/clock").status_code == 404
    assert httpx.post(f"{host.url}/admin/clock", json={"advance": "P1D"}).status_code in (404, 405)
