from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.host_process import HostProcess

E2E_ENV = {
    "PRIVACY_WIDGET_RATE_PER_SECOND": "10000",
    "PRIVACY_WIDGET_RATE_BURST": "10000",
    "PRIVACY_WIDGET_IP_RATE_PER_SECOND": "10000",
    "PRIVACY_WIDGET_IP_RATE_BURST": "10000",
    "PRIVACY_REGION_ENDPOINTS": '{"us": "https://privacy-us.example/api"}',
}


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostProcess]:
    process = HostProcess(tmp_path / "data", tmp_path / "host.log", E2E_ENV)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def clock_host(tmp_path: Path) -> Iterator[HostProcess]:
    """The host with ``--test-clock``: ``POST /admin/clock`` moves time for every component."""
    process = HostProcess(tmp_path / "data", tmp_path / "host.log", E2E_ENV, ("--test-clock",))
    process.start()
    yield process
    process.stop()
