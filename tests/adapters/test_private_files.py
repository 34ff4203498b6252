"""Every file the embedded adapters create is 0600 in a 0700 directory, whatever the umask:
stores and their WAL, the bus, the task hub, key files, exports, the master key, the test
clock. (The embedded host also runs with umask 077; tests/e2e/test_file_modes.py checks what a
real run leaves behind.)"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra.embedded_host.durable.extension import store_path
from infra.embedded_host.durable.store import TaskHubStore
from infra.embedded_host.host_keys import load_or_create_host_keys
from infra.embedded_host.test_clock import STATE_FILE, OffsetClock
from shared.composition import compose, install_app, reset_app
from shared.ports.message_bus import OutgoingMessage
from shared.settings import Settings
from tests.app_client import AppClient
from tests.conftest import ORIGIN, PLATFORM
from tests.fakes import FakeClock


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The usual desktop umask: files 0644 and directories 0755 unless code asks otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def modes(root: Path) -> dict[str, str]:
    """Every path under ``root`` (and root itself) with its permission bits."""
    paths = [root, *root.rglob("*")]
    return {str(p.relative_to(root.parent)): oct(stat.S_IMODE(p.stat().st_mode)) for p in paths}


@pytest.mark.usefixtures("lax_umask")
def test_embedded_adapters_create_private_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    services = compose(Settings(data_dir=data, dev_auth=True),
                              clock=FakeClock(datetime(2026, 11, 2, tzinfo=UTC)))
    install_app(services)
    try:
        body = {"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN]}
        assert AppClient(services).call("create_tenant", body=body, headers=PLATFORM).status == 201
        services.bus.send("q", [OutgoingMessage(body=b"sealed", message_id="m-1")])
        services.keys.wrap_key(os.urandom(32))
        services.blobs.put("exports", "dsar/r-1/package.zip", b"zip")
        hub = TaskHubStore(store_path(data))
        load_or_create_host_keys(data)
        OffsetClock(data / STATE_FILE).advance(timedelta(days=1))
        seen = modes(data)  # while the SQLite files are open, so their -wal/-shm exist
        hub.close()
    finally:
        reset_app()
    wal = [p for p in seen if p.endswith(("-wal", "-shm"))]
    assert {Path(p).name for p in wal} >= {"store.sqlite-wal", "bus.sqlite-wal",
                                           "taskhub.sqlite-wal", "directory.sqlite-wal"}
    assert {"data/master.key", "data/test-clock.json"} <= set(seen)
    assert any(p.startswith("data/regions/eu/keys/") for p in seen)
    assert any(p.endswith("package.zip") for p in seen)
    wrong = {p: m for p, m in seen.items()
             if m != ("0o700" if (tmp_path / p).is_dir() else "0o600")}
    assert wrong == {}


@pytest.mark.usefixtures("lax_umask")
def test_an_existing_world_readable_data_dir_is_narrowed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "directory.sqlite").touch(mode=0o644)
    services = compose(Settings(data_dir=data), clock=FakeClock(datetime.now(UTC)))
    services.close()
    assert oct(stat.S_IMODE(data.stat().st_mode)) == "0o700"
    assert oct(stat.S_IMODE((data / "directory.sqlite").stat().st_mode)) == "0o600"
