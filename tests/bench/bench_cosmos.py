"""Cosmos adapter benchmark and RU cost model: ``python -m tests.bench.bench_cosmos [--quick]``.

1. Operations per second of ``CosmosDocumentStore`` against the local stand-in
   (``@vercel/cosmosdb-server``, after ``npm ci``) beside ``SqliteDocumentStore``, same run and
   items. Context only: the stand-in is an in-memory Node process, not Cosmos DB.
2. RU per accepted event and per DSAR. The stand-in charges a flat 1 RU per request, so RUs
   come from a model applied to what the real services do: ``IngestProcessor`` and the DSAR
   steps run on the embedded SQLite store through a recorder that sizes every operation.

Cost model (Azure Cosmos DB for NoSQL, session consistency, default indexing):
- Point read and write by item size, interpolated in the table of "Understand request unit
  consumption" (learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption):
  1 KB read 1.00 / write 4.95 RU, 2 KB 1.04 / 6.29, 4 KB 1.14 / 6.67, 8 KB 1.33 / 7.04,
  16 KB 1.67 / 9.52, 32 KB 2.19 / 11.23, 64 KB 4.76 / 22.67, 128 KB 9.95 / 48.19; the older
  "Optimize request cost" page rounds to 1 RU / 5 RU per 1 KB item.
- Writes are insert, replace, upsert and delete alike ("Optimize request cost"); a patch is
  charged as a write of the resulting item (assumption: Cosmos bills patch like a replace).
- A transactional batch costs the sum of its operations (Cosmos "Transactional batch" docs).
- A query costs QUERY_BASE_RU plus a point read of each item returned (assumption: the docs
  only say queries cost a variable amount, at least a point read; ~2.5 RU is what an indexed
  single-partition query of a few small items is charged in practice).
- TTL deletions are free: they run in the background on left-over RUs ("Time to live" docs).
Target: <= 3 RU per accepted event. Prints a report and one JSON line; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from bisect import bisect_left
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from infra.emulators.launch import EMULATOR_KEY, cosmos_server
from shared.adapters.cosmos_store import CosmosDocumentStore
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.auth import Grant, Principal
from shared.composition import App, compose
from shared.dsar.models import DsarCreate
from shared.ingest.gate import WidgetCall
from shared.ports.clock import SystemClock
from shared.ports.document_store import (
    BatchOp,
    ContainerSpec,
    DocumentStore,
    NotFound,
    StoreError,
)
from shared.settings import Settings
from shared.tenancy.models import TenantCreate
from tests.bench.bench_ingest import ORIGIN, WARM, batch
from tests.conftest import visitor_secret

SIZES_KB = (1, 2, 4, 8, 16, 32, 64, 128)
READ_RU = (1.00, 1.04, 1.14, 1.33, 1.67, 2.19, 4.76, 9.95)
WRITE_RU = (4.95, 6.29, 6.67, 7.04, 9.52, 11.23, 22.67, 48.19)
QUERY_BASE_RU = 2.5
SYSTEM_BYTES = 150  # _rid, _self, _etag, _ts, _attachments as Cosmos stores them
TARGET_RU_PER_EVENT = 3.0
SPEC = ContainerSpec("bench", ("/tenantId", "/subjectId"), default_ttl=-1)


def ru(table: tuple[float, ...], size_bytes: float) -> float:
    """Linear interpolation in a size table; 1 KB at least."""
    kb = max(1.0, (size_bytes + SYSTEM_BYTES) / 1024)
    i = min(max(bisect_left(SIZES_KB, kb), 1), len(SIZES_KB) - 1)
    lo, hi = SIZES_KB[i - 1], SIZES_KB[i]
    return table[i - 1] + (table[i] - table[i - 1]) * (kb - lo) / (hi - lo)


def size(item: Any) -> int:
    return len(json.dumps(item, separators=(",", ":")))


def _priced_write(kind: str) -> Callable[..., Any]:
    def priced(self: Recorder, *args: Any, **kwargs: Any) -> Any:
        try:
            item = getattr(self.inner, kind)(*args, **kwargs)
        except StoreError:
            self._add(f"{kind} (refused)", READ_RU[0])  # assumption: a 409/412 costs ~1 RU
            raise
        self._add(kind, ru(WRITE_RU, size(item)))
        return item

    return priced


class Recorder:
    """A ``DocumentStore`` in front of another that prices each call with the cost model."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner = inner
        self.reset()

    def reset(self) -> None:
        self.ops: dict[str, int] = {}
        self.units: dict[str, float] = {}
        self.batched = [0, 0]  # items and bytes written by batches

    def _add(self, kind: str, units: float) -> None:
        self.ops[kind] = self.ops.get(kind, 0) + 1
        self.units[kind] = self.units.get(kind, 0.0) + units

    def __getattr__(self, name: str) -> Any:  # ensure_container, purge_expired, close
        return getattr(self.inner, name)

    def read(self, *args: Any) -> Any:
        try:
            item = self.inner.read(*args)
        except NotFound:
            self._add("read (not found)", READ_RU[0])  # a 404 is charged like a small read
            raise
        self._add("read", ru(READ_RU, size(item)))
        return item

    def read_many(self, *args: Any) -> Any:
        items = self.inner.read_many(*args)
        self._add("read_many", QUERY_BASE_RU + sum(ru(READ_RU, size(i)) for i in items))
        return items

    def query(self, *args: Any, **kwargs: Any) -> Any:
        page = self.inner.query(*args, **kwargs)
        self._add("query", QUERY_BASE_RU + sum(ru(READ_RU, size(i)) for i in page.items))
        return page

    create = _priced_write("create")
    upsert = _priced_write("upsert")
    replace = _priced_write("replace")
    patch = _priced_write("patch")

    def delete(self, *args: Any, **kwargs: Any) -> None:
        self.inner.delete(*args, **kwargs)
        self._add("delete", WRITE_RU[0])  # deleted items are small; the size is not returned

    def delete_many(self, container: str, refs: Any) -> int:
        removed = self.inner.delete_many(container, refs)
        self._add("delete_many", WRITE_RU[0] * removed)
        return removed

    def batch(self, container: str, pk: Any, ops: list[BatchOp]) -> Any:
        results = self.inner.batch(container, pk, ops)
        sizes = [size(r.item) if r.item else 0 for r in results]
        self._add(
            "batch",
            sum(
                ru(READ_RU if op.op == "read" else WRITE_RU, n)
                for op, n in zip(ops, sizes, strict=True)
            ),
        )
        self.batched[0] += len(sizes)
        self.batched[1] += sum(sizes)
        return results


