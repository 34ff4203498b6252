"""``python -m infra.embedded_host``: run the real function app locally without Core Tools."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from pydantic import TypeAdapter, ValidationError
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from infra.embedded_host.host_guard import is_loopback
from infra.embedded_host.json_logging import configure_logging
from infra.embedded_host.settings_loader import (
    MissingAppSetting,
    load_host_json,
    prepare_environment,
)
from shared.adapters.secret_files import private_dir

if TYPE_CHECKING:
    from infra.embedded_host.host import EmbeddedHost

logger = logging.getLogger("embedded_host")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m infra.embedded_host", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7071)
    parser.add_argument("--data-dir", default=".data", type=Path)
    parser.add_argument("--app", default="function_app", help="module that defines `app`")
    parser.add_argument("--test-clock", action="store_true",
                        help="enable GET/POST /admin/clock to move time forward (tests, demos)")
    parser.add_argument("--insecure-dev-auth", action="store_true",
                        help="allow dev auth (X-MS-CLIENT-PRINCIPAL trusted as sent) on a "
                        "non-loopback address: anyone who can reach it is any admin")
    return parser.parse_args(argv)


def dev_auth_on() -> bool:
    """PRIVACY_DEV_AUTH read as the app's ``Settings.dev_auth`` reads it (pydantic's bool, so
    ``on``, ``y`` and ``t`` too): a spelling the app takes as on must meet the refusals here.
    A value the app would reject counts as on (the app will not start with it anyway)."""
    raw = os.environ.get("PRIVACY_DEV_AUTH", "").strip()
    if not raw:
        return False
    try:
        return TypeAdapter(bool).validate_python(raw)
    except ValidationError:
        return True


def refusal(args: argparse.Namespace) -> str | None:
    """Why this host must not start with these arguments and settings, or None."""
    if not dev_auth_on():
        return None
    if os.environ.get("WEBSITE_INSTANCE_ID"):
        return ("dev auth is on but WEBSITE_INSTANCE_ID is set (an Azure instance): refusing to "
                "start; set PRIVACY_DEV_AUTH=false, App Service Authentication provides the "
                "principal in Azure")
    if not is_loopback(args.host) and not args.insecure_dev_auth:
        return (f"dev auth is on and --host {args.host} is not a loopback address: anyone who "
                "reaches it could act as any admin. Bind 127.0.0.1, set PRIVACY_DEV_AUTH=false, "
                "or pass --insecure-dev-auth")
    return None


class _Server(uvicorn.Server):
    """Logs the listening URL once the socket is bound (lifespan startup runs before that)."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            logger.info("embedded host listening", extra={"url": f"http://{host}:{port}"})


def _prepare(args: argparse.Namespace, root: Path) -> Path | None:
    """Settings, refusals and the private data dir; None when the host must not start."""
    configure_logging()
    os.umask(0o077)  # whatever this process creates (stores, keys, exports, logs) is private
    data_dir: Path = args.data_dir.resolve()
    loaded = prepare_environment(root, data_dir)
    logger.info("settings loaded", extra={"file": loaded.name if loaded else None})
    if reason := refusal(args):
        logger.error(reason)
        return None
    private_dir(data_dir)
    if dev_auth_on():
        logger.warning("DEV AUTH IS ON: X-MS-CLIENT-PRINCIPAL is trusted as sent. "
                       "Never use this for production.")
    return data_dir if _clock_agrees(args, data_dir) else None


def _clock_agrees(args: argparse.Namespace, data_dir: Path) -> bool:
    """A data dir a test clock moved ahead is served on that clock only (never silently back)."""
    from infra.embedded_host.test_clock import saved_offset, saved_offset_refusal

    if not args.test_clock:
        if reason := saved_offset_refusal(data_dir):
            logger.error(reason)
            return False
        return True
    ahead = saved_offset(data_dir).total_seconds() / 86400
    logger.warning("TEST CLOCK IS ON: POST /admin/clock moves time for every component.",
                   extra={"daysAhead": round(ahead, 3)})
    return True


def _mailbox(host: EmbeddedHost, data_dir: Path) -> list[BaseRoute]:
    """The console's Mailbox page reads the embedded mailer's files (``/.local/mailbox``):
    ``<data dir>/mailbox`` with ``PRIVACY_MAIL_BACKEND=mailbox``, the default."""
    from infra.embedded_host.mailbox_routes import mailbox_routes

    if os.environ.get("PRIVACY_MAIL_BACKEND", "mailbox").lower() != "mailbox":
        return []
    return mailbox_routes(data_dir / "mailbox", host.keys, trusted=dev_auth_on())


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path.cwd()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    data_dir = _prepare(args, root)
    if data_dir is None:
        return 2
    from infra.embedded_host.app_loader import load_app
    from infra.embedded_host.durable import hub_name_from_host_json
    from infra.embedded_host.durable.client_binding import local_origin
    from infra.embedded_host.host import EmbeddedHost
    from infra.embedded_host.host_keys import MASTER_KEY_FILE
    from infra.embedded_host.test_clock import clock_extension, host_clock
    from shared.composition import start, stop
    from shared.ports.key_provider import KeyUnavailable

    clock = host_clock(data_dir, args.test_clock)
    try:
        bus = start(clock)  # the app's hook for in-process hosts: its graph, on our clock
    except KeyUnavailable as exc:  # e.g. a key file lost while data made with it remains
        logger.error(f"refusing to start: {exc}")
        return 2

    try:
        _, functions = load_app(args.app)
        hub = hub_name_from_host_json(root)
    except MissingAppSetting as exc:
        logger.error(str(exc))
        return 2
    host = EmbeddedHost(functions, bus=bus, data_dir=data_dir,
                        host_json=load_host_json(root), clock=clock, on_stopped=stop,
                        durable_hub=hub, origin=local_origin(args.host, args.port),
                        loopback_only=is_loopback(args.host))
    host.add_routes(clock_extension(clock, host.keys, [host.wake_timers]))
    host.add_routes(_mailbox(host, data_dir))
    logger.info("/admin and the Durable API need the master key (x-functions-key or code)",
                extra={"file": str(data_dir / MASTER_KEY_FILE)})
    # the console's sign-in, as App Service Authentication does it (behind the Host guard)
    app: ASGIApp = host.asgi_app(easy_auth=dev_auth_on())
    config = uvicorn.Config(app, host=args.host, port=args.port, log_config=None,
                            access_log=False, lifespan="on", timeout_graceful_shutdown=10)
    server = _Server(config)
    # uvicorn re-raises the captured signal after a graceful shutdown; handle it, exit 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: setattr(server, "should_exit", True))
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
