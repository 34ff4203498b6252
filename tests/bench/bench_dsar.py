"""DSAR benchmark: access and erasure latency by subject and tenant size, Durable engine overhead.

``python -m tests.bench.bench_dsar [--quick]`` from the repo root. Measures in one run:

1. Access and erasure of one subject with 10 and with 10,000 items (``--quick``: 2,000), in a
   tenant of 10,000 items and in one of 1,000,000 items (``--quick``: 100,000), each tenant in
   its own embedded SQLite store. The background is seeded through the store port (behaviour
   items, 100 per subject, batches of 100 per partition); each measured subject gets its own
   partition with items of every category encrypted with its real data key, and blind-index
   entries for its visitor id and email, as the ingest processor leaves them. A request is
   registered with ``dsar_admin.submit`` and the domain steps the orchestration calls are timed
   one by one (``register``; for erasure ``check_deadline``, the decision written by
   ``dsar_admin.decide`` (untimed: a person's step) and ``decision``; ``start``;
   ``run_category`` per category, in sequence (the orchestration fans them out); ``finish``).
   Access runs first, then erasure of the same subject, so the tenant holds its size plus the
   subject's items at every measurement. Each figure is the median of ``--repeats`` fresh
   subjects, after one untimed warm-up request per store.
2. Orchestration engine overhead: a trivial orchestrator calling a no-op activity N times in
   sequence, and once as a fan-out of N, on the embedded Durable engine with its worker
   threads and a SystemClock; microseconds per activity call = wall time / N.
3. Peak RSS of this process.

Prints a table and one JSON line; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Generator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import azure.durable_functions as df
import azure.functions as func

from infra.embedded_host.app_loader import FunctionDescriptor, describe
from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.store import TaskHubStore
from infra.embedded_host.durable.workers import DurableWorkers
from shared.auth import Grant, Principal
from shared.composition import App, compose
from shared.containers import SUBJECTS
from shared.crypto.blind_index import IdentifierKind, blind_index, index_id, subject_id_for_visitor
from shared.crypto.envelope import FieldCipher
from shared.dsar.models import DsarCreate, DsarDecision, DsarType
from shared.dsar.workflow_models import DsarVerify, VerificationMethod
from shared.policies.identifiers import normalise_email
from shared.policies.retention import Category, item_ttl
from shared.ports.clock import SystemClock
from shared.ports.document_store import BatchOp
from shared.ports.key_provider import current_secret
from shared.settings import Settings
from shared.subjects.models import HoldIdentifiers
from shared.tenancy.models import TenantCreate
from tests.bench.bench_retention import seed

PER_SUBJECT = 100
TARGET_RATIO = 1.5
OPERATOR = Principal("oid-bench-operator", frozenset({Grant("Privacy.Operator", "*")}))
APPROVER = Principal("oid-bench-approver", frozenset({Grant("Privacy.Admin", "*")}))
T = TypeVar("T")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(call: Callable[..., T], *args: Any) -> tuple[float, T]:
    began = time.perf_counter()
    result = call(*args)
    return (time.perf_counter() - began) * 1000, result


# -- seeding -------------------------------------------------------------------------------


def subject_item(
    cipher: FieldCipher, tenant_id: str, subject_id: str, n: int, now: datetime
) -> dict[str, Any]:
    """Item ``n`` of a measured subject, shaped as the ingest processor writes it."""
    item_id = str(uuid.uuid4())
    created = now - timedelta(minutes=n % 1000)
    base: dict[str, Any] = {
        "id": item_id,
        "tenantId": tenant_id,
        "subjectId": subject_id,
        "createdAt": created.isoformat(),
    }
    if n == 0:
        category, fields = (
            Category.CONTACT,
            {
                "type": "contact",
                "callbackRequested": True,
                "enc": cipher.encrypt_fields(
                    item_id,
                    {
                        "email": f"bench.{subject_id[-8:]}@example.org",
                        "phone": "+33611223344",
                        "name": "Bench Subject",
                        "message": "Please call me back about my order.",
                    },
                ),
            },
        )
    elif n == 1:
        category, fields = (
            Category.CONSENT,
            {
                "type": "consent",
                "source": "contact_form",
                "textVersion": "1",
                "purposes": {"callback": True, "analytics": True},
                "recordedAt": created.isoformat(),
            },
        )
    elif n % 10 == 8:
        category, fields = (
            Category.TECHNICAL,
            {
                "type": "technical",
                "sessionId": f"sess-{n // 50}",
                "browser": "Firefox",
                "os": "Linux",
                "device": "Other",
                "language": "fr-FR",
                "timezone": "Europe/Paris",
                "screen": {"w": 1920, "h": 1080},
                "enc": cipher.encrypt_fields(item_id, {"ip": "203.0.113.0"}),
            },
        )
    elif n % 10 == 9:
        category, fields = (
            Category.CONVERSATION,
            {
                "type": "message",
                "conversationId": f"conv-{n // 100}",
                "author": "visitor",
                "ts": created.isoformat(),
                "enc": cipher.encrypt_fields(
                    item_id, {"text": f"Message {n}: is the red model available in size 42?"}
                ),
            },
        )
    else:
        category, fields = (
            Category.BEHAVIOUR,
            {
                "type": "event",
                "sessionId": f"sess-{n // 50}",
                "eventType": "page_view",
                "ts": created.isoformat(),
                "durationMs": 1200,
                "enc": cipher.encrypt_fields(
                    item_id,
                    {
                        "url": f"https://shop.example/products/sku-{n}",
                        "referrer": "https://shop.example/",
                        "target": "a.product-link",
                    },
                ),
            },
        )
    ttl = item_ttl(category, created, now, {}, False)
    return base | {"category": category.value, "ttl": ttl} | fields


def add_subject(services: App, tenant_id: str, visitor_id: str, email: str, count: int) -> str:
    """A subject with ``count`` items in its partition and its blind-index entries."""
    key = current_secret(services.keys, "blind-index")
    subject_id = subject_id_for_visitor(key.value, tenant_id, visitor_id)
    cipher, doc, _ = services.subject_keys.cipher_or_create(tenant_id, subject_id)
    tenant = services.tenants.get(tenant_id)
    now = services.clock.now()
    identifiers: tuple[tuple[IdentifierKind, str], ...] = (
        ("visitor", visitor_id),
        ("email", normalise_email(email)),
    )
    for kind, value in identifiers:
        digest = blind_index(key.value, tenant_id, kind, value)
        services.index.link(tenant, kind, digest, key.version, subject_id, now, now)
        services.subject_keys.remember_index(tenant_id, subject_id, index_id(kind, digest), doc)
    items = [subject_item(cipher, tenant_id, subject_id, n, now) for n in range(count)]
    for start in range(0, count, PER_SUBJECT):
        ops = [BatchOp("create", item=i) for i in items[start : start + PER_SUBJECT]]
        services.store.batch(SUBJECTS.name, (tenant_id, subject_id), ops)
    return subject_id


# -- one request, step by step ------------------------------------------------------------


def run_request(
    services: App, tenant_id: str, kind: DsarType, email: str
) -> tuple[dict[str, float], dict[str, Any]]:
    """The domain steps of one orchestration, timed (ms); and the request's certificate."""
    request_id = services.dsar_admin.submit(
        OPERATOR,
        tenant_id,
        DsarCreate(type=kind, identifiers=HoldIdentifiers(email=email)),
    )
    work = services.dsar_steps
    steps: dict[str, float] = {}
    steps["register"], plan = timed(work.register, tenant_id, request_id)
    if plan["needsApproval"]:
        steps["check_deadline"], _ = timed(work.check_deadline, tenant_id, request_id)
        services.dsar_workflow.verify(  # untimed, like the decision: a person's step
            OPERATOR, tenant_id, request_id, DsarVerify(method=VerificationMethod.DOCUMENT)
        )
        services.dsar_admin.decide(
            APPROVER,
            tenant_id,
            request_id,
            DsarDecision(approve=True, reason="identity checked"),
        )
        steps["decision"], _ = timed(work.decision, tenant_id, request_id)
    steps["start"], _ = timed(work.start, tenant_id, request_id)
    results = []
    for category in plan["categories"]:
        ms, counts = timed(work.run_category, tenant_id, request_id, category)
        steps[f"category:{category}"] = ms
        results.append(json.loads(json.dumps(counts)))  # as it travels through the task hub
    steps["finish"], _ = timed(work.finish, tenant_id, request_id, results)
    doc = services.dsar_requests.get(tenant_id, request_id)
    assert doc["status"] == "completed", doc["status"]
    return steps, doc["result"]


