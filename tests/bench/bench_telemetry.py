"""What telemetry costs on the ingest path: ``python -m tests.bench.bench_telemetry``.

The same collect calls and their processing, in-process on the embedded stores, with the
exporter off (the default: the ports are not wrapped) and on (the SDK with a batch span
processor and a metric reader, exporting to memory: the exporter's own network cost is not
the app's). Prints CPU microseconds per message both ways and spans per message (CPU time:
a loaded machine slows the run down but adds little to it); asserts nothing.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.composition import compose
from shared.ingest.gate import WidgetCall
from shared.settings import Settings
from shared.telemetry import core
from shared.tenancy.models import TenantCreate
from tests.bench.bench_ingest import ORIGIN, WARM, batch

MESSAGES = 600


def per_message(root: Path) -> float:
    """CPU microseconds (every thread of the process, the span exporter's included) per collect
    call plus its processing, after WARM untimed messages."""
    settings = Settings(data_dir=root, widget_rate_per_second=1e6, widget_rate_burst=10**6,
                        widget_ip_rate_per_second=1e6, widget_ip_rate_burst=10**6)
    app = compose(settings)
    try:
        _, key = app.tenants.create(TenantCreate(name="B", region="eu", allowedOrigins=[ORIGIN]))
        calls = [WidgetCall(key, ORIGIN, "203.0.113.7", json.dumps(batch(i)).encode())
                 for i in range(WARM + MESSAGES)]
        started = 0.0
        for n, call in enumerate(calls):
            if n == WARM:
                started = time.process_time()
            app.ingest.collect(call)
            for message in app.bus.receive(settings.ingest_queue, 10, timedelta(minutes=5)):
                app.processor.process(message.body, message.message_id)
                app.bus.complete(settings.ingest_queue, message.lock_token)
        return (time.process_time() - started) / MESSAGES * 1e6
    finally:
        app.close()


def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        off = per_message(Path(tmp) / "off")
        spans = InMemorySpanExporter()
        tracer = TracerProvider()
        tracer.add_span_processor(BatchSpanProcessor(spans))
        core.install(tracer, MeterProvider(metric_readers=[InMemoryMetricReader()]))
        try:
            on = per_message(Path(tmp) / "on")
            tracer.force_flush()
            count = len(spans.get_finished_spans())
        finally:
            core.uninstall()
    result = {"off_us_per_message": off, "on_us_per_message": on,
              "overhead_percent": (on / off - 1) * 100,
              "spans_per_message": count / (WARM + MESSAGES)}
    print(f"telemetry off {off:,.0f} us, on {on:,.0f} us per 20-event message"
          f" (+{result['overhead_percent']:.0f} %, {result['spans_per_message']:.1f} spans each)")
    print(json.dumps(result, sort_keys=True))
    return result


if __name__ == "__main__":
    main()
