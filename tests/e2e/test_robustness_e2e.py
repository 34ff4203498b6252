"""Robustness against the host process: concurrent calls of one visitor, bodies refused before
they are read, a broken tenant that every timer survives, and client mistakes on routes."""

from __future__ import annotations

import random
import select
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import TENANTS
from shared.ports.clock import SystemClock
from tests.conftest import collect_body
from tests.e2e.helpers import as_role, run_function, wait_for, widget
from tests.e2e.host_process import HostProcess
from tests.stored import region_store, stored_records

pytestmark = pytest.mark.e2e
TIMERS = (
    "run_retention_jobs",
    "sweep_expired_items",
    "sweep_audit_and_dead_letters",
    "advance_offboarding",
    "escalate_incident_notices",
    "rotate_data_keys",
    "purge_expired_items",
    "purge_finished_dsar",
)


def new_tenant(api: httpx.Client, name: str) -> dict[str, Any]:
    body = {"name": name, "region": "eu", "allowedOrigins": ["https://shop.example"]}
    answer = api.post("/v1/tenants", headers=as_role("Platform.Admin"), json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture
def api(host: HostProcess) -> Any:
    with httpx.Client(base_url=f"{host.url}/api", timeout=30) as client:
        yield client


def test_concurrent_calls_of_one_visitor_get_no_5xx_and_exact_counts(
    host: HostProcess, api: httpx.Client
) -> None:
    tenant = new_tenant(api, "Busy")
    rng = random.Random(5)
    pool = collect_body(150)["events"]
    bodies = [
        collect_body(1) | {"events": rng.sample(pool, rng.randint(1, 12))} for _ in range(160)
    ]
    with ThreadPoolExecutor(max_workers=8) as tabs:
        answers = list(
            tabs.map(
                lambda b: api.post("/v1/collect", headers=widget(tenant["widgetKey"]), json=b),
                bodies,
            )
        )
    assert [a.status_code for a in answers if a.status_code != 202] == []
    for body, answer in zip(bodies, answers, strict=True):
        assert answer.json()["accepted"] + answer.json()["duplicates"] == len(body["events"])
    distinct = {e["id"] for b in bodies for e in b["events"]}
    assert sum(a.json()["accepted"] for a in answers) == len(distinct)

    def stored() -> list[str]:
        with region_store(host.data_dir) as store:
            return sorted(e["id"] for e in stored_records(store, tenant["tenantId"], "event"))

    wait_for(lambda: len(stored()) >= len(distinct), what="every accepted event stored")
    assert stored() == sorted(distinct)  # each once


def raw_post(host: HostProcess, head: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", host.port), timeout=5)
    sock.sendall(b"POST /api/v1/collect HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head + b"\r\n")
    return sock


def test_a_body_over_the_limit_is_refused_before_it_is_read(host: HostProcess) -> None:
    with raw_post(
        host, b"Content-Type: application/json\r\nContent-Length: 10737418240\r\n"
    ) as sock:
        answer = sock.recv(4096)  # 10 GiB declared, none sent: answered at once
    assert answer.startswith(b"HTTP/1.1 413") and b"application/problem+json" in answer
    with raw_post(
        host, b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    ) as sock:
        chunk = b"x" * 65536
        frame, sent = b"%x\r\n%s\r\n" % (len(chunk), chunk), 0
        while sent < 64 * 1024 * 1024 and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(frame)
            except OSError:  # the host stopped reading and closed: the answer is waiting
                break
            sent += len(chunk)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert sent < 16 * 1024 * 1024  # it answered long before the client was done


def test_every_timer_survives_a_broken_tenant_and_reports_it(
    host: HostProcess, api: httpx.Client
) -> None:
    broken, other = new_tenant(api, "Broken"), new_tenant(api, "Other")
    for tenant in (broken, other):
        answer = api.post("/v1/collect", headers=widget(tenant["widgetKey"]), json=collect_body(2))
        assert answer.status_code == 202
    directory = SqliteDocumentStore(host.data_dir / "directory.sqlite", SystemClock())
    try:
        directory.ensure_container(TENANTS)
        doc = directory.read(TENANTS.name, (broken["tenantId"],), broken["tenantId"])
        directory.replace(TENANTS.name, doc | {"allowedOrigins": None, "ipPolicy": 7})
    finally:
        directory.close()
    patch = {"retention": {"behaviour": 1}}
    accepted = api.patch(
        f"/v1/tenants/{other['tenantId']}", headers=as_role("Privacy.Admin"), json=patch
    )
    assert accepted.status_code == 200

    for name in TIMERS:
        run_function(host, name)  # 202: each ran to completion

    job = api.get(f"/v1/tenants/{other['tenantId']}", headers=as_role("Privacy.Admin")).json()
    assert job["retentionJob"]["status"] == "completed"
    answer = api.get(f"/v1/tenants/{broken['tenantId']}", headers=as_role("Privacy.Admin"))
    assert answer.status_code == 409 and answer.json()["type"].endswith("/quarantined")
    listed = api.get("/v1/quarantine", headers=as_role("Platform.Admin")).json()["items"]
    assert [i["documentId"] for i in listed] == [broken["tenantId"]]
    assert api.get("/v1/health").json()["quarantined"] == 1
    log = host.log_path.read_text()
    assert '"msg": "function failed"' not in log and "admin invocation failed" not in log


def test_client_mistakes_on_routes_are_problems(host: HostProcess, api: httpx.Client) -> None:
    missing = api.get("/v2/nothing")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "/api/v1/" in missing.json()["detail"]
    wrong = api.delete("/v1/collect")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "OPTIONS, POST"
    assert wrong.headers["content-type"] == "application/problem+json"
    odd = api.request("TRACE", "/v1/tenants")
    assert odd.status_code == 405 and "POST" in odd.headers["allow"]
