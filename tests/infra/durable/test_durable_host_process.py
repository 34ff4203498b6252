"""Durable Functions on the embedded host as developers run it: the library's client over HTTP."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.infra.test_embedded_host_process import Host, eventually

pytestmark = pytest.mark.e2e


def durable_host(data_dir: Path, log: Path) -> Host:
    """The sample Durable app on the embedded host, with the test clock on."""
    return Host(data_dir, log, app="tests.infra.durable.sample_app", args=("--test-clock",), env={})


@pytest.fixture
def host(tmp_path: Path) -> Iterator[Host]:
    running = durable_host(tmp_path / "data", tmp_path / "host.log")
    try:
        eventually(running.ready, "the host to answer /admin/host/status", timeout=20)
        running.http.headers["x-functions-key"] = running.admin_headers["x-functions-key"]
        yield running
    finally:
        running.close()


def start(host: Host, name: str, payload: Any = None) -> dict[str, str]:
    answer = host.http.post(f"/api/orchestrators/{name}", json=payload)
    assert answer.status_code == 202, answer.text
    links: dict[str, str] = answer.json()
    assert answer.headers["location"] == links["statusQueryGetUri"]
    return links


def poll(links: dict[str, str], *statuses: str) -> dict[str, Any]:
    """Follow statusQueryGetUri as a caller of the starter would (no host key needed)."""

    def check() -> dict[str, Any] | None:
        body: dict[str, Any] = httpx.get(links["statusQueryGetUri"], timeout=5).json()
        return body if body["runtimeStatus"] in statuses else None

    result: dict[str, Any] = eventually(check, f"{links['id']} to reach {statuses}")
    return result


def test_orchestrations_over_http(host: Host) -> None:
    sequence = start(host, "sequence", ["Tokyo", "Lyon"])
    assert sequence["statusQueryGetUri"].startswith(f"{host.url}/runtime/webhooks/durabletask/")
    done = poll(sequence, "Completed")
    assert (done["output"], done["input"]) == (["Hello Tokyo!", "Hello Lyon!"], ["Tokyo", "Lyon"])

    approved = start(host, "approval", 1)
    assert poll(approved, "Running")["customStatus"]["stage"] == "awaiting"
    decided = host.http.post(f"/api/instances/{approved['id']}/decision", json={"approve": True})
    assert decided.status_code == 202
    assert poll(approved, "Completed")["output"] == {"recorded": {"approve": True}}

    expiring = start(host, "approval", 2)
    poll(expiring, "Running")
    assert host.http.post("/admin/clock", json={"advance": "P2DT1M"}).status_code == 200
    assert poll(expiring, "Completed")["output"]["decision"] == "timed out"

    stopped = start(host, "approval", 30)
    poll(stopped, "Running")
    assert host.http.post(f"/api/instances/{stopped['id']}/terminate").status_code == 202
    status = host.http.get(f"/api/instances/{stopped['id']}").json()
    assert (status["runtimeStatus"], status["output"]) == ("Terminated", "stopped by test")
    assert [e["EventType"] for e in status["historyEvents"]][-1] == "ExecutionTerminated"
    assert host.http.delete(f"/api/instances/{stopped['id']}").json() == {"deleted": 1}
    assert httpx.get(stopped["statusQueryGetUri"], timeout=5).status_code == 404

    # A timer function with a client binding (run through the admin API) uses the client too.
    assert host.http.post("/admin/functions/yearly_start", json={}).status_code == 202
    from_timer = poll(
        {
            "id": "from-timer",
            "statusQueryGetUri": f"{host.url}/runtime/webhooks/durabletask/instances/from-timer"
            f"?code={host.admin_headers['x-functions-key']}",
        },
        "Completed",
    )
    assert from_timer["output"] == ["Hello Timer!"]

    host.process.send_signal(signal.SIGTERM)
    assert host.process.wait(10) == 0
    assert not [line for line in host.lines() if line["level"] == "ERROR"]
    calls = (host.data_dir / "activity-calls.txt").read_text().split()
    assert sorted(calls) == ["record", "say_hello", "say_hello", "say_hello"]
    assert (host.data_dir / "regions" / "eu" / "taskhub.sqlite").exists()
