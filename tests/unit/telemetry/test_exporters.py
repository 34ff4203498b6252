"""The exporter is chosen by PRIVACY_OTEL_EXPORTER: none costs nothing and loads no SDK, the
Azure distro is imported only when asked for, and console writes spans of a real run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import sys
from shared.composition import compose
from shared.settings import Settings
app = compose(Settings(data_dir=sys.argv[1]))
app.operations.health()
app.close()
print(",".join(m for m in ("azure.monitor.opentelemetry", "opentelemetry.sdk.trace")
               if m in sys.modules))
"""
CONSOLE = """
import sys
from shared import composition
composition.start(None)
composition.get_app().operations.health()
composition.stop()
from shared.telemetry import exporters
exporters.configure("console")  # a second call is a no-op: once per process
"""


def run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "PRIVACY_DATA_DIR": str(tmp_path), **env}, timeout=60, check=True,
    )


def test_none_loads_neither_the_sdk_nor_the_azure_distro(tmp_path: Path) -> None:
    assert run(PROBE, tmp_path, PRIVACY_OTEL_EXPORTER="none").stdout.strip() == ""


def test_console_exports_the_spans_of_the_process_graph(tmp_path: Path) -> None:
    done = run(CONSOLE + "\nimport opentelemetry.trace as t; t.get_tracer_provider().shutdown()",
               tmp_path, PRIVACY_OTEL_EXPORTER="console")
    assert "azure.monitor" not in done.stderr
    spans = [json.loads(chunk) for chunk in _objects(done.stderr) if '"name"' in chunk]
    names = {s["name"] for s in spans}
    assert {"store.read", "store.query", "bus.active_count"} <= names


def _objects(text: str) -> list[str]:
    """The top-level JSON objects the console exporter prints one after another."""
    found, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            start = i if depth == 0 else start
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                found.append(text[start : i + 1])
    return [f for f in found if f.startswith('{\n    "name"')]


AZURE = """
from shared.telemetry import exporters
exporters.configure("azure")
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.requests import RequestsInstrumentor
from opentelemetry.instrumentation.urllib import URLLibInstrumentor
from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor
print([i().is_instrumented_by_opentelemetry for i in (
    URLLib3Instrumentor, URLLibInstrumentor, RequestsInstrumentor, HTTPXClientInstrumentor)])
"""


def test_the_azure_distro_never_records_raw_http_urls(tmp_path: Path) -> None:
    """Left to its defaults the distro instruments urllib3 and records each webhook delivery's
    full URL (its secret) in Application Insights, outside the attribute allow-list."""
    done = run(AZURE, tmp_path, APPLICATIONINSIGHTS_CONNECTION_STRING=(
        "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
        "IngestionEndpoint=http://127.0.0.1:9/"))
    assert done.stdout.strip().splitlines()[-1] == "[False, False, False, False]"
