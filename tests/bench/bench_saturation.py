"""Ingest at saturation: the embedded host beside a bare endpoint, in one run.

``python -m tests.bench.bench_saturation [--quick]`` from the repo root (``make bench`` runs the
quick mode). Two phases, each first against a bare Starlette endpoint (parses the JSON, answers
202: what any Python HTTP service on this machine costs) and then against the embedded host
serving the real app (the queue processor running in the same process, as with ``make run``):

1. saturation: 8 closed-loop clients send 20-event collect batches for 100 visitors as fast as
   the server answers; accepted events per second, p50 and p99, the host/bare ratio;
2. steady: 200 requests/s open loop (sent on schedule whatever the answers), p50 and p99.

After the load the host's queue is drained and every accepted event must be stored exactly
once (``stored == accepted``); 5xx answers are counted. Targets (issue 17): ratio <= 3, p99
<= 50 ms at 200 req/s, zero 5xx, stored == accepted. Prints a table and one JSON line; asserts
nothing about timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

from shared.adapters.sqlite_bus import SqliteBus
from shared.ports.clock import SystemClock
from tests.app_client import principal
from tests.bench.bench_ingest import HOST_ENV, ORIGIN, QUEUE, batch, stored_events
from tests.bench.load import open_loop
from tests.e2e.host_process import ROOT, HostProcess, free_port

CLIENTS, VISITORS, EVENTS = 8, 100, 20
STEADY_RPS = 200.0
TARGETS = {"ratio": 3.0, "steady_p99_ms": 50.0, "server_errors": 0}
BARE_APP = "tests.bench.bare_endpoint:app"


def bodies(count: int, offset: int = 0) -> list[bytes]:
    """``count`` collect bodies of ``EVENTS`` fresh events, spread over ``VISITORS`` visitors."""
    out = []
    for i in range(offset, offset + count):
        body = batch(i, EVENTS)
        visitor = f"visitor-{i % VISITORS}"
        body["visitorId"] = visitor
        body["visitorSecret"] = (visitor + "-secret-" + "x" * 22)[:40]
        out.append(json.dumps(body).encode())
    return out


async def closed_loop(
    port: int, path: str, headers: dict[str, str], payloads: list[bytes], seconds: float
) -> list[tuple[float, float, str]]:
    """``CLIENTS`` concurrent clients (one ``httpx.AsyncClient``, as the issue measured with),
    each sending its next body as soon as it has the answer to the last, for ``seconds``;
    (start, latency, status) of every request. The client's own cost is the same for both
    servers, and on two cores it is part of what the machine can do."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    results: list[tuple[float, float, str]] = []
    cursor = iter(range(len(payloads)))
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=30
    ) as http:

        async def client() -> None:
            while loop.time() < deadline:
                index = next(cursor, None)
                if index is None:
                    return
                started = loop.time()
                answer = await http.post(path, content=payloads[index])
                results.append((started, loop.time() - started, str(answer.status_code)))

        await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return sorted(results)


def summary(results: list[tuple[float, float, str]], events: int) -> dict[str, Any]:
    """Throughput and latency of one phase (accepted = 202 answers)."""
    latencies = sorted(lat * 1000 for _, lat, _ in results)
    span = max(s + lat for s, lat, _ in results) - results[0][0]
    statuses = Counter(status for *_, status in results)
    accepted = statuses.get("202", 0)
    return {
        "requests": len(results),
        "requests_per_s": len(results) / span,
        "events_per_s": accepted * events / span,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))],
        "server_errors": sum(n for s, n in statuses.items() if s.startswith("5")),
        "statuses": dict(statuses),
    }


def run_phases(
    port: int,
    headers: dict[str, str],
    seconds: float,
    offset: int,
    pid: int,
    queued: Callable[[], int] | None = None,
) -> dict[str, Any]:
    """Saturation, then steady 200 req/s, against one server (fresh events in each). The
    server's CPU seconds per accepted event in the saturation phase are the figure a loaded
    machine disturbs least (other processes slow it down, they do not add to it).

    ``queued`` (the host's queue depth): what the processor has not stored when saturation
    ends is waited for before the steady phase, and its CPU counts in the saturation figure,
    so work deferred to the queue is neither free nor hidden (``backlog``, ``drain_s``, and
    ``end_to_end_events_per_s``: accepted events over the time until all were stored)."""
    path = "/api/v1/collect"
    warm = bodies(2 * CLIENTS, offset)
    warmed = asyncio.run(closed_loop(port, path, headers, warm, 2.0))
    load = bodies(int(seconds * 3000), offset + len(warm))
    server = psutil.Process(pid)
    cpu_before = sum(server.cpu_times()[:2])
    saturated = asyncio.run(closed_loop(port, path, headers, load, seconds))
    backlog, drain = (queued(), time.monotonic()) if queued else (0, time.monotonic())
    while queued and queued() and time.monotonic() - drain < 600:
        time.sleep(0.05)
    drain = time.monotonic() - drain if queued else 0.0
    cpu = sum(server.cpu_times()[:2]) - cpu_before
    steady_bodies = bodies(int(seconds * STEADY_RPS), offset + len(warm) + len(load))
    steady = asyncio.run(open_loop(port, path, headers, steady_bodies, 1 / STEADY_RPS))
    accepted = EVENTS * sum(1 for r in saturated if r[2] == "202")
    return {
        "cpu_us_per_event": cpu / max(accepted, 1) * 1e6,
        "backlog": backlog,
        "backlog_drain_s": drain,
        "end_to_end_events_per_s": accepted / (seconds + drain),
        "saturation": summary(saturated, EVENTS),
        "steady": summary(steady, EVENTS),
        "accepted_events": EVENTS
        * sum(1 for r in (*warmed, *saturated, *steady) if r[2] == "202"),
    }


