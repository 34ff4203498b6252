"""App settings and host.json, loaded the way Core Tools does before the app is imported.

Settings must be in the environment before the app module is imported, because the app reads
them (lazily, but once). Binding expressions such as ``%PRIVACY_INGEST_QUEUE%`` are resolved
at start so a missing setting fails loudly instead of silently listening on a wrong queue.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SETTINGS_FILES = ("local.settings.json", "local.settings.example.json")
_EXPRESSION = re.compile(r"%([^%]+)%")


class MissingAppSetting(RuntimeError):
    """A binding expression names an app setting that is not set."""


CONCURRENCY_OVERRIDE = "AzureFunctionsJobHost__extensions__serviceBus__maxConcurrentCalls"
"""Azure's way to override a host.json value from an app setting; honoured here too."""


@dataclass(frozen=True)
class HostJson:
    """The few host.json options the embedded host honours."""

    route_prefix: str = "api"
    max_concurrent_calls: int = 4
    concurrency_override: int | None = None
    """``maxConcurrentCalls`` set by the app setting ``CONCURRENCY_OVERRIDE``."""


def queue_workers(host_json: HostJson, cpus: int | None) -> int:
    """Worker threads per queue-triggered function in the embedded host.

    host.json's ``maxConcurrentCalls`` is written for Azure, where a call waits on the network.
    Here the store and the bus are local SQLite files written under one lock, and every worker
    shares one interpreter lock with the HTTP side, so workers beyond the spare cores only
    contend: on two cores, one ingest worker instead of four let HTTP accept 30 % more events
    per second and finished the same work 9 % sooner (``tests/bench/bench_saturation``). So the
    host.json value is capped at the cores left after the HTTP side (at least one); the app
    setting ``CONCURRENCY_OVERRIDE`` states a number outright, uncapped.
    """
    if host_json.concurrency_override is not None:
        return host_json.concurrency_override
    return max(1, min(host_json.max_concurrent_calls, (cpus or 1) - 1))


def load_local_settings(
    root: Path, environ: MutableMapping[str, str] | None = None
) -> Path | None:
    """Copy ``Values`` of the first settings file found into the environment (set keys win)."""
    env = os.environ if environ is None else environ
    for name in SETTINGS_FILES:
        path = root / name
        if path.is_file():
            values: dict[str, Any] = json.loads(path.read_text("utf-8")).get("Values", {})
            for key, value in values.items():
                env.setdefault(key, _as_setting(value))
            return path
    return None


def _as_setting(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def prepare_environment(
    root: Path, data_dir: Path, environ: MutableMapping[str, str] | None = None
) -> Path | None:
    """Load settings, point the app at the data dir and default dev auth on (local only)."""
    env = os.environ if environ is None else environ
    loaded = load_local_settings(root, env)
    env["PRIVACY_DATA_DIR"] = str(data_dir.resolve())
    env.setdefault("PRIVACY_DEV_AUTH", "true")
    return loaded


def resolve_expression(
    value: str, *, function: str, field: str, environ: MutableMapping[str, str] | None = None
) -> str:
    """Replace each ``%NAME%`` with the app setting NAME; an unknown one is a start-up error."""
    env = os.environ if environ is None else environ

    def setting(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise MissingAppSetting(
                f"function {function!r}: {field} uses %{name}% but app setting {name} is not set"
            )
        return env[name]

    return _EXPRESSION.sub(setting, value)


def load_host_json(root: Path, environ: MutableMapping[str, str] | None = None) -> HostJson:
    """Read routePrefix and Service Bus concurrency (v5 and older layouts) from host.json, and
    the concurrency override from the app settings (a bad value is a start-up error)."""
    env = os.environ if environ is None else environ
    override = None
    if raw := env.get(CONCURRENCY_OVERRIDE, "").strip():
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(f"app setting {CONCURRENCY_OVERRIDE} must be a whole number >= 1")
        override = int(raw)
    path = root / "host.json"
    if not path.is_file():
        return HostJson(concurrency_override=override)
    extensions: dict[str, Any] = json.loads(path.read_text("utf-8")).get("extensions", {})
    http = extensions.get("http", {})
    bus = extensions.get("serviceBus", {})
    calls = bus.get("maxConcurrentCalls", bus.get("messageHandlerOptions", {}).get(
        "maxConcurrentCalls", HostJson.max_concurrent_calls))
    prefix = http.get("routePrefix", HostJson.route_prefix)
    return HostJson(route_prefix=str(prefix).strip("/"), max_concurrent_calls=max(1, int(calls)),
                    concurrency_override=override)
