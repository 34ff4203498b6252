"""What the end-to-end tests share: principals, polling, and the host's clock and admin API."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from shared.ports.clock import SystemClock
from tests.app_client import principal
from tests.conftest import ORIGIN, collect_body
from tests.e2e.host_process import HostProcess


def as_role(role: str) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal(role)}


def widget(key: str) -> dict[str, str]:
    """What the widget sends with every call (from a documentation-range client address)."""
    return {"X-Widget-Key": key, "Origin": ORIGIN, "X-Forwarded-For": "198.51.100.9:4000"}


def collect(api: httpx.Client, key: str, visitor: str, n: int) -> httpx.Response:
    """``n`` fresh events of ``visitor``, in a session of their own."""
    body = collect_body(n, visitor) | {"sessionId": f"s-{visitor}"}
    return api.post("/v1/collect", headers=widget(key), json=body)


def wait_for(check: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Poll with a deadline (the host works asynchronously); the last result in the error."""
    deadline = time.monotonic() + timeout
    result = None
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError(f"{what} not met in time; last result: {result!r}")


class HostClock:
    """The host's time (its test clock when it has one), read once: what its own store reads
    would see."""

    def __init__(self, host: HostProcess) -> None:
        answer = httpx.get(f"{host.url}/admin/clock", headers=host.admin_headers, timeout=5)
        self._now = (
            datetime.fromisoformat(answer.json()["now"])
            if answer.status_code == 200
            else SystemClock().now()
        )

    def now(self) -> datetime:
        return self._now


def advance(host: HostProcess, duration: str) -> None:
    answer = httpx.post(
        f"{host.url}/admin/clock", json={"advance": duration}, headers=host.admin_headers,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def run_function(host: HostProcess, name: str) -> None:
    answer = httpx.post(
        f"{host.url}/admin/functions/{name}", json={"input": None}, headers=host.admin_headers,
        timeout=30,
    )
    assert answer.status_code == 202, (name, answer.status_code, answer.text)


def store_path(host: HostProcess) -> Path:
    return host.data_dir / "regions" / "eu" / "store.sqlite"
