"""The embedded host's test clock (``--test-clock``): system time plus a movable offset.

Every ``Clock`` user (store TTL visibility, bus locks, timers, sweeps, services) reads the same
instance, so ``POST /admin/clock {"advance": "P31D"}`` shows a month of retention at once (it
answers once the timer runs the move made due have finished, so the next call sees them). The
offset is kept in the data dir, so a restarted host does not travel back in time; and a host
started on that data dir WITHOUT ``--test-clock`` refuses to start (``saved_offset_refusal``):
on the system clock, expiry times, timers and the audit chain would see time run backwards,
silently. Without the flag, ``/admin/clock`` answers a 404 that says how to turn it on.
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from infra.embedded_host.host_keys import HostKeys
from infra.embedded_host.http_conversion import problem
from shared.adapters.secret_files import private_file
from shared.ports.clock import Clock, SystemClock

_DURATION = TypeAdapter(timedelta)
STATE_FILE = "test-clock.json"


class OffsetClock:
    def __init__(self, state_path: Path) -> None:
        self._path = state_path
        self._lock = threading.Lock()
        seconds = json.loads(state_path.read_text())["offsetSeconds"] if state_path.exists() else 0
        self._offset = timedelta(seconds=seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, by: timedelta) -> datetime:
        """Move forward only: time never runs backwards for TTLs, locks and audit chains."""
        if by < timedelta(0):
            raise ValueError("the test clock only moves forward")
        with self._lock:
            self._offset += by
            private_file(self._path).write_text(
                json.dumps({"offsetSeconds": self._offset.total_seconds()})
            )
        return self.now()


def saved_offset(data_dir: Path) -> timedelta:
    """The offset a test-clock host left in ``data_dir`` (zero when none)."""
    path = data_dir / STATE_FILE
    if not path.exists():
        return timedelta(0)
    return timedelta(seconds=float(json.loads(path.read_text())["offsetSeconds"]))


def saved_offset_refusal(data_dir: Path) -> str | None:
    """Why a host without ``--test-clock`` must not start on ``data_dir``, or None."""
    ahead = saved_offset(data_dir)
    if ahead <= timedelta(0):
        return None
    days = ahead.total_seconds() / 86400
    return (f"this data dir was used with --test-clock, which moved time {days:.1f} days ahead; "
            "on the system clock time would run backwards for what is stored (expiry times, "
            "timers, the audit chain). Start with --test-clock (make run ARGS=--test-clock) to "
            f"keep the moved clock, or wipe the local state (make reset DATA_DIR={data_dir})")


CLOCK_OFF = ("the test clock is off: start the host with --test-clock "
             "(make run ARGS=--test-clock) to read and move time with /admin/clock")


def clock_off_routes() -> list[BaseRoute]:
    """``/admin/clock`` of a host without ``--test-clock``: a 404 that says how to turn it on
    (it moves nothing and reveals nothing, so it needs no key)."""

    async def off(request: Request) -> Response:
        return problem(404, "Not Found", detail=CLOCK_OFF)

    return [Route("/admin/clock", off, methods=["GET", "POST"])]


def host_clock(data_dir: Path, test_clock: bool) -> Clock:
    return OffsetClock(data_dir / STATE_FILE) if test_clock else SystemClock()


def clock_extension(clock: Clock, keys: HostKeys, on_advanced: list[object]) -> list[BaseRoute]:
    """The host's ``/admin/clock``: the movable clock's routes, or the 404 that explains."""
    if isinstance(clock, OffsetClock):
        return clock_routes(clock, keys, on_advanced)
    return clock_off_routes()


def clock_routes(clock: OffsetClock, keys: HostKeys, on_advanced: list[object]) -> list[BaseRoute]:
    """``GET/POST /admin/clock``; ``on_advanced`` callables run after each move (timer wake)."""
    from infra.embedded_host.admin_routes import admin_denied

    def body(now: datetime) -> dict[str, object]:
        return {"now": now.isoformat(), "offsetSeconds": clock.offset.total_seconds()}

    async def read(request: Request) -> Response:
        if denied := admin_denied(request, keys):
            return denied
        return JSONResponse(body(clock.now()))

    async def advance(request: Request) -> Response:
        if denied := admin_denied(request, keys):
            return denied
        try:
            payload = await request.json()
            by = _DURATION.validate_python(payload["advance"])
            now = clock.advance(by)
        except (ValueError, KeyError, TypeError, ValidationError):
            return problem(400, "Bad Request", detail='expected {"advance": "<ISO 8601 '
                           'duration>"}, a positive duration such as P31D or PT2H')
        for callback in on_advanced:
            if callable(callback):  # off the loop: a timer run it waits for may need the loop
                await asyncio.to_thread(callback)
        return JSONResponse(body(now))

    return [Route("/admin/clock", read, methods=["GET"]),
            Route("/admin/clock", advance, methods=["POST"])]
