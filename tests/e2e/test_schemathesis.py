"""An outside fuzzer against the embedded host: every operation of the served OpenAPI document,
examples, coverage, fuzzing and stateful phases (following the document's links), a fixed seed
and a bounded time. It fails on any server error, any status code, content type or body the
document does not describe.

Schemathesis (pinned in requirements-dev.txt) runs as its own process, as in anyone's CI, with
a configuration written here: an admin principal holding every role in every tenant, a tenant
and its widget key created first, and the operations that change what the widget key may do
(settings, key rotation, offboarding) pointed at a second tenant, so the widget operations keep
reaching the code behind admission instead of collecting 401/403/429 answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.app_client import principal
from tests.e2e.conftest import E2E_ENV
from tests.e2e.host_process import ROOT, HostProcess

ROLES = ("Platform.Admin", "Privacy.Admin", "Privacy.Operator", "Support.Agent", "Auditor")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
SEED = 20261130
MAX_SECONDS = 100
"""The whole run's budget: fuzzing and stateful phases repeat until it is spent."""
FUZZ_ENV = {
    **E2E_ENV,
    "PRIVACY_WIDGET_PRIVACY_REQUESTS_PER_HOUR": "100000",
    "PRIVACY_UNKNOWN_KEY_RATE_PER_SECOND": "100000",
    "PRIVACY_UNKNOWN_KEY_RATE_BURST": "100000",
}
KEY_CHANGING = ("update_tenant", "rotate_widget_key", "start_offboarding")


def _tenant(api: httpx.Client, admin: dict[str, str], name: str) -> dict[str, Any]:
    body = {"name": name, "region": "eu", "allowedOrigins": ["https://shop.example"]}
    answer = api.post("/v1/tenants", headers=admin, json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def _config(path: Path, admin: str, tenant: dict[str, Any], spare: dict[str, Any]) -> Path:
    operations = ", ".join(f'"{name}"' for name in KEY_CHANGING)
    path.write_text(
        f"""
[headers]
X-MS-CLIENT-PRINCIPAL = "{admin}"
X-Widget-Key = "{tenant["widgetKey"]}"

[parameters]
"path.tenantId" = "{tenant["tenantId"]}"

[[operations]]
include-operation-id = [{operations}]
parameters = {{ "path.tenantId" = "{spare["tenantId"]}" }}
""",
        encoding="utf-8",
    )
    return path


def _run(host: HostProcess, config: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
        "run", f"{host.url}/api/v1/openapi.json",
        "--checks", ",".join(CHECKS),
        "--phases", "examples,coverage,fuzzing,stateful",
        "--seed", str(SEED),
        "--workers", "1",
        "--max-time", str(MAX_SECONDS),
        "--generation-database", "none",
        "--request-timeout", "30",
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=MAX_SECONDS + 240,
        env={**host.env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


@pytest.mark.e2e
@pytest.mark.fuzz
def test_schemathesis_finds_no_failure_in_any_operation(tmp_path: Path) -> None:
    host = HostProcess(tmp_path / "data", tmp_path / "host.log", FUZZ_ENV)
    host.start()
    try:
        raw = principal(*ROLES, oid="oid-fuzzer")
        with httpx.Client(base_url=f"{host.url}/api", timeout=10) as api:
            admin = {"X-MS-CLIENT-PRINCIPAL": raw}
            tenant, spare = _tenant(api, admin, "Fuzzed"), _tenant(api, admin, "Fuzzed spare")
        config = _config(tmp_path / "schemathesis.toml", raw, tenant, spare)
        result = _run(host, config, tmp_path)
    finally:
        host.stop()
    report = result.stdout[-12000:] + result.stderr[-3000:]
    assert result.returncode == 0, report
    assert "Tested: 0" not in result.stdout, report
    errors = [
        line for line in host.log_path.read_text().splitlines()
        if '"level": "ERROR"' in line
    ]  # fmt: skip
    assert errors == [], "\n".join(json.loads(e).get("msg", e) for e in errors[:20])
