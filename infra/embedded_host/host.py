"""The embedded host: HTTP server, queue and timer runners around one function app.

Extension point for later features (test clock, Durable Functions HTTP API): build the host,
then ``add_routes(...)`` before ``asgi_app()``; routes can reach ``host.clock``,
``host.timer_runner`` (call ``wake()`` after moving a test clock), ``host.bus`` and
``host.keys`` (use ``admin_denied`` from ``admin_routes`` to guard them).

Durable Functions (``host.durable``, None for apps without them) plug in here: functions with a
``durableClient`` binding are wrapped to receive their client, the management API joins the
routes, and the engine starts and stops with the lifespan (call ``host.wake_timers()`` after
moving a test clock so durable timers re-evaluate too).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from infra.embedded_host.app_loader import FunctionDescriptor
from infra.embedded_host.durable import DurableExtension, create_durable
from infra.embedded_host.durable.client_binding import DEFAULT_HUB, local_origin
from infra.embedded_host.host_keys import load_or_create_host_keys
from infra.embedded_host.http_server import create_http_app
from infra.embedded_host.queue_runner import QueueRunner
from infra.embedded_host.settings_loader import HostJson, queue_workers
from infra.embedded_host.timer_runner import TimerRunner
from shared.ports.clock import Clock, SystemClock
from shared.ports.message_bus import MessageBus

SETTLE = 120.0  # seconds a clock move waits for the timer runs it made due

logger = logging.getLogger("embedded_host")


class EmbeddedHost:
    def __init__(
        self,
        functions: Sequence[FunctionDescriptor],
        *,
        bus: MessageBus,
        data_dir: Path,
        host_json: HostJson | None = None,
        clock: Clock | None = None,
        extra_routes: Sequence[BaseRoute] = (),
        on_stopped: Callable[[], None] | None = None,
        durable_hub: str = DEFAULT_HUB,
        origin: str = local_origin("127.0.0.1", 7071),
        loopback_only: bool = True,
    ) -> None:
        """``clock`` drives timer schedules only; ``on_stopped`` runs after the runners stop.

        ``origin`` is where this host can call itself (Durable client binding URLs);
        ``loopback_only`` (bound to loopback) makes it answer loopback Host names only.
        """
        self.loopback_only = loopback_only
        self.functions = list(functions)
        self.bus = bus
        self.host_json = host_json or HostJson()
        self.clock: Clock = clock or SystemClock()
        self.keys = load_or_create_host_keys(data_dir)
        self.durable: DurableExtension | None = create_durable(
            self.functions, data_dir=data_dir, clock=self.clock, keys=self.keys,
            hub_name=durable_hub, origin=origin)
        if self.durable is not None:
            self.functions = self.durable.bind_clients(self.functions)
        workers = queue_workers(self.host_json, os.cpu_count())
        self.queue_runner = QueueRunner(self.functions, bus, concurrency=workers)
        logger.info("queue workers per function", extra={
            "workers": workers, "maxConcurrentCalls": self.host_json.max_concurrent_calls})
        self.timer_runner = TimerRunner(self.functions, self.clock)
        self._extra_routes: list[BaseRoute] = list(extra_routes)
        if self.durable is not None:
            self._extra_routes.extend(self.durable.routes)
        self._on_stopped = on_stopped

    def add_routes(self, routes: Sequence[BaseRoute]) -> None:
        """Add extension routes; they take precedence over function routes."""
        self._extra_routes.extend(routes)

    def asgi_app(self, easy_auth: bool = False) -> Starlette:
        return create_http_app(
            self.functions,
            self.keys,
            route_prefix=self.host_json.route_prefix,
            extra_routes=self._extra_routes,
            lifespan=self._lifespan,
            loopback_only=self.loopback_only,
            easy_auth=easy_auth,
        )

    def start(self) -> None:
        if self.durable is not None:
            self.durable.start(_running_loop())
        self.queue_runner.start()
        self.timer_runner.start()

    def wake_timers(self) -> None:
        """Re-evaluate timer schedules and durable timers now (after moving a test clock),
        and return once the timer runs this made due have finished (at most ``SETTLE``
        seconds), so whoever moved the clock sees their effects. Blocks: call it off the
        event loop."""
        if self.durable is not None:
            self.durable.wake()
        self.timer_runner.wake(settle=SETTLE)

    def stop(self) -> None:
        """Stop taking work, let in-flight invocations finish, then release resources."""
        self.timer_runner.stop()
        self.queue_runner.stop()
        if self.durable is not None:
            self.durable.stop()
        if self._on_stopped is not None:
            self._on_stopped()

    @asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.start()
        try:
            yield
        finally:
            logger.info("stopping runners")
            await anyio.to_thread.run_sync(self.stop)
            if self.durable is not None:
                await self.durable.close_client_session()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The server's loop when started from the lifespan; client functions run on it."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
