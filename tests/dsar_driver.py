"""Drives the DSAR orchestrator generator in-process: activities run for real (the app's own
activity functions on the test's services), events and timers are under the test's control.

Not a Durable engine (that is infra/embedded_host/durable): a way to test the orchestration's
decisions step by step with a fake clock. As in Durable Functions, each raised event completes
one waiting task of its name (a later wait needs a later event), and an activity that raises
is thrown into the orchestrator where it was awaited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.app_client import FUNCTIONS
from tests.fakes import FakeClock

_UNSET: Any = object()


@dataclass(eq=False)
class Thunk:
    run: Callable[[], Any]
    kind: str = "activity"
    name: str = ""
    fire_at: datetime | None = None
    cancelled: bool = False
    value: Any = _UNSET

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class Any_:
    tasks: list[Thunk]


@dataclass
class Context:
    payload: dict[str, Any]
    clock: FakeClock
    pending: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    calls: list[str] = field(default_factory=list)
    custom_status: Any = None
    failing: set[str] = field(default_factory=set)
    """Activities that raise (a stand-in for one failing after all its retries)."""

    def raise_event(self, name: str, data: Any) -> None:
        self.pending[name].append(data)

    def get_input(self) -> dict[str, Any]:
        return self.payload

    @property
    def current_utc_datetime(self) -> datetime:
        return self.clock.now()

    def call_activity_with_retry(self, name: str, retry: Any, payload: Any) -> Thunk:
        def run() -> Any:
            self.calls.append(name)
            if name in self.failing:
                raise RuntimeError(f"activity {name} failed")
            return FUNCTIONS[name].get_user_function()(payload)

        return Thunk(run, name=name)

    def task_all(self, tasks: list[Thunk]) -> Thunk:
        return Thunk(lambda: [t.run() for t in tasks], kind="all")

    def wait_for_external_event(self, name: str) -> Thunk:
        return Thunk(lambda: None, kind="event", name=name)

    def create_timer(self, at: datetime) -> Thunk:
        return Thunk(lambda: None, kind="timer", fire_at=at)

    def task_any(self, tasks: list[Thunk]) -> Any_:
        return Any_(tasks)

    def set_custom_status(self, status: Any) -> None:
        self.custom_status = status


class Waiting(Exception):
    """The orchestration waits for an event the test has not raised yet."""


def _event_done(ctx: Context, task: Thunk) -> bool:
    if task.value is _UNSET and ctx.pending[task.name]:
        task.value = ctx.pending[task.name].pop(0)
    return task.value is not _UNSET


def resolve(ctx: Context, task: Thunk | Any_) -> Any:
    if isinstance(task, Any_):
        for t in task.tasks:
            if t.kind == "event" and _event_done(ctx, t):
                return t
        timers = [t for t in task.tasks if t.kind == "timer"]
        if timers and timers[0].fire_at and ctx.clock.now() >= timers[0].fire_at:
            return timers[0]
        raise Waiting()
    if task.kind == "event":
        if not _event_done(ctx, task):
            raise Waiting()
        return task.value
    return task.run()


class Orchestration:
    """One orchestration in progress; ``step()`` runs until it completes or has to wait."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.gen: Generator[Any, Any, Any] = (
            FUNCTIONS["dsar_orchestrator"].get_user_function().orchestrator_function(ctx)
        )
        self.pending: Any = None
        self.started = False
        self.output: Any = None
        self.done = False

    def step(self) -> bool:
        """True once completed."""
        try:
            task = self.gen.send(None) if not self.started else self.pending
            self.started = True
            while True:
                self.pending = task
                try:
                    value = resolve(self.ctx, task)
                except Waiting:
                    raise
                except Exception as exc:  # an activity failed: the orchestrator sees it
                    task = self.gen.throw(exc)
                    continue
                task = self.gen.send(value)
        except Waiting:
            return False
        except StopIteration as stop:
            self.output, self.done = stop.value, True
            return True
