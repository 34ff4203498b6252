"""Retention benchmark: backstop sweep and re-stamp throughput on the embedded store.

``python -m tests.bench.bench_retention [--items N]`` (default 1,000,000). Builds a tenant whose
behaviour items are all past their period with TTL switched off on the container (so only the
sweep can delete them), then measures in one run: the sweep (items/s), a bare SQLite DELETE of
the same rows on a copy of the file (the baseline), and a re-stamp job over the same number of
items. Prints figures and one JSON line; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.composition import App, compose
from shared.containers import SUBJECTS
from shared.ports.document_store import BatchOp, ContainerSpec
from shared.retention.jobs import Budget, request_restamp
from shared.settings import Settings
from shared.tenancy.models import TenantCreate
from tests.fakes import FakeClock

PER_SUBJECT = 100
START = datetime(2026, 1, 1, tzinfo=UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(services: App, tenant_id: str, count: int) -> None:
    """``count`` behaviour items, 100 per subject, written through the port in batches.

    Subject ids are shaped as real ones (``s-`` and 32 hex digits), so a subject measured
    later lands at a random place among them in key order."""
    created = services.clock.now().isoformat()
    for start in range(0, count, PER_SUBJECT):
        subject = "s-" + hashlib.sha256(f"{tenant_id}/{start}".encode()).hexdigest()[:32]
        ops = [
            BatchOp(
                "create",
                item={
                    "id": str(uuid.uuid4()),
                    "tenantId": tenant_id,
                    "subjectId": subject,
                    "category": "behaviour",
                    "type": "event",
                    "createdAt": created,
                    "eventType": "page_view",
                    "ttl": 30 * 86400,
                    "enc": {
                        "url": "v1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                    },
                },
            )
            for _ in range(min(PER_SUBJECT, count - start))
        ]
        services.store.batch(SUBJECTS.name, (tenant_id, subject), ops)


def ttl_off(services: App) -> None:
    """TTL switched off on the container: only the sweep can delete (what it is there for)."""
    spec = ContainerSpec(SUBJECTS.name, SUBJECTS.partition_key_paths, default_ttl=None)
    services.store.ensure_container(spec)


def bare_delete(db: Path, cutoff: str) -> tuple[int, float]:
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    began = time.perf_counter()
    with connection:
        deleted = connection.execute(
            "DELETE FROM items WHERE container = 'subjects'"
            " AND json_extract(body, '$.category') = 'behaviour'"
            " AND json_extract(body, '$.createdAt') < ?",
            (cutoff,),
        ).rowcount
    elapsed = time.perf_counter() - began
    connection.close()
    return deleted, elapsed


def run(count: int) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-retention-"))
    clock = FakeClock(START)
    services = compose(Settings(data_dir=root / "data"), clock=clock)
    ttl_off(services)
    tenant, _ = services.tenants.create(TenantCreate(name="Bench", region="eu", allowedOrigins=[]))
    began = time.perf_counter()
    seed(services, tenant.tenantId, count)
    seeding = time.perf_counter() - began
    clock.advance(timedelta(days=31))
    cutoff = (clock.now() - timedelta(days=30)).isoformat()
    db = root / "data" / "regions" / "eu" / "store.sqlite"
    services.store.close()
    shutil.copy(db, root / "copy.sqlite")
    for suffix in ("-wal", "-shm"):
        if Path(f"{db}{suffix}").exists():
            shutil.copy(f"{db}{suffix}", root / f"copy.sqlite{suffix}")
    services = compose(Settings(data_dir=root / "data"), clock=clock)
    ttl_off(services)

    # Re-stamp first (every item gets its remaining time under a 60-day policy), then sweep.
    services.tenants.update_fields(tenant.tenantId, lambda t: {"retention": {"behaviour": 60}})
    request_restamp(services.tenants, tenant.tenantId, "bench", clock)
    began = time.perf_counter()
    services.retention_jobs.run(Budget(items=count * 2, seconds=3600))
    restamp = time.perf_counter() - began
    services.tenants.update_fields(tenant.tenantId, lambda t: {"retention": {}})

    began = time.perf_counter()
    report = services.sweeps.sweep_expired(Budget(items=count * 2, seconds=3600))
    sweep = time.perf_counter() - began
    swept = sum(report["deleted"].get(tenant.tenantId, {}).values())
    bare, bare_s = bare_delete(root / "copy.sqlite", cutoff)
    services.close()
    shutil.rmtree(root)
    return {
        "items": count,
        "seed_s": round(seeding, 1),
        "sweep_items_per_s": round(swept / sweep),
        "swept": swept,
        "bare_delete_items_per_s": round(bare / bare_s),
        "bare_deleted": bare,
        "sweep_to_bare_ratio": round(sweep / bare_s, 2),
        "restamp_items_per_s": round(count / restamp),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    figures = run(parser.parse_args().items)
    for key, value in figures.items():
        print(f"{key:>26}: {value}")
    print("targets: sweep >= 20000 items/s, peak RSS <= 200 MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