def summarise(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median of each step over the repeats; ``categories`` and ``total`` are medians of sums."""
    steps = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    steps["categories"] = statistics.median(
        sum(v for k, v in r.items() if k.startswith("category:")) for r in runs
    )
    steps["total"] = statistics.median(sum(r.values()) for r in runs)
    return {k: round(v, 2) for k, v in steps.items()}


def bench_tenant(
    root: Path, tenant_items: int, subject_sizes: list[int], repeats: int
) -> dict[str, Any]:
    services = compose(Settings(data_dir=root / "data"), clock=SystemClock())
    tenant, _ = services.tenants.create(TenantCreate(name="Bench", region="eu", allowedOrigins=[]))
    tenant_id = tenant.tenantId
    began = time.perf_counter()
    seed(services, tenant_id, tenant_items)
    seeding = time.perf_counter() - began

    add_subject(services, tenant_id, "v-warm", "warm@example.org", 10)
    for kind in (DsarType.ACCESS, DsarType.ERASURE):  # one-time costs out of the figures
        run_request(services, tenant_id, kind, "warm@example.org")

    figures: dict[str, Any] = {"tenant_items": tenant_items, "seed_s": round(seeding, 1)}
    for size in subject_sizes:
        runs: dict[str, list[dict[str, float]]] = {"access": [], "erasure": []}
        add_s: list[float] = []
        for repeat in range(repeats):
            visitor, email = f"v-{size}-{repeat}", f"subject.{size}.{repeat}@example.org"
            began = time.perf_counter()
            add_subject(services, tenant_id, visitor, email, size)
            add_s.append(time.perf_counter() - began)
            steps, result = run_request(services, tenant_id, DsarType.ACCESS, email)
            exported = sum(c["records"] for c in result["categories"])
            assert exported == size, (exported, size)
            runs["access"].append(steps)
            steps, result = run_request(services, tenant_id, DsarType.ERASURE, email)
            erased = sum(c["deleted"] for c in result["categories"])
            assert erased == size and result["verification"]["verified"], result
            runs["erasure"].append(steps)
        figures[f"subject_{size}"] = {
            "items": size,
            "add_subject_s": round(statistics.median(add_s), 2),
            "access_ms": summarise(runs["access"]),
            "erasure_ms": summarise(runs["erasure"]),
        }
    db = root / "data" / "regions" / "eu" / "store.sqlite"
    figures["store_mb"] = round(db.stat().st_size / 2**20, 1)
    services.close()
    return figures


# -- the Durable engine on a trivial app ---------------------------------------------------

_bp = df.Blueprint()


@_bp.orchestration_trigger(context_name="context")
def bench_sequence(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    count = int(context.get_input())
    for n in range(count):
        yield context.call_activity("bench_noop", n)
    return count


@_bp.orchestration_trigger(context_name="context")
def bench_fan_out(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    count = int(context.get_input())
    values = yield context.task_all([context.call_activity("bench_noop", n) for n in range(count)])
    return len(values)


@_bp.activity_trigger(input_name="value")
def bench_noop(value: int) -> int:
    return value


ENGINE_APP = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
ENGINE_APP.register_functions(_bp)


@functools.cache
def engine_functions() -> list[FunctionDescriptor]:
    """Described once: the library refuses to list an app's functions a second time."""
    logging.disable(logging.WARNING)  # the library warns that a non-HTTP app has no auth level
    try:
        return describe(ENGINE_APP)
    finally:
        logging.disable(logging.NOTSET)


def bench_engine(root: Path, calls: int) -> dict[str, Any]:
    store = TaskHubStore(root / "taskhub.sqlite")
    engine = DurableEngine(engine_functions(), store, SystemClock())
    workers = DurableWorkers(engine)  # the host's pool sizes
    workers.start()
    figures: dict[str, Any] = {"calls": calls}
    try:
        warm = engine.start_new("bench_sequence", None, "2")
        engine.wait_for(warm, {"Completed"}, timeout=60)
        for label, name in (("sequence", "bench_sequence"), ("fan_out", "bench_fan_out")):
            began = time.perf_counter()
            instance_id = engine.start_new(name, None, json.dumps(calls))
            done = engine.wait_for(instance_id, {"Completed", "Failed"}, timeout=1800)
            elapsed = time.perf_counter() - began
            assert done.status == "Completed" and json.loads(done.output or "0") == calls, done
            figures[f"{label}_s"] = round(elapsed, 3)
            figures[f"{label}_us_per_call"] = round(elapsed / calls * 1e6)
            figures[f"{label}_history_events"] = len(store.history(instance_id))
    finally:
        workers.stop()
        store.close()
    return figures


# -- the run -------------------------------------------------------------------------------


def run(
    quick: bool = False, repeats: int | None = None, calls: int = 200, workdir: Path | None = None
) -> dict[str, Any]:
    tenants = [10_000, 100_000 if quick else 1_000_000]
    sizes = [10, 2_000 if quick else 10_000]
    repeats = repeats or (3 if quick else 5)
    root = Path(tempfile.mkdtemp(prefix="bench-dsar-", dir=workdir))
    try:
        figures: dict[str, Any] = {
            "mode": "quick" if quick else "full",
            "repeats": repeats,
            "cpus": os.cpu_count(),
        }
        for items in tenants:
            figures[f"tenant_{items}"] = bench_tenant(root / f"t{items}", items, sizes, repeats)
        small, large = (figures[f"tenant_{t}"] for t in tenants)
        figures["ratio_large_to_small_tenant"] = {
            f"{kind}_{size}": round(
                large[f"subject_{size}"][f"{kind}_ms"]["total"]
                / small[f"subject_{size}"][f"{kind}_ms"]["total"],
                2,
            )
            for kind in ("access", "erasure")
            for size in sizes
        }
        figures["engine"] = bench_engine(root, calls)
        figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    report(figures, tenants, sizes)
    return figures


def report(r: dict[str, Any], tenants: list[int], sizes: list[int]) -> None:
    print(f"\nDSAR benchmark ({r['mode']}, median of {r['repeats']}, {r['cpus']} cpus)")
    print(
        f"  {'request':<9} {'subject':>7} {'tenant':>10} {'total ms':>10} {'register':>9}"
        f" {'start':>7} {'categories':>11} {'finish':>8}"
    )
    for kind in ("access", "erasure"):
        for size in sizes:
            for items in tenants:
                s = r[f"tenant_{items}"][f"subject_{size}"][f"{kind}_ms"]
                print(
                    f"  {kind:<9} {size:>7,} {items:>10,} {s['total']:>10.1f}"
                    f" {s['register']:>9.1f} {s['start']:>7.1f} {s['categories']:>11.1f}"
                    f" {s['finish']:>8.1f}"
                )
            ratio = r["ratio_large_to_small_tenant"][f"{kind}_{size}"]
            print(f"  {'':<9} {'':>7} {'ratio':>10} {ratio:>10.2f}   (target <= {TARGET_RATIO})")
    for items in tenants:
        t = r[f"tenant_{items}"]
        print(f"  tenant {items:,}: seeded in {t['seed_s']} s, store {t['store_mb']} MB")
    e = r["engine"]
    print(
        f"  engine, {e['calls']} no-op activities: sequence {e['sequence_us_per_call']:,} us"
        f"/call ({e['sequence_s']} s), fan-out {e['fan_out_us_per_call']:,} us/call"
        f" ({e['fan_out_s']} s)"
    )
    print(f"  peak RSS {r['peak_rss_mb']} MB")
    print(json.dumps(r, sort_keys=True), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tenants of 10k and 100k items, subjects of 10 and 2,000",
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="fresh subjects per figure (default 5, quick 3)"
    )
    parser.add_argument("--calls", type=int, default=200, help="activity calls for the engine")
    args = parser.parse_args()
    run(quick=args.quick, repeats=args.repeats, calls=args.calls)


if __name__ == "__main__":
    main()
