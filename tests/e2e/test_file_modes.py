"""What a real run of the embedded host leaves on disk is private: 0600 files in 0700
directories (stores and their WAL, bus, task hub, keys, master key, exports, test clock),
even when it was started from a shell with the usual 022 umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ORIGIN
from tests.e2e.conftest import E2E_ENV
from tests.e2e.helpers import advance, as_role, collect, run_function, wait_for
from tests.e2e.host_process import HostProcess

pytestmark = pytest.mark.e2e


@pytest.fixture
def lax_host(tmp_path: Path) -> Iterator[HostProcess]:
    previous = os.umask(0o022)  # the child inherits it
    try:
        process = HostProcess(tmp_path / "data", tmp_path / "host.log", E2E_ENV, ("--test-clock",))
        process.start()
    finally:
        os.umask(previous)
    yield process
    process.stop()


def test_a_run_leaves_only_private_files(lax_host: HostProcess) -> None:
    with httpx.Client(base_url=f"{lax_host.url}/api", timeout=10) as api:
        body = {"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN]}
        tenant = api.post("/v1/tenants", json=body, headers=as_role("Platform.Admin")).json()
        assert collect(api, tenant["widgetKey"], "v-modes", 3).status_code == 202
        base = f"/v1/tenants/{tenant['tenantId']}/dsar"
        operator = as_role("Privacy.Operator")
        started = api.post(base, json={"type": "access", "identifiers": {"visitorId": "v-modes"}},
                           headers=operator).json()

        def finished() -> bool:
            answer = api.get(f"{base}/{started['requestId']}", headers=operator)
            return bool(answer.json()["status"] == "completed")

        wait_for(finished, what="the access request to complete")
        package = api.get(f"{base}/{started['requestId']}/export", params={"format": "zip"},
                          headers=operator)
        assert package.status_code == 200
    advance(lax_host, "PT1H")
    run_function(lax_host, "sweep_expired_items")
    assert lax_host.stop() == 0

    data = lax_host.data_dir
    kinds = {p.name for p in data.rglob("*")}
    assert {"master.key", "test-clock.json", "store.sqlite", "bus.sqlite", "taskhub.sqlite",
            "directory.sqlite"} <= kinds
    assert any(p.suffix == ".zip" for p in data.rglob("*")), "no export was written"
    wrong = {
        str(p.relative_to(data)): oct(stat.S_IMODE(p.stat().st_mode))
        for p in [data, *data.rglob("*")]
        if stat.S_IMODE(p.stat().st_mode) != (0o700 if p.is_dir() else 0o600)
    }
    assert wrong == {}