def bare_phase(root: Path, seconds: float) -> dict[str, Any]:
    port = free_port()
    with (root / "bare.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", BARE_APP, "--host", "127.0.0.1", "--port",
             str(port), "--log-level", "warning", "--no-access-log", "--loop", "uvloop",
             "--http", "httptools"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            _wait(f"http://127.0.0.1:{port}/health", proc)
            return run_phases(port, {"Content-Type": "application/json"}, seconds, 0, proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)


def _wait(url: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError("the bare endpoint exited")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise TimeoutError("the bare endpoint did not start")


def host_phase(root: Path, seconds: float) -> dict[str, Any]:
    host = HostProcess(root / "host", root / "host.log", HOST_ENV)
    host.start()
    try:
        created = httpx.post(
            f"{host.url}/api/v1/tenants", timeout=10,
            json={"name": "Bench", "region": "eu", "allowedOrigins": [ORIGIN]},
            headers={"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")},
        ).json()
        headers = {"X-Widget-Key": created["widgetKey"], "Origin": ORIGIN,
                   "Content-Type": "application/json"}
        assert host.proc is not None
        bus = SqliteBus(host.data_dir / "regions" / "eu" / "bus.sqlite", SystemClock())
        try:
            phases = run_phases(host.port, headers, seconds, 10**6, host.proc.pid,
                                lambda: bus.active_count(QUEUE))
            started = time.monotonic()
            while bus.active_count(QUEUE) and time.monotonic() - started < 600:
                time.sleep(0.05)
            phases["dead_letters"] = len(bus.dead_letters(QUEUE, 1000))
        finally:
            bus.close()
        phases["drain_s"] = time.monotonic() - started
    finally:
        host.stop()
    phases["stored_events"] = stored_events(host.data_dir, created["tenantId"])
    return phases


def run(quick: bool = False, workdir: Path | None = None) -> dict[str, Any]:
    seconds = 5.0 if quick else 15.0
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        bare = bare_phase(Path(tmp), seconds)
        host = host_phase(Path(tmp), seconds)
    result = {
        "mode": "quick" if quick else "full",
        "seconds": seconds,
        "loadavg_before": load_before,
        "bare": bare,
        "host": host,
        "ratio": bare["saturation"]["events_per_s"] / host["saturation"]["events_per_s"],
        "cpu_ratio": host["cpu_us_per_event"] / bare["cpu_us_per_event"],
        "end_to_end_ratio": bare["saturation"]["events_per_s"]
        / host["end_to_end_events_per_s"],
        "targets": TARGETS,
    }
    report(result)
    return result


def report(r: dict[str, Any]) -> None:
    print(f"\nsaturation benchmark ({r['mode']}, {r['seconds']:.0f} s per phase, {CLIENTS}"
          f" clients, {VISITORS} visitors, {EVENTS}-event batches, {os.cpu_count()} cpus,"
          f" load average {r['loadavg_before']:.2f} before)")
    for name in ("bare", "host"):
        s, d = r[name]["saturation"], r[name]["steady"]
        print(f"  {name:<5} saturation {s['events_per_s']:>9,.0f} events/s"
              f"  p50 {s['p50_ms']:6.1f}  p99 {s['p99_ms']:6.1f} ms  5xx {s['server_errors']}"
              f" | steady {d['requests_per_s']:5.0f} req/s p50 {d['p50_ms']:5.1f}"
              f" p99 {d['p99_ms']:6.1f} ms 5xx {d['server_errors']}")
    h = r["host"]
    print(f"  host backlog when saturation ended: {h['backlog']} messages, stored"
          f" {h['backlog_drain_s']:.1f} s later; end to end {h['end_to_end_events_per_s']:,.0f}"
          f" events/s (ratio {r['end_to_end_ratio']:.2f})")
    print(f"  server CPU per accepted event (backlog included): bare"
          f" {r['bare']['cpu_us_per_event']:.1f} us, host {h['cpu_us_per_event']:.1f} us"
          f" (x{r['cpu_ratio']:.1f})")
    print(f"  ratio bare/host {r['ratio']:.2f} (target <= {TARGETS['ratio']:.0f});"
          f" host accepted {h['accepted_events']} stored {h['stored_events']}"
          f" (drained in {h['drain_s']:.1f} s, dead letters {h['dead_letters']})")
    print(json.dumps(r, sort_keys=True), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 s per phase instead of 15")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()
