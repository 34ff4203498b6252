"""The composition root: adapters chosen by settings (embedded by default, Azure only when asked
and connected), the given ports wired into every use case, and the host's hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.adapters.azure_wiring import MissingConnection
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.composition import compose, get_app, start, stop
from shared.containers import TENANTS
from shared.errors import MisdirectedRequest
from shared.settings import Settings, env_name, get_settings
from shared.tenancy.models import TenantCreate
from tests.fakes import FakeClock


def test_embedded_adapters_are_the_default(tmp_path: Path) -> None:
    services = compose(Settings(data_dir=tmp_path))
    names = {
        type(p).__name__ for p in (services.store, services.bus, services.keys, services.blobs)
    }
    assert names == {"SqliteDocumentStore", "SqliteBus", "FileKeyProvider", "DirectoryBlobStore"}
    services.close()


@pytest.mark.parametrize(
    ("backend", "setting"),
    [
        ({"bus_backend": "servicebus"}, "SERVICEBUS__fullyQualifiedNamespace"),
        ({"keys_backend": "keyvault"}, "KEYVAULT__vaultUri"),
        ({"store_backend": "cosmos"}, "COSMOS__accountEndpoint"),
    ],
)
def test_an_azure_backend_without_its_connection_fails_at_start_naming_it(
    tmp_path: Path, backend: dict[str, str], setting: str
) -> None:
    with pytest.raises(MissingConnection, match=setting):
        compose(Settings(data_dir=tmp_path, **backend))  # type: ignore[arg-type]


def test_another_regions_store_is_not_reachable_from_a_cosmos_stamp(tmp_path: Path) -> None:
    from shared.adapters.factories import STORES

    with pytest.raises(MisdirectedRequest):
        STORES["cosmos"](Settings(data_dir=tmp_path), None, "region", "us")  # type: ignore[arg-type]


def test_the_ports_given_to_the_root_are_the_ones_every_use_case_writes_to(
    tmp_path: Path, clock: FakeClock
) -> None:
    plain = compose(Settings(data_dir=tmp_path / "plain"), clock)
    directory = SqliteDocumentStore(tmp_path / "given.sqlite", clock)
    app = compose(
        Settings(data_dir=tmp_path / "app"),
        clock,
        directory=directory,
        store=plain.store,
        bus=plain.bus,
        keys=plain.keys,
        blobs=plain.blobs,
    )
    tenant, _ = app.tenants.create(TenantCreate(name="Shop", region="eu", allowedOrigins=[]))
    assert directory.read(TENANTS.name, (tenant.tenantId,), tenant.tenantId)["name"] == "Shop"
    assert (app.store, app.bus, app.keys, app.blobs) == (
        plain.store,
        plain.bus,
        plain.keys,
        plain.blobs,
    )
    app.close()


def test_a_host_starts_the_app_on_its_own_clock_and_stops_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded host's whole contact with the wiring: ``start(clock)`` and ``stop()``."""
    monkeypatch.setenv(env_name("data_dir"), str(tmp_path))
    get_settings.cache_clear()
    try:
        bus = start(clock)
        app = get_app()
        assert app.bus is bus and app.clock is clock and app.settings.data_dir == tmp_path
        stop()
        assert get_app() is not app  # a fresh graph after a stop
        stop()
    finally:
        get_settings.cache_clear()
