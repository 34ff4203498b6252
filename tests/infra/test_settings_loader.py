"""Settings and host.json are loaded like Core Tools; missing binding settings fail at start."""

from __future__ import annotations

import json
from pathlib import Path

import azure.functions as func
import pytest

from infra.embedded_host.app_loader import describe
from infra.embedded_host.settings_loader import (
    CONCURRENCY_OVERRIDE,
    HostJson,
    MissingAppSetting,
    load_host_json,
    prepare_environment,
    queue_workers,
    resolve_expression,
)


def write(path: Path, content: object) -> None:
    path.write_text(json.dumps(content), "utf-8")


def test_local_settings_win_over_example_and_environment_wins_over_both(tmp_path: Path) -> None:
    write(tmp_path / "local.settings.example.json", {"Values": {"A": "example"}})
    write(tmp_path / "local.settings.json", {"Values": {"A": "local", "B": "b", "C": True}})
    env = {"B": "from-env"}
    loaded = prepare_environment(tmp_path, tmp_path / "data", env)
    assert loaded == tmp_path / "local.settings.json"
    assert env == {
        "A": "local",
        "B": "from-env",
        "C": "true",
        "PRIVACY_DATA_DIR": str((tmp_path / "data").resolve()),
        "PRIVACY_DEV_AUTH": "true",
    }


def test_example_settings_are_the_fallback_and_dev_auth_can_be_turned_off(tmp_path: Path) -> None:
    write(
        tmp_path / "local.settings.example.json",
        {"Values": {"A": "example", "PRIVACY_DATA_DIR": ".data"}},
    )
    env = {"PRIVACY_DEV_AUTH": "false"}
    loaded = prepare_environment(tmp_path, Path("rel"), env)
    assert loaded == tmp_path / "local.settings.example.json"
    assert env["A"] == "example"
    assert Path(env["PRIVACY_DATA_DIR"]).is_absolute()
    assert env["PRIVACY_DEV_AUTH"] == "false"


def test_binding_expressions_resolve_or_name_the_missing_setting() -> None:
    env = {"QUEUE": "ingest"}
    assert resolve_expression("%QUEUE%", function="f", field="queueName", environ=env) == "ingest"
    assert resolve_expression("plain", function="f", field="queueName", environ=env) == "plain"
    with pytest.raises(MissingAppSetting, match="app setting NOPE is not set"):
        resolve_expression("%NOPE%", function="f", field="schedule", environ=env)


def settings_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

    @app.service_bus_queue_trigger(arg_name="msg", queue_name="%T_QUEUE%", connection="SB")
    def consume(msg: func.ServiceBusMessage) -> None: ...

    @app.timer_trigger(arg_name="t", schedule="%T_CRON%", run_on_startup=True)
    def tick(t: func.TimerRequest) -> None: ...

    @app.route(methods=["GET", "POST"])
    async def unrouted(req: func.HttpRequest) -> str:
        return ""

    return app


def test_describe_names_a_missing_app_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("T_QUEUE", raising=False)
    with pytest.raises(MissingAppSetting, match="'consume': queueName uses %T_QUEUE%"):
        describe(settings_app())


def test_describe_resolves_app_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_QUEUE", "q1")
    monkeypatch.setenv("T_CRON", "0 0 * * * *")
    consume_d, tick_d, http_d = describe(settings_app())
    assert (consume_d.trigger_type, consume_d.queue_name, consume_d.arg_name) == (
        "serviceBusTrigger",
        "q1",
        "msg",
    )
    assert (tick_d.schedule, tick_d.run_on_startup, tick_d.is_async) == ("0 0 * * * *", True, False)
    assert (http_d.route, http_d.methods, http_d.auth_level, http_d.is_async) == (
        "unrouted",
        ("GET", "POST"),
        "function",
        True,
    )


def test_host_json(tmp_path: Path) -> None:
    assert load_host_json(tmp_path, {}) == HostJson("api", 4)
    write(
        tmp_path / "host.json",
        {"extensions": {"http": {"routePrefix": "/fn/"}, "serviceBus": {"maxConcurrentCalls": 2}}},
    )
    assert load_host_json(tmp_path, {}) == HostJson("fn", 2)
    write(
        tmp_path / "host.json",
        {
            "extensions": {
                "http": {"routePrefix": ""},
                "serviceBus": {"messageHandlerOptions": {"maxConcurrentCalls": 8}},
            }
        },
    )
    assert load_host_json(tmp_path, {}) == HostJson("", 8)


def test_the_azure_app_setting_overrides_host_json_concurrency(tmp_path: Path) -> None:
    write(tmp_path / "host.json", {"extensions": {"serviceBus": {"maxConcurrentCalls": 4}}})
    assert load_host_json(tmp_path, {CONCURRENCY_OVERRIDE: "3"}) == HostJson("api", 4, 3)
    assert load_host_json(tmp_path, {CONCURRENCY_OVERRIDE: " "}) == HostJson("api", 4, None)
    for bad in ("0", "-1", "two", "1.5"):
        with pytest.raises(ValueError, match=CONCURRENCY_OVERRIDE):
            load_host_json(tmp_path, {CONCURRENCY_OVERRIDE: bad})


@pytest.mark.parametrize(
    ("host_json", "cpus", "workers"),
    [
        (HostJson(max_concurrent_calls=4), 2, 1),  # this machine: one core is the HTTP side's
        (HostJson(max_concurrent_calls=4), 1, 1),  # never none
        (HostJson(max_concurrent_calls=4), None, 1),  # cores unknown
        (HostJson(max_concurrent_calls=4), 8, 4),  # host.json bounds it
        (HostJson(max_concurrent_calls=2), 8, 2),
        (HostJson(max_concurrent_calls=4, concurrency_override=6), 2, 6),  # stated outright
    ],
)
def test_queue_workers_are_capped_at_the_spare_cores(
    host_json: HostJson, cpus: int | None, workers: int
) -> None:
    assert queue_workers(host_json, cpus) == workers
