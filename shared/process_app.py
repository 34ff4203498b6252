"""The process-wide graph: built on first use, or installed by a host or a test.

Split from ``shared.composition`` (which re-exports these names) to keep each module short;
it imports the composition root lazily, so either module may be imported first.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from shared.settings import get_settings

if TYPE_CHECKING:
    from shared.composition import App
    from shared.ports.clock import Clock
    from shared.ports.message_bus import MessageBus

_lock = threading.Lock()
_app: App | None = None


def get_app() -> App:
    """The process-wide graph, built on first use (never at import time)."""
    global _app
    with _lock:
        if _app is None:
            _app = _process_app()
        return _app


def install_app(app: App) -> None:
    """Make ``app`` the process-wide graph (tests that built their own)."""
    global _app
    with _lock:
        _app = app


def reset_app() -> None:
    """Close and forget the process-wide graph."""
    global _app
    with _lock:
        if _app is not None:
            _app.close()
        _app = None


def start(clock: Clock) -> MessageBus:
    """The hook for a host serving this app in-process (``infra/embedded_host``): build the
    graph once from settings with the host's clock (keys are checked now, so a lost key file
    refuses the start) and return the bus whose queues the host's triggers pull from."""
    app = _process_app(clock)
    install_app(app)
    return app.bus


def _process_app(clock: Clock | None = None) -> App:
    """Telemetry first (so the ports the root builds are traced), then the graph."""
    from shared.composition import compose
    from shared.telemetry import exporters

    exporters.configure(get_settings().otel_exporter)
    return compose(get_settings(), clock)


def stop() -> None:
    """The host's counterpart of ``start``: close the graph's stores and bus."""
    reset_app()
