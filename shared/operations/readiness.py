"""The readiness view and the gauges: one snapshot of what operators watch.

Queue depth, dead letters and the oldest unprocessed message's age come from the bus in one
call; open and overdue data-subject requests and breach notices close to their deadline from
one query each (filtered in the store, so an idle stamp reads nothing); key versions from the
key provider. ``Readiness`` serves ``GET /api/v1/readiness`` (Platform.Admin) and the gauges
read the same snapshot (``snapshot``), so what the console shows is what alerts fire on.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.accountability.documents import read_all
from shared.containers import INCIDENTS, REQUESTS
from shared.dsar.lifecycle import OPEN
from shared.openapi.models import Health, QueueView, Readiness
from shared.operations.health import Backends, HealthProbe
from shared.ports.clock import Clock
from shared.ports.document_store import Filter, Query
from shared.ports.key_provider import SecretName
from shared.settings import Settings
from shared.telemetry import core
from shared.telemetry.core import Readings

DUE_SOON = timedelta(hours=12)
KEYS: tuple[SecretName, ...] = ("blind-index", "transit")


class Operations:
    def __init__(
        self, backends: Backends, health: HealthProbe, settings: Settings, clock: Clock
    ) -> None:
        self._b, self._health, self._settings, self._clock = backends, health, settings, clock

    def health(self) -> Health:
        return self._health.report()

    def close(self) -> None:
        self._health.close()

    def readiness(self) -> Readiness:
        return Readiness(**self._health.report().model_dump(), **self._state())

    def _state(self) -> dict[str, Any]:
        """The readiness view without the health probes: what the gauges read too."""
        queue = self._settings.ingest_queue
        stats = self._b.bus.stats(queue)
        now = self._clock.now()
        age = (now - stats.oldest_enqueued).total_seconds() if stats.oldest_enqueued else None
        open_, overdue = self._dsar_counts()
        return {
            "queue": QueueView(name=queue, depth=stats.active, deadLetters=stats.dead_letters,
                               oldestMessageAgeSeconds=None if age is None else max(0.0, age)),
            "dsarOpen": open_, "dsarOverdue": overdue,
            "noticesDueSoon": self._notices_due_soon(), "keyVersions": self._key_versions(),
        }

    def snapshot(self) -> Readings:
        """The gauges' values (``shared.telemetry.core.GAUGES``): the readiness view's state,
        without running the health probes and the quarantine query it does not use."""
        state = self._state()
        queue: QueueView = state["queue"]
        return {
            "privacy.ingest.queue_depth": [(queue.depth, {})],
            "privacy.ingest.dead_letters": [(queue.deadLetters, {})],
            "privacy.ingest.lag_seconds": [(queue.oldestMessageAgeSeconds or 0.0, {})],
            "privacy.dsar.open": [(state["dsarOpen"], {})],
            "privacy.dsar.overdue": [(state["dsarOverdue"], {})],
            "privacy.incident.notices_due_soon": [(state["noticesDueSoon"], {})],
            "privacy.keys.versions_in_use": [
                (n, {"key": key}) for key, n in state["keyVersions"].items()
            ],
        }

    def _dsar_counts(self) -> tuple[int, int]:
        """Open requests of every tenant of this stamp (one cross-partition query)."""
        query = Query(filters=[Filter("kind", "=", "dsar"), Filter("status", "in", OPEN)])
        docs = read_all(self._b.store, REQUESTS.name, (), query)
        now = self._clock.now()
        return len(docs), sum(1 for d in docs if datetime.fromisoformat(d["deadline"]) <= now)

    def _notices_due_soon(self) -> int:
        soon = (self._clock.now() + DUE_SOON).isoformat()
        query = Query(filters=[
            Filter("type", "=", "notice"), Filter("region", "=", self._settings.region),
            Filter("status", "=", "pending"), Filter("notifyBy", "<=", soon),
        ])
        return len(read_all(self._b.directory, INCIDENTS.name, (), query))

    def _key_versions(self) -> dict[str, int]:
        versions: dict[str, int] = {n: len(self._b.keys.secret_versions(n)) for n in KEYS}
        kek = getattr(self._b.keys, "kek_versions", None)
        if callable(kek):
            versions["kek"] = len(kek())
        return versions


def operations_for(ports: dict[str, Any], settings: Settings, clock: Clock) -> Operations:
    """Built by the composition root from its ports; the gauges read the newest one's snapshot
    (the process's graph, or the graph a test installed)."""
    backends = Backends(*(ports[n] for n in ("store", "directory", "bus", "keys", "blobs")))
    quarantine = ports["quarantine"]
    health = HealthProbe(backends, settings, lambda: len(quarantine.listing()))
    operations = Operations(backends, health, settings, clock)
    core.observe(operations.snapshot)
    return operations
