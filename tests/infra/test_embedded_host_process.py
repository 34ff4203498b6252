"""The embedded host as developers run it: a subprocess serving the sample app over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.adapters.factories import region_dir
from shared.adapters.sqlite_bus import SqliteBus
from shared.ports.clock import SystemClock
from shared.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
ACCESS_FIELDS = {
    "ts",
    "level",
    "logger",
    "msg",
    "method",
    "route",
    "function",
    "status",
    "duration_ms",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def eventually(check: Callable[[], Any], what: str, timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something truthy; the deadline keeps failures fast."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Host:
    """An embedded host subprocess on a free loopback port, running a sample app."""

    def __init__(
        self,
        data_dir: Path,
        log: Path,
        app: str = "tests.infra.sample_app",
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.log = log
        self.url = f"http://127.0.0.1:{free_port()}"
        environment = {
            **os.environ,
            "PRIVACY_INGEST_QUEUE": "sample-queue",
            "PRIVACY_REGION": "eu",
            "PYTHONUNBUFFERED": "1",
            **({"PRIVACY_INGEST_MAX_DELIVERY": "2"} if env is None else env),
        }
        environment.pop("PRIVACY_DATA_DIR", None)
        port = self.url.rsplit(":", 1)[1]
        command = [
            sys.executable,
            "-m",
            "infra.embedded_host",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--data-dir",
            str(data_dir),
            "--app",
            app,
            *args,
        ]
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                command, cwd=REPO_ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT
            )
        self.http = httpx.Client(base_url=self.url, timeout=5.0)

    def ready(self) -> bool:
        """Running, answering its admin API with the master key it generated."""
        if self.process.poll() is not None:
            raise AssertionError(f"host exited early:\n{self.log.read_text()}")
        if not (self.data_dir / "master.key").exists():
            return False
        try:
            status = self.http.get("/admin/host/status", headers=self.admin_headers)
        except httpx.TransportError:
            return False
        return bool(status.json() == {"state": "Running"})

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"x-functions-key": (self.data_dir / "master.key").read_text()}

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def close(self) -> None:
        self.http.close()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    running = Host(tmp_path / "data", tmp_path / "host.log")
    try:
        eventually(running.ready, "the host to answer /admin/host/status", timeout=20)
        yield running
    finally:
        running.close()


def test_embedded_host_end_to_end(host: Host) -> None:
    answer = host.http.get("/api/sample/hello/ana", params={"q": "1"})
    assert (answer.status_code, answer.json()) == (200, {"name": "ana", "q": "1"})

    assert host.http.post("/api/sample/send", content=b"first").status_code == 202
    processed = host.data_dir / "processed.txt"
    eventually(lambda: processed.exists() and "first" in processed.read_text(), "processing")

    assert host.http.post("/api/sample/send", content=b"poison").status_code == 202
    bus = SqliteBus(
        region_dir(Settings(data_dir=host.data_dir, region="eu")) / "bus.sqlite", SystemClock()
    )
    try:
        [dead] = eventually(lambda: bus.dead_letters("sample-queue"), "the poison dead letter")
    finally:
        bus.close()
    assert (dead.body, dead.reason, dead.delivery_count) == (
        b"poison",
        "MaxDeliveryCountExceeded",
        2,
    )

    assert host.http.post("/admin/functions/yearly", json={}).status_code == 401  # no key
    assert not (host.data_dir / "timer.txt").exists()
    yearly = host.http.post("/admin/functions/yearly", json={}, headers=host.admin_headers)
    assert yearly.status_code == 202
    assert (host.data_dir / "timer.txt").read_text() == "past_due=False\n"

    host.process.send_signal(signal.SIGTERM)
    assert host.process.wait(10) == 0
    lines = host.lines()
    messages = [line["msg"] for line in lines]
    assert any(line["level"] == "WARNING" and "DEV AUTH" in line["msg"] for line in lines)
    assert any(line.get("url") == host.url for line in lines if "listening" in line["msg"])
    assert "stopping runners" in messages
    failures = [line for line in lines if line["msg"] == "function failed; abandoning message"]
    assert [f["error_type"] for f in failures] == ["ValueError", "ValueError"]
    assert "poison" not in host.log.read_text()
    access = [line for line in lines if line["logger"] == "embedded_host.access"]
    hello = next(line for line in access if line["function"] == "hello")
    assert (hello["route"], hello["method"], hello["status"]) == ("sample/hello/{name}", "GET", 200)
    assert {"route": "/admin/host/status", "function": None}.items() <= access[0].items()
    assert all(set(line) == ACCESS_FIELDS for line in access)  # no client IP, query, headers
