"""The embedded host's test clock (``--test-clock``): system time plus a movable offset.

Every ``Clock`` user (store TTL visibility, bus locks, timers, sweeps, services) reads the same
instance, so ``POST /admin/clock {"advance": "P31D"}`` shows a month of retention at once. The
offset is kept in the data dir, so a restarted host does not travel back in time.
"""

from __future__ import annotations

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
            if callable(callback):
                callback()
        return JSONResponse(body(now))

    return [Route("/admin/clock", read, methods=["GET"]),
            Route("/admin/clock", advance, methods=["POST"])]
