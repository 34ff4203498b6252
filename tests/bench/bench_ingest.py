"""Ingest benchmark: processor throughput vs a bare baseline, and HTTP collect latency.

Run ``python -m tests.bench.bench_ingest [--quick]`` from the repo root. Prints a table and
one JSON line. Nothing here asserts on timings; targets are printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.adapters.sqlite_bus import SqliteBus
from shared.composition import compose
from shared.ingest.gate import WidgetCall
from shared.ingest.models import Event
from shared.ports.clock import SystemClock
from shared.settings import Settings
from shared.tenancy.models import TenantCreate
from tests.app_client import principal
from tests.bench.load import cpu_seconds, open_loop, peak_rss_mb
from tests.conftest import visitor_secret
from tests.e2e.host_process import HostProcess
from tests.stored import region_store, stored_records

ORIGIN = "https://shop.example"
QUEUE = "widget-ingest"
WARM = 20  # messages processed untimed first: one-time costs (ua-parser tables, new subjects)
TARGETS = {"ratio": 2.0, "events_per_s": 5000.0, "p99_ms": 20.0}
HOST_ENV = {
    "PRIVACY_WIDGET_RATE_PER_SECOND": "100000",
    "PRIVACY_WIDGET_RATE_BURST": "100000",
    "PRIVACY_WIDGET_IP_RATE_PER_SECOND": "100000",
    "PRIVACY_WIDGET_IP_RATE_BURST": "100000",
}
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Safari/605.1.15",
]
PAGES = [
    "/",
    "/products/sku-{n}",
    "/cart",
    "/checkout?step=2&email=jean%40example.com",
    "/search?q=red+shoes&utm_source=news&utm_campaign=nov-{n}",
    "/blog/post-{n}#comments",
]
TYPES = ["page_view", "click", "scroll_depth", "time_on_page", "navigation"]


def batch(index: int, size: int = 20) -> dict[str, Any]:
    """One realistic collect body: one of 12 visitors browsing, with one of four agents."""
    ts, events = datetime.now(UTC).isoformat(), []
    for n in range(size):
        kind = TYPES[n % len(TYPES)]
        event: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "type": kind,
            "ts": ts,
            "url": ORIGIN + PAGES[(index + n) % len(PAGES)].format(n=(index * 7 + n) % 500),
            "referrer": f"https://www.google.com/search?q=shop+{index % 50}&hl=fr"
            if n == 0
            else f"{ORIGIN}/products/sku-{(index + n) % 500}",
        }
        if kind == "click":
            event["target"] = f"button#add-to-cart-{n}.btn.btn-primary"
        if kind == "time_on_page":
            event["durationMs"] = 1000 + 37 * n
        events.append(event)
    return {
        "visitorId": f"visitor-{index % 12}",
        "visitorSecret": visitor_secret(f"visitor-{index % 12}"),
        "sessionId": f"sess-{index % 40}",
        "context": {
            "userAgent": AGENTS[index % len(AGENTS)],
            "language": "fr-FR",
            "screen": {"width": 1440, "height": 900},
            "timezone": "Europe/Paris",
        },
        "events": events,
    }


def bench_processor(root: Path, messages: int) -> tuple[float, list[dict[str, Any]]]:
    """Seconds of ``processor.process`` over ``messages`` collect messages, and their bodies."""
    settings = Settings(
        data_dir=root / "proc", dev_auth=True, widget_rate_per_second=1e6, widget_rate_burst=10**6,
        widget_ip_rate_per_second=1e6, widget_ip_rate_burst=10**6
    )
    services = compose(settings, clock=None)
    try:
        _, key = services.tenants.create(
            TenantCreate(name="Bench", region="eu", allowedOrigins=[ORIGIN])
        )
        bodies = [batch(i) for i in range(WARM + messages)]
        for body in bodies:
            services.ingest.collect(
                WidgetCall(key, ORIGIN, "203.0.113.77:50123", json.dumps(body).encode())
            )
        received = []
        while got := services.bus.receive(settings.ingest_queue, 100, timedelta(hours=1)):
            received += got
        assert len(received) == len(bodies), "every collect call enqueues one message"
        for msg in received[:WARM]:
            services.processor.process(msg.body, msg.message_id)
        started = time.perf_counter()
        for msg in received[WARM:]:
            services.processor.process(msg.body, msg.message_id)
        return time.perf_counter() - started, bodies[WARM:]
    finally:
        services.close()


def bench_baseline(root: Path, bodies: list[dict[str, Any]]) -> float:
    """Validate each event, AES-GCM its url/referrer/target, insert it (commit per message)."""
    db = sqlite3.connect(root / "baseline.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        "CREATE TABLE events (id TEXT PRIMARY KEY, type TEXT, ts TEXT, url BLOB,"
        " referrer BLOB, target BLOB)"
    )
    aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def seal(event_id: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        nonce = os.urandom(12)
        return nonce + aead.encrypt(nonce, value.encode(), event_id.encode())

    started = time.perf_counter()
    for body in bodies:
        db.execute("BEGIN")
        for raw in body["events"]:
            e = Event.model_validate(raw)
            eid = str(e.id)
            db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                (
                    eid,
                    e.type.value,
                    e.ts.isoformat(),
                    seal(eid, e.url),
                    seal(eid, e.referrer),
                    seal(eid, e.target),
                ),
            )
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def stored_events(data_dir: Path, tenant_id: str) -> int:
    with region_store(data_dir) as store:
        return len(stored_records(store, tenant_id, "event"))


def bench_http(
    root: Path, seconds: float, rate: float = 200.0, warmup: float = 1.0
) -> dict[str, Any]:
    host = HostProcess(root / "host", root / "host.log", HOST_ENV)
    host.start()
    try:
        assert host.proc is not None
        proc = psutil.Process(host.proc.pid)
        created = httpx.post(
            f"{host.url}/api/v1/tenants",
            timeout=10,
            json={"name": "Bench", "region": "eu", "allowedOrigins": [ORIGIN]},
            headers={"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")},
        )
        tenant_id, key = created.json()["tenantId"], created.json()["widgetKey"]
        n_warm = int(warmup * rate)
        bodies = [json.dumps(batch(i)).encode() for i in range(n_warm + int(seconds * rate))]
        cpu0, t0 = cpu_seconds(proc), time.monotonic()
        headers = {"X-Widget-Key": key, "Origin": ORIGIN, "Content-Type": "application/json"}
        results = asyncio.run(open_loop(host.port, "/api/v1/collect", headers, bodies, 1 / rate))
        load_end = time.monotonic()
        cpu = {
            f"{name}_cpu_cores": (b - a) / (load_end - t0)
            for name, a, b in zip(
                ("host", "client", "machine"), cpu0, cpu_seconds(proc), strict=True
            )
        }
        bus = SqliteBus(host.data_dir / "regions" / "eu" / "bus.sqlite", SystemClock())
        try:
            while bus.active_count(QUEUE) and time.monotonic() - load_end < 600:
                time.sleep(0.05)
        finally:
            bus.close()
        drain, host_peak = time.monotonic() - load_end, peak_rss_mb(proc.pid)
    finally:
        host.stop()
    measured = results[n_warm:]
    latencies = sorted(lat * 1000 for _, lat, _ in measured)
    errors = Counter(outcome for *_, outcome in measured if outcome != "202")
    return {
        "requests": len(measured),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "offered_rps": rate,
        "achieved_rps": len(measured) / (max(s + lat for s, lat, _ in measured) - measured[0][0]),
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[int(0.99 * len(latencies))],
        "max_ms": latencies[-1],
        "drain_s": drain,
        "host_peak_rss_mb": host_peak,
        **cpu,
        "accepted_events": 20 * sum(1 for *_, outcome in results if outcome == "202"),
        "stored_events": stored_events(host.data_dir, tenant_id),
    }


def run(quick: bool = False, workdir: Path | None = None) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        root = Path(tmp)
        proc_s, bodies = bench_processor(root, 200 if quick else 1000)
        base_s = bench_baseline(root, bodies)
        bench_peak = peak_rss_mb(os.getpid())
        http = bench_http(root, 5.0 if quick else 20.0)
    n = sum(len(b["events"]) for b in bodies)
    result = {
        "mode": "quick" if quick else "full",
        "messages": len(bodies),
        "events": n,
        "processor_events_per_s": n / proc_s,
        "baseline_events_per_s": n / base_s,
        "processor_us_per_event": proc_s / n * 1e6,
        "baseline_us_per_event": base_s / n * 1e6,
        "ratio": proc_s / base_s,
        "bench_peak_rss_mb": bench_peak,
        **http,
        "loadavg_before": load_before,
        "targets": TARGETS,
    }
    report(result)
    return result


REPORT = [  # label, format (of the result dict), target
    ("processor throughput", "{processor_events_per_s:,.0f} events/s", ">= 5,000"),
    ("baseline throughput", "{baseline_events_per_s:,.0f} events/s", ""),
    ("processor / baseline", "{ratio:.2f}x", "<= 2"),
    ("us per event proc / base", "{processor_us_per_event:.1f} / {baseline_us_per_event:.1f}", ""),
    ("collect p50 / p99 / max", "{p50_ms:.1f} / {p99_ms:.1f} / {max_ms:.1f} ms", "p99 <= 20 ms"),
    ("rate offered / achieved", "{offered_rps:.0f} / {achieved_rps:.1f} req/s", ""),
    ("errors", "{errors} of {requests} {error_kinds}", ""),
    (
        "CPU host / client / machine",
        "{host_cpu_cores:.2f} / {client_cpu_cores:.2f} / {machine_cpu_cores:.2f} cores",
        "",
    ),
    ("queue drain after load", "{drain_s:.2f} s", ""),
    ("events accepted / stored", "{accepted_events} / {stored_events}", ""),
    ("peak RSS host / bench", "{host_peak_rss_mb:.0f} / {bench_peak_rss_mb:.0f} MiB", ""),
]


def report(r: dict[str, Any]) -> None:
    print(
        f"\ningest benchmark ({r['mode']}, {r['events']} events, {os.cpu_count()} cpus,"
        f" load average {r['loadavg_before']:.2f} before)"
    )
    for label, value, target in REPORT:
        print(f"  {label:<28} {value.format(**r):<30} {target}")
    print(json.dumps(r, sort_keys=True), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="200 messages, 5 s of load")
    run(quick=parser.parse_args().quick)


if __name__ == "__main__":
    main()
