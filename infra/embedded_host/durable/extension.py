"""Wires the engine into the embedded host: store location, client binding, routes, lifecycle."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from pathlib import Path

from starlette.routing import BaseRoute

from infra.embedded_host.app_loader import (
    ACTIVITY_TRIGGER,
    ORCHESTRATION_TRIGGER,
    FunctionDescriptor,
)
from infra.embedded_host.durable.client_binding import (
    DEFAULT_HUB,
    ClientBinder,
    binding_json,
    local_origin,
    system_key,
)
from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.http_api import DurableHttpApi
from infra.embedded_host.durable.store import TaskHubStore
from infra.embedded_host.durable.workers import DurableWorkers
from infra.embedded_host.host_keys import HostKeys
from infra.embedded_host.settings_loader import resolve_expression
from shared.ports.clock import Clock

STORE_FILE = "taskhub.sqlite"


def uses_durable(functions: Sequence[FunctionDescriptor]) -> bool:
    return any(f.trigger_type in (ORCHESTRATION_TRIGGER, ACTIVITY_TRIGGER) or f.durable_clients
               for f in functions)


def store_path(data_dir: Path, region: str | None = None) -> Path:
    """Per region, like the app's other stores: ``<data-dir>/regions/<region>/taskhub.sqlite``."""
    region = region or os.environ.get("PRIVACY_REGION") or "eu"
    return data_dir / "regions" / region / STORE_FILE


def hub_name_from_host_json(root: Path) -> str:
    """``extensions.durableTask.hubName`` (``%SETTING%`` allowed), else Core Tools' default."""
    path = root / "host.json"
    if not path.is_file():
        return DEFAULT_HUB
    durable = json.loads(path.read_text("utf-8")).get("extensions", {}).get("durableTask", {})
    name = durable.get("hubName")
    if not name:
        return DEFAULT_HUB
    return resolve_expression(str(name), function="durableTask", field="hubName")


class DurableExtension:
    """The Durable Functions support of one host; build it with :func:`create_durable`."""

    def __init__(
        self,
        functions: Sequence[FunctionDescriptor],
        *,
        store: TaskHubStore,
        clock: Clock,
        keys: HostKeys,
        hub_name: str = DEFAULT_HUB,
        origin: str = local_origin("127.0.0.1", 7071),
    ) -> None:
        self.hub_name = hub_name
        self.origin = origin
        self.key = system_key(keys)
        self.engine = DurableEngine(functions, store, clock)
        self.workers = DurableWorkers(self.engine)
        self.binder = ClientBinder(lambda: binding_json(self.origin, self.hub_name, self.key))
        self.routes: list[BaseRoute] = DurableHttpApi(self.engine, keys, hub_name,
                                                      self.key).routes()

    def bind_clients(self, functions: Sequence[FunctionDescriptor]) -> list[FunctionDescriptor]:
        """The functions with every ``durableClient`` argument supplied."""
        return self.binder.bind(functions)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Resume stored work; ``loop`` is where client functions run (the server's loop)."""
        self.binder.loop = loop
        self.workers.start()

    def wake(self) -> None:
        self.workers.wake()

    async def close_client_session(self) -> None:
        """The library keeps one aiohttp session per process and never closes it (the worker
        just exits); close it on its loop so shutdown does not log "Unclosed client session"."""
        try:
            from azure.durable_functions.models.utils import http_utils
        except ImportError:  # pragma: no cover - the library moved it; nothing to close
            return
        close = getattr(http_utils, "_close_session", None)
        if close is not None:
            await close()

    def stop(self) -> None:
        """Take no new work, let running episodes and activities commit, close the store."""
        self.workers.stop()
        self.binder.loop = None
        self.engine.store.close()


def create_durable(
    functions: Sequence[FunctionDescriptor],
    *,
    data_dir: Path,
    clock: Clock,
    keys: HostKeys,
    hub_name: str = DEFAULT_HUB,
    origin: str = local_origin("127.0.0.1", 7071),
) -> DurableExtension | None:
    """None when the app has no orchestrator, activity or client binding: nothing changes."""
    if not uses_durable(functions):
        return None
    return DurableExtension(functions, store=TaskHubStore(store_path(data_dir)), clock=clock,
                            keys=keys, hub_name=hub_name, origin=origin)
