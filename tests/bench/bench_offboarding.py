"""Offboarding export benchmark: records per second and memory of the streamed package.

``python -m tests.bench.bench_offboarding [--records N]`` (default 200,000). Seeds a tenant with
behaviour records as ingest stores them (20 encrypted events per document, 100 documents per
subject) and builds the export twice, at N/10 and at N records, with tracemalloc on: the peak
of Python allocations must not grow with the tenant (the package streams into a spooled zip
that is uploaded in chunks). A third build without tracemalloc gives the rate. Prints figures
and one JSON line; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.composition import App, compose
from shared.containers import SUBJECTS
from shared.ports.document_store import BatchOp
from shared.retention.offboarding_export import build_export, export_package
from shared.settings import Settings
from shared.tenancy.models import TenantCreate
from tests.fakes import FakeClock

PER_DOCUMENT, DOCUMENTS_PER_SUBJECT = 20, 100
START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def seed(services: App, tenant_id: str, records: int) -> None:
    created = START.isoformat()
    per_subject = PER_DOCUMENT * DOCUMENTS_PER_SUBJECT
    for first in range(0, records, per_subject):
        subject = f"s-{uuid.uuid4().hex}"
        cipher, _, _ = services.subject_keys.cipher_or_create(tenant_id, subject)
        docs = []
        for start in range(first, min(first + per_subject, records), PER_DOCUMENT):
            events = []
            for n in range(start, min(start + PER_DOCUMENT, records)):
                event_id = str(uuid.uuid4())
                fields = {
                    "url": f"https://shop.example/products/sku-{n % 500}",
                    "referrer": "https://shop.example/",
                }
                events.append(
                    {
                        "id": event_id,
                        "eventType": "page_view",
                        "ts": created,
                        "enc": cipher.encrypt_fields(event_id, fields),
                    }
                )
            docs.append(
                {
                    "id": f"ev-{uuid.uuid4().hex}",
                    "tenantId": tenant_id,
                    "subjectId": subject,
                    "category": "behaviour",
                    "type": "events",
                    "sessionId": "sess-1",
                    "createdAt": created,
                    "ttl": -1,
                    "events": events,
                }
            )
        for start in range(0, len(docs), 100):
            ops = [BatchOp("create", item=d) for d in docs[start : start + 100]]
            services.store.batch(SUBJECTS.name, (tenant_id, subject), ops)


def build(services: App, tenant_id: str, traced: bool) -> dict[str, Any]:
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    manifest = build_export(services.store, services.subject_keys, services.blobs, tenant_id, START)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    records = sum(f["records"] for f in manifest["files"])
    return {
        "records": records,
        "seconds": seconds,
        "peak_mib": peak / 2**20,
        "package_mib": len(export_package(services.blobs, tenant_id)) / 2**20,
    }


def run(records: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-offboarding-") as tmp:
        services = compose(Settings(data_dir=Path(tmp)), clock=FakeClock(START))
        try:
            small, _ = services.tenants.create(
                TenantCreate(name="S", region="eu", allowedOrigins=[])
            )
            large, _ = services.tenants.create(
                TenantCreate(name="L", region="eu", allowedOrigins=[])
            )
            seed(services, small.tenantId, records // 10)
            seed(services, large.tenantId, records)
            traced_small = build(services, small.tenantId, traced=True)
            traced_large = build(services, large.tenantId, traced=True)
            rate = build(services, large.tenantId, traced=False)
        finally:
            services.close()
    return {
        "records": records,
        "records_per_s": round(rate["records"] / rate["seconds"]),
        "us_per_record": round(rate["seconds"] / rate["records"] * 1e6, 1),
        "peak_mib_small": round(traced_small["peak_mib"], 1),
        "peak_mib_large": round(traced_large["peak_mib"], 1),
        "peak_ratio_large_to_small": round(traced_large["peak_mib"] / traced_small["peak_mib"], 2),
        "package_mib": round(rate["package_mib"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    figures = run(parser.parse_args().records)
    print(
        f"offboarding export of {figures['records']:,} records: {figures['records_per_s']:,}"
        f" records/s ({figures['us_per_record']} us each), package {figures['package_mib']} MiB;"
        f" peak Python memory {figures['peak_mib_small']} MiB at 1/10 of the records and"
        f" {figures['peak_mib_large']} MiB at all of them"
        f" (ratio {figures['peak_ratio_large_to_small']})"
    )
    print(json.dumps(figures, sort_keys=True), flush=True)


if __name__ == "__main__":
    main()