# ---- 1. operations per second --------------------------------------------------------------


def bench_item(i: int) -> dict[str, Any]:
    return {
        "id": f"e-{i:06d}",
        "tenantId": "t-bench",
        "subjectId": f"s-{i % 20:02d}",
        "category": "behaviour",
        "eventType": "page_view",
        "ttl": 2592000,
        "enc": {"url": "v1." + "A" * 160, "referrer": "v1." + "B" * 120},
    }


def throughput(store: DocumentStore, n: int) -> dict[str, float]:
    """Per second: point creates, point reads, single-partition query pages, 20-item batches."""
    store.ensure_container(SPEC)
    items = [bench_item(i) for i in range(n)]
    fresh = [bench_item(n + i) | {"subjectId": f"b-{i // 20:04d}"} for i in range(n)]
    groups = [fresh[k : k + 20] for k in range(0, n, 20)]
    rates: dict[str, float] = {}
    started = time.perf_counter()
    for item in items:
        store.create(SPEC.name, item)
    rates["create"] = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for item in items:
        store.read(SPEC.name, (item["tenantId"], item["subjectId"]), item["id"])
    rates["read"] = n / (time.perf_counter() - started)
    started, pages = time.perf_counter(), 0
    for s in range(20):
        token: str | None = None
        while True:
            page = store.query(
                SPEC.name, ("t-bench", f"s-{s:02d}"), max_items=50, continuation=token
            )
            pages += 1
            if not (token := page.continuation):
                break
    rates["query page"] = pages / (time.perf_counter() - started)
    started = time.perf_counter()
    for group in groups:
        pk = ("t-bench", group[0]["subjectId"])
        store.batch(SPEC.name, pk, [BatchOp("create", item=i) for i in group])
    rates["batch of 20"] = len(groups) / (time.perf_counter() - started)
    return rates


