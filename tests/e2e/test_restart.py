"""kill -9 mid-stream loses nothing answered 202 and stores nothing twice."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.app_client import principal
from tests.conftest import collect_body
from tests.e2e.host_process import HostProcess
from tests.stored import region_store, stored_records

pytestmark = pytest.mark.e2e
ORIGIN = "https://shop.example"


def stored_event_ids(data_dir: Path, tenant_id: str) -> list[str]:
    with region_store(data_dir) as store:
        return [r["id"] for r in stored_records(store, tenant_id, "event")]


def test_kill_9_mid_stream_loses_no_accepted_event(host: HostProcess) -> None:
    with httpx.Client(base_url=f"{host.url}/api", timeout=5) as api:
        created = api.post(
            "/v1/tenants",
            headers={"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")},
            json={"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN]},
        )
        tenant_id, key = created.json()["tenantId"], created.json()["widgetKey"]
    bodies = [collect_body(20, f"visitor-{i % 7}") for i in range(50)]
    answered: set[int] = set()
    done = threading.Event()

    def send(indexes: list[int], base: str) -> None:
        with httpx.Client(base_url=base, timeout=5) as api:
            for i in indexes:
                try:
                    answer = api.post(
                        "/api/v1/collect",
                        json=bodies[i],
                        headers={"X-Widget-Key": key, "Origin": ORIGIN},
                    )
                except httpx.TransportError:
                    continue
                if answer.status_code == 202:
                    answered.add(i)
        done.set()

    sender = threading.Thread(target=send, args=(list(range(50)), host.url))
    sender.start()
    while len(answered) < 20:
        time.sleep(0.005)
    host.kill9()  # mid-stream: requests and queue processing are in flight
    sender.join(30)
    assert 20 <= len(answered) < 50

    host.start()
    send([i for i in range(50) if i not in answered], host.url)  # the widget retries
    assert len(answered) == 50
    expected = {str(e["id"]) for b in bodies for e in b["events"]}

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ids = stored_event_ids(host.data_dir, tenant_id)
        if len(set(ids)) >= len(expected):
            break
        time.sleep(0.2)
    assert len(ids) == len(set(ids)) == 1000
    assert set(ids) == expected
