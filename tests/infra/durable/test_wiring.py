"""How the host takes Durable Functions on: only when the app has them, hub from host.json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest

from infra.embedded_host.app_loader import FunctionDescriptor, describe
from infra.embedded_host.durable import hub_name_from_host_json
from infra.embedded_host.host import EmbeddedHost
from shared.adapters.sqlite_bus import SqliteBus
from shared.ports.clock import SystemClock


@pytest.fixture
def bus(tmp_path: Path) -> Iterator[SqliteBus]:
    opened = SqliteBus(tmp_path / "bus.sqlite", SystemClock())
    yield opened
    opened.close()


def host_for(functions: list[FunctionDescriptor], tmp_path: Path, bus: SqliteBus) -> EmbeddedHost:
    return EmbeddedHost(functions, bus=bus, data_dir=tmp_path)


def test_apps_without_durable_functions_are_untouched(tmp_path: Path, bus: SqliteBus) -> None:
    plain = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @plain.route(route="hello")
    def hello(req: func.HttpRequest) -> str:
        return "hi"

    host = host_for(describe(plain), tmp_path, bus)
    assert host.durable is None
    assert not (tmp_path / "regions").exists()


def test_durable_app_gets_engine_routes_and_bound_clients(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bus: SqliteBus,
    functions: list[FunctionDescriptor],
) -> None:
    monkeypatch.setenv("PRIVACY_REGION", "us")
    host = host_for(functions, tmp_path, bus)
    assert host.durable is not None
    assert (tmp_path / "regions" / "us" / "taskhub.sqlite").exists()
    bound = {f.name: f for f in host.functions if f.durable_clients}
    assert set(bound) == {"start", "decide", "status", "terminate", "purge", "yearly_start"}
    assert bound["yearly_start"].trigger_type == "timerTrigger"
    paths = {getattr(r, "path", "") for r in host.durable.routes}
    assert "/runtime/webhooks/durabletask/instances/{instance_id}" in paths
    host.durable.engine.store.close()


def test_hub_name_comes_from_host_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert hub_name_from_host_json(tmp_path) == "TestHubName"
    monkeypatch.setenv("MY_HUB", "PrivacyHub")
    (tmp_path / "host.json").write_text(
        json.dumps({"extensions": {"durableTask": {"hubName": "%MY_HUB%"}}})
    )
    assert hub_name_from_host_json(tmp_path) == "PrivacyHub"