def bench_adapters(root: Path, n: int) -> dict[str, dict[str, float]]:
    sqlite = SqliteDocumentStore(root / "ops.sqlite", SystemClock())
    try:
        figures = {"sqlite": throughput(sqlite, n)}
    finally:
        sqlite.close()
    with warnings.catch_warnings(), cosmos_server(root) as server:
        warnings.filterwarnings("ignore", "Unverified HTTPS request .* '127.0.0.1'")
        cosmos = CosmosDocumentStore(
            server.endpoint, "bench", EMULATOR_KEY, SystemClock(), connection_verify=False
        )
        try:
            figures["cosmos (local stand-in)"] = throughput(cosmos, n)
        finally:
            cosmos.close()
    return figures


# ---- 2. RU per accepted event and per DSAR ---------------------------------------------------


def measured(
    recorders: list[Recorder], run: Callable[[], Any], into: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Operations and modelled RUs of ``run`` across the recorded stores, added to ``into``."""
    for r in recorders:
        r.reset()
    run()
    total = into if into is not None else {"ops": {}, "units": {}, "ru": 0.0}
    for r in recorders:
        for kind, count in r.ops.items():
            total["ops"][kind] = total["ops"].get(kind, 0) + count
            total["units"][kind] = total["units"].get(kind, 0.0) + r.units[kind]
    total["ru"] = sum(total["units"].values())
    return total


SCENARIOS = {  # name: (events per message, messages, visitors, sessions)
    "1 event per message": (1, 400, 12, 40),
    "5 events per message": (5, 160, 12, 40),
    "20 events per message": (20, 60, 12, 40),
    "100 events per message": (100, 12, 12, 40),
    "20 per message, one visitor (full receipts)": (20, 60, 1, 1),
}


def bodies(size: int, count: int, visitors: int, sessions: int) -> list[dict[str, Any]]:
    """Bench bodies, the visitor and session of each drawn in turn from the given numbers."""
    return [
        batch(i, size)
        | {
            "visitorId": f"visitor-{i % visitors}",
            "visitorSecret": visitor_secret(f"visitor-{i % visitors}"),
            "sessionId": f"s-{i % sessions}",
        }
        for i in range(count)
    ]


def fresh_services(root: Path) -> tuple[App, list[Recorder], str, str]:
    settings = Settings(
        data_dir=root, dev_auth=True, widget_rate_per_second=1e6, widget_rate_burst=10**6,
        widget_ip_rate_per_second=1e6, widget_ip_rate_burst=10**6
    )
    plain: App = compose(settings, clock=None)
    store, directory = Recorder(plain.store), Recorder(plain.directory)
    services = compose(settings, store=store, directory=directory, bus=plain.bus, keys=plain.keys)
    tenant, key = services.tenants.create(
        TenantCreate(name="Bench", region="eu", allowedOrigins=[ORIGIN])
    )
    return services, [store, directory], tenant.tenantId, key


def ingest_cost(
    services: App, recorders: list[Recorder], key: str, sent: list[dict[str, Any]]
) -> dict[str, Any]:
    """Collect each body and process its message right away, as the queue trigger does; the
    first WARM bodies unrecorded (new subjects, caches: one-time costs)."""
    queue = services.settings.ingest_queue
    collected: dict[str, Any] = {"ops": {}, "units": {}, "ru": 0.0}
    processed: dict[str, Any] = {"ops": {}, "units": {}, "ru": 0.0}

    def process() -> None:
        while got := services.bus.receive(queue, 100, timedelta(hours=1)):
            for msg in got:
                services.processor.process(msg.body, msg.message_id)
                services.bus.complete(queue, msg.lock_token)

    for n, body in enumerate(sent):
        call = WidgetCall(key, ORIGIN, "203.0.113.77:50123", json.dumps(body).encode())
        if n < WARM:
            services.ingest.collect(call)
            process()
            continue
        measured(recorders, lambda c=call: services.ingest.collect(c), collected)
        measured(recorders, process, processed)
    events = sum(len(b["events"]) for b in sent[WARM:])
    per_event = (collected["ru"] + processed["ru"]) / events
    return {
        "events": events,
        "messages": len(sent) - WARM,
        "collect": collected,
        "process": processed,
        "ru_per_event": per_event,
        "meets_target": per_event <= TARGET_RU_PER_EVENT,
    }


def bench_costs(root: Path, scale: float) -> dict[str, Any]:
    """RU per accepted event in each scenario, then an access and an erasure DSAR of a visitor
    of the 20-events scenario."""
    figures: dict[str, Any] = {}
    for n, (name, (size, count, visitors, sessions)) in enumerate(SCENARIOS.items()):
        services, recorders, tenant_id, key = fresh_services(root / f"costs-{n}")
        try:
            sent = bodies(size, WARM + max(4, int(count * scale)), visitors, sessions)
            figures[name] = ingest_cost(services, recorders, key, sent)
            if size == 20 and visitors > 1:
                figures["dsar"] = {
                    kind: dsar_cost(services, recorders, tenant_id, kind, visitor)
                    for kind, visitor in (("access", "visitor-0"), ("erasure", "visitor-1"))
                }
                figures["dsar_subject_events"] = sum(
                    len(b["events"]) for b in sent if b["visitorId"] == "visitor-0"
                )
        finally:
            services.close()
    return figures


def dsar_cost(
    services: App, recorders: list[Recorder], tenant_id: str, kind: str, visitor: str
) -> dict[str, Any]:
    """Submit and run one DSAR through its steps (no orchestrator, approval skipped)."""
    principal = Principal("bench", frozenset({Grant("Privacy.Admin", "*")}))
    cmd = DsarCreate.model_validate({"type": kind, "identifiers": {"visitorId": visitor}})

    def run() -> None:
        rid = services.dsar_admin.submit(principal, tenant_id, cmd)
        work = services.dsar_steps
        plan = work.register(tenant_id, rid)
        work.start(tenant_id, rid)
        results = [work.run_category(tenant_id, rid, c) for c in plan["categories"]]
        work.finish(tenant_id, rid, results)

    return measured(recorders, run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer items and messages")
    quick = parser.parse_args().quick
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rates = bench_adapters(root, 200 if quick else 2000)
        costs = bench_costs(root, 0.25 if quick else 1.0)
    print("\noperations per second (context only: the stand-in is not Cosmos DB)")
    for adapter, figures in rates.items():
        print(f"  {adapter:<24} " + "  ".join(f"{k} {v:,.0f}/s" for k, v in figures.items()))
    print(f"\nRU per accepted event (target <= {TARGET_RU_PER_EVENT} at 20 events per message)")
    for name in SCENARIOS:
        c = costs[name]
        per = {
            phase: {k: round(v / c["messages"], 2) for k, v in c[phase]["ops"].items()}
            for phase in ("collect", "process")
        }
        print(
            f"  {name:<34} collect {c['collect']['ru'] / c['events']:.2f} + process "
            f"{c['process']['ru'] / c['events']:.2f} = {c['ru_per_event']:.2f}"
            f"  operations per message {per}"
        )
    for kind, d in costs["dsar"].items():
        print(
            f"RU per {kind} DSAR (subject of {costs['dsar_subject_events']} events): {d['ru']:.0f}"
            f" over {sum(d['ops'].values())} operations {d['ops']}"
        )
    print(json.dumps({"rates": rates, "costs": costs}, sort_keys=True, default=str), flush=True)


if __name__ == "__main__":
    main()
