"""Where telemetry goes, chosen by ``PRIVACY_OTEL_EXPORTER`` once per process.

- ``none`` (default; tests): nothing is installed, every telemetry call is the API's no-op.
- ``console``: spans and metrics as JSON on stderr (a laptop, ``make run``).
- ``otlp``: OTLP over HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (a local collector, Jaeger, ...).
- ``azure``: Application Insights through ``azure-monitor-opentelemetry``, located by
  ``APPLICATIONINSIGHTS_CONNECTION_STRING`` and authenticated with the app's managed identity
  (``APPLICATIONINSIGHTS_AUTHENTICATION_STRING``: ``Authorization=AAD`` for the system-assigned
  identity, ``;ClientId=<id>`` for a user-assigned one); the stamp turns local auth off, so
  the connection string's key admits nothing. The distro is imported only here, on demand.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

from shared.telemetry import core

METRIC_INTERVAL_MS = 60_000
_lock = threading.Lock()
_configured: str | None = None


def configure(exporter: str) -> Callable[[], None]:
    """Install the exporter once per process; returns what flushes and stops it."""
    global _configured
    with _lock:
        if exporter == "none" or _configured is not None:
            return lambda: None
        _configured = exporter
        if exporter == "azure":
            return _azure()
        return _sdk(exporter)


def _sdk(exporter: str) -> Callable[[], None]:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        MetricExporter,
        PeriodicExportingMetricReader,
    )
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    spans: SpanExporter
    numbers: MetricExporter
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        spans, numbers = OTLPSpanExporter(), OTLPMetricExporter()
    elif exporter == "console":
        spans, numbers = ConsoleSpanExporter(out=sys.stderr), ConsoleMetricExporter(out=sys.stderr)
    else:
        raise ValueError(f"unknown PRIVACY_OTEL_EXPORTER {exporter!r}")
    resource = Resource.create({"service.name": "privacy-backbone"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(spans))
    reader = PeriodicExportingMetricReader(numbers, export_interval_millis=METRIC_INTERVAL_MS)
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    core.install(tracer_provider, meter_provider)

    def shutdown() -> None:
        tracer_provider.shutdown()
        meter_provider.shutdown()

    return shutdown


RAW_HTTP_CLIENTS = ("urllib3", "urllib", "requests", "httpx", "httpx2")
"""Libraries the Azure distro would auto-instrument, recording every call's full URL outside
the attribute allow-list: a webhook URL carries its secret in its path or query (Slack, Teams,
Zapier), and the sender posts with urllib3. The app's own spans cover those calls."""


def _azure() -> Callable[[], None]:
    from azure.identity import ManagedIdentityCredential
    from azure.monitor.opentelemetry import configure_azure_monitor
    from opentelemetry import metrics, trace

    auth = os.environ.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "")
    parts = dict(p.split("=", 1) for p in auth.split(";") if "=" in p)
    client_id = parts.get("ClientId")
    credential = ManagedIdentityCredential(client_id=client_id) if client_id else (
        ManagedIdentityCredential()
    )
    configure_azure_monitor(
        credential=credential,
        enable_live_metrics=False,
        instrumentation_options={name: {"enabled": False} for name in RAW_HTTP_CLIENTS},
    )
    core.install(trace.get_tracer_provider(), metrics.get_meter_provider())
    return lambda: None
