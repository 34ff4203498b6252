"""Spans and metrics of the app, with an allow-list of attribute names.

Why an allow-list: telemetry leaves the stamp (Application Insights, a collector) and is read by
people who must never see a visitor's data. Span and metric attributes may only be ids the app
makes (tenant, subject, item, message, request ids: pseudonymous), names of things (container,
queue, key, function, category) and outcomes; any other attribute is dropped before it reaches
an exporter, and an exception becomes its type name, never its message (messages may quote
input). The instruments are created from whichever providers are installed: the API's no-op
ones until ``install`` is called (tests, and ``PRIVACY_OTEL_EXPORTER=none``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.trace import Status, StatusCode

ALLOWED = frozenset({
    "tenant.id", "subject.id", "item.id", "message.id", "request.id", "incident.id",
    "db.container", "db.operation", "messaging.destination", "messaging.batch.count",
    "key.name", "key.version", "blob.container", "faas.name", "faas.trigger",
    "http.route", "http.status_code", "outcome", "reason", "category", "key", "count",
})
"""Attribute names that may leave the process; values are ids, names, counts or outcomes."""

GAUGES = {
    "privacy.ingest.queue_depth": "Messages waiting on the ingest queue (locked ones included)",
    "privacy.ingest.dead_letters": "Ingest messages in the dead-letter queue",
    "privacy.ingest.lag_seconds": "Age of the oldest unprocessed ingest message",
    "privacy.dsar.open": "Data-subject requests not finished",
    "privacy.dsar.overdue": "Open data-subject requests past their deadline",
    "privacy.keys.versions_in_use": "Readable versions per key (kek, blind-index, transit)",
    "privacy.incident.notices_due_soon": "Breach notices pending with notifyBy less than 12 h away",
}
COUNTERS = {
    "privacy.ingest.events": "Widget events by outcome (accepted, duplicate, refused) and reason",
    "privacy.dsar.escalated": "Data-subject requests escalated before their deadline",
    "privacy.retention.deleted": "Items deleted by retention sweeps, by category",
    "privacy.access.denied": "Audited refusals of admin calls",
    "privacy.webhook.delivery_failures": "Webhook deliveries answered non-2xx or not at all",
}
Readings = Mapping[str, list[tuple[float, dict[str, str]]]]
"""Gauge name -> (value, attributes) observations, as one snapshot of the system."""


def safe(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """Only allowed names, only scalar values (a dict or list could smuggle anything)."""
    return {
        k: v for k, v in attributes.items()
        if k in ALLOWED and isinstance(v, str | int | float | bool) and v is not None
    }


class _Telemetry:
    """The installed tracer, counters and the source the gauges read from."""

    def __init__(
        self,
        tracer_provider: trace.TracerProvider,
        meter_provider: metrics.MeterProvider,
        active: bool,
    ) -> None:
        self.active = active
        self.tracer = tracer_provider.get_tracer("privacy-backbone")
        meter = meter_provider.get_meter("privacy-backbone")
        self.counters = {n: meter.create_counter(n, description=d) for n, d in COUNTERS.items()}
        self.source: Callable[[], Readings] | None = None
        self._cache: tuple[float, Readings] = (0.0, {})
        self._lock = threading.Lock()
        for name, description in GAUGES.items():
            meter.create_observable_gauge(
                name, callbacks=[self._observer(name)], description=description
            )

    def _observer(self, name: str) -> Callable[[CallbackOptions], list[Observation]]:
        def observe(options: CallbackOptions) -> list[Observation]:
            return [Observation(v, safe(a)) for v, a in self.readings().get(name, [])]

        return observe

    def readings(self) -> Readings:
        """One snapshot per collection (every gauge's callback asks within a second)."""
        with self._lock:
            at, cached = self._cache
            if self.source is None:
                return {}
            if time.monotonic() - at > 1.0:
                cached = self.source()
                self._cache = (time.monotonic(), cached)
            return cached


_current = _Telemetry(trace.NoOpTracerProvider(), metrics.NoOpMeterProvider(), active=False)


def install(tracer_provider: trace.TracerProvider, meter_provider: metrics.MeterProvider) -> None:
    """Send spans and metrics to these providers from now on (exporters, tests)."""
    global _current
    source = _current.source
    _current = _Telemetry(tracer_provider, meter_provider, active=True)
    _current.source = source


def uninstall() -> None:
    """Back to the API's no-op providers."""
    global _current
    _current = _Telemetry(trace.NoOpTracerProvider(), metrics.NoOpMeterProvider(), active=False)


def active() -> bool:
    """Whether anything listens: the composition root traces its ports only then."""
    return _current.active


def observe(source: Callable[[], Readings] | None) -> None:
    """Where the gauges read their values (the composition root's operations snapshot)."""
    _current.source = source


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[trace.Span]:
    """A span named ``name`` with the allowed ``attributes``; a failure marks it as an error
    named by the exception's type only, and is re-raised."""
    with _current.tracer.start_as_current_span(
        name, attributes=safe(attributes), record_exception=False, set_status_on_exception=False
    ) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            current.set_attribute("outcome", "error")
            raise


def count(name: str, value: int = 1, **attributes: str) -> None:
    """Add ``value`` to the counter ``name`` (one of ``COUNTERS``)."""
    if value:
        _current.counters[name].add(value, safe(attributes))


def ingest_events(outcome: str, value: int, reason: str = "") -> None:
    """``privacy.ingest.events``: accepted, duplicate or refused (with the problem type)."""
    attributes = {"outcome": outcome} | ({"reason": reason} if reason else {})
    count("privacy.ingest.events", value, **attributes)
