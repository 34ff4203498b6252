"""Health that means something: each backend answers a cheap probe, within a bound.

``GET /api/v1/health`` is anonymous and polled (availability tests, load balancers), so the
backends are probed at most every few seconds per instance, every probe in parallel under one
timeout: a hung backend makes the answer ``degraded`` (503), never a hung request. Probes read
nothing that exists (a point read of an id no document has, a blob listing under a prefix
nothing uses), so they cost one cheap call each and return no data; the quarantine count is
read on each call, as before. A failure is reported by exception type only: messages may name
hosts or quote input.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, TimeoutError, wait
from dataclasses import dataclass

from shared.containers import MAINTENANCE, TENANTS
from shared.openapi.models import BackendCheck, Health
from shared.ports.blob_store import BlobStore
from shared.ports.document_store import DocumentStore, NotFound
from shared.ports.key_provider import KeyProvider, current_secret
from shared.ports.message_bus import MessageBus
from shared.settings import Settings

PROBE_ID = "_health"
TIMEOUT_SECONDS = 3.0
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Backends:
    store: DocumentStore
    directory: DocumentStore
    bus: MessageBus
    keys: KeyProvider
    blobs: BlobStore


def _absent(store: DocumentStore, container: str) -> None:
    """A point read of an id nothing has: NotFound is the healthy answer."""
    try:
        store.read(container, (PROBE_ID,), PROBE_ID)
    except NotFound:
        return


class HealthProbe:
    def __init__(
        self,
        backends: Backends,
        settings: Settings,
        quarantined: Callable[[], int],
        timeout: float = TIMEOUT_SECONDS,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        s = settings
        self._kinds = {
            "store": s.store_backend, "directory": s.store_backend, "bus": s.bus_backend,
            "keys": s.keys_backend, "blobs": "blob" if s.exports_blob_uri else "directory",
        }
        b = backends
        self._probes: dict[str, Callable[[], object]] = {
            "store": lambda: _absent(b.store, MAINTENANCE.name),
            "directory": lambda: _absent(b.directory, TENANTS.name),
            "bus": lambda: b.bus.active_count(s.ingest_queue),
            "keys": lambda: current_secret(b.keys, "transit"),
            "blobs": lambda: b.blobs.list(s.exports_container, f"{PROBE_ID}/"),
        }
        self._region, self._quarantined = s.region, quarantined
        self._timeout, self._cache_seconds = timeout, cache_seconds
        self._pool = ThreadPoolExecutor(max_workers=len(self._probes), thread_name_prefix="probe")
        self._lock = threading.Lock()
        self._cached: tuple[float, Health] | None = None

    def report(self) -> Health:
        """The probes' last answers if recent, else fresh ones; the quarantine count is read
        each time (an operator repairing a document wants to see it leave at once)."""
        with self._lock:
            if not self._cached or time.monotonic() - self._cached[0] >= self._cache_seconds:
                self._cached = (time.monotonic(), self._probe())
            report = self._cached[1]
        if report.checks["store"].status != "up":
            return report
        return report.model_copy(update={"quarantined": self._quarantined()})

    def _probe(self) -> Health:
        started = time.perf_counter()
        futures = {name: self._pool.submit(self._timed, probe) for name, probe in
                   self._probes.items()}
        wait(futures.values(), timeout=self._timeout)
        checks = {}
        for name, future in futures.items():
            try:
                error, took = future.result(timeout=0) if future.done() else ("timeout", None)
            except TimeoutError:  # pragma: no cover - done() said otherwise
                error, took = "timeout", None
            elapsed = took if took is not None else time.perf_counter() - started
            checks[name] = BackendCheck(
                status="down" if error else "up", backend=self._kinds[name],
                latencyMs=round(elapsed * 1000, 1), error=error,
            )
        up = all(c.status == "up" for c in checks.values())
        return Health(
            status="ok" if up else "degraded", region=self._region,
            backends={k: self._kinds[k] for k in ("store", "bus", "keys")}, checks=checks,
        )

    @staticmethod
    def _timed(probe: Callable[[], object]) -> tuple[str | None, float]:
        started = time.perf_counter()
        try:
            probe()
        except Exception as exc:
            return type(exc).__name__, time.perf_counter() - started
        return None, time.perf_counter() - started

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
