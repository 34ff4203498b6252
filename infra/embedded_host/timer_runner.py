"""Timer triggers on six-field NCRONTAB schedules (``second minute hour day month weekday``).

Time comes from a ``Clock`` so a test clock can drive schedules: after moving it, call
``wake()`` and every timer re-evaluates at once. Occurrences missed while the host was down
(or the clock jumped) collapse into one late run with ``past_due=True``, as in Azure. As in
Azure, a timer function runs as a singleton: a run asked for through the admin API waits for a
scheduled run in progress (``call_timer``). ``wake(settle=...)`` also waits until every timer
has looked at the new time and finished the run it started: a test that moves the clock and
then acts must not race the runs the move woke (a backstop sweep still deleting while the next
step already looks).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from azure.functions.timer import TimerRequest
from croniter import croniter

from infra.embedded_host.app_loader import TIMER_TRIGGER, FunctionDescriptor, call_sync
from shared.ports.clock import Clock, SystemClock

logger = logging.getLogger("embedded_host.timer")
PAST_DUE_AFTER = timedelta(seconds=1)
_RUNS: weakref.WeakKeyDictionary[Callable[..., object], threading.Lock] = (
    weakref.WeakKeyDictionary()
)
_RUNS_GUARD = threading.Lock()


def next_occurrence(schedule: str, after: datetime) -> datetime:
    """The first occurrence strictly after ``after`` (seconds field first, NCRONTAB style)."""
    result: datetime = croniter(schedule, after, second_at_beginning=True).get_next(datetime)
    return result


def call_timer(function: FunctionDescriptor, *, past_due: bool) -> None:
    """Invoke a timer function once no other run of it is in progress. Azure runs a timer
    function as a singleton; without the lock, a run started from the admin API right after the
    test clock woke the scheduled one would work on the same items twice (a re-stamp job's
    counts doubled, two purges racing). Exceptions propagate."""
    with _RUNS_GUARD:
        lock = _RUNS.setdefault(function.user_function, threading.Lock())
    with lock:
        call_sync(function, TimerRequest(past_due=past_due))


def run_timer(function: FunctionDescriptor, *, past_due: bool) -> bool:
    """Invoke a timer function; log failures by type only. True when it succeeded."""
    try:
        call_timer(function, past_due=past_due)
    except Exception as exc:
        logger.error("timer function failed",
                     extra={"function": function.name, "error_type": type(exc).__name__})
        return False
    return True


class TimerRunner:
    """One thread per timer function, sleeping until the next occurrence by ``clock``."""

    def __init__(
        self,
        functions: Sequence[FunctionDescriptor],
        clock: Clock | None = None,
        *,
        max_sleep: float = 30.0,
    ) -> None:
        self._functions = [f for f in functions if f.trigger_type == TIMER_TRIGGER]
        for function in self._functions:
            if not croniter.is_valid(function.schedule or "", second_at_beginning=True):
                raise ValueError(f"function {function.name!r}: invalid schedule")
        self.clock: Clock = clock or SystemClock()
        self._max_sleep = max_sleep
        self._stopping = threading.Event()
        self._wakes: list[threading.Event] = []
        self._threads: list[threading.Thread] = []
        self._generation = 0  # counts wakes; each thread records the last one it settled
        self._settled: list[int] = []
        self._progress = threading.Condition()

    def start(self) -> None:
        for index, function in enumerate(self._functions):
            wake = threading.Event()
            self._settled.append(-1)
            thread = threading.Thread(
                target=self._run,
                args=(function, wake, index),
                name=f"timer-{function.name}",
                daemon=True,
            )
            self._wakes.append(wake)
            self._threads.append(thread)
            thread.start()

    def wake(self, settle: float | None = None) -> bool:
        """Re-evaluate every schedule now (e.g. after a test clock was moved).

        With ``settle`` (seconds), return once every timer has evaluated the new time and
        finished any run that made due, or when the time is up; True when all settled.
        """
        with self._progress:
            self._generation += 1
            generation = self._generation
        for wake in self._wakes:
            wake.set()
        if settle is None:
            return True
        with self._progress:
            settled = self._progress.wait_for(
                lambda: self._stopping.is_set()
                or all(seen >= generation for seen in self._settled),
                timeout=settle,
            )
        if not settled:
            logger.warning("timers still running after a wake", extra={"seconds": settle})
        return settled

    def stop(self, timeout: float = 30.0) -> None:
        """Fire no more timers; wait for running ones to finish."""
        self._stopping.set()
        self.wake()
        with self._progress:
            self._progress.notify_all()  # a settle in progress stops waiting
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self._wakes.clear()
        self._settled.clear()

    def _run(self, function: FunctionDescriptor, wake: threading.Event, index: int) -> None:
        schedule = function.schedule or ""
        if function.run_on_startup:
            run_timer(function, past_due=False)
        due = next_occurrence(schedule, self.clock.now())
        while not self._stopping.is_set():
            generation = self._generation  # read before the clock: a later wake sets `wake`
            now = self.clock.now()
            if now < due:
                with self._progress:
                    self._settled[index] = generation
                    self._progress.notify_all()
                wake.wait(min((due - now).total_seconds(), self._max_sleep))
                wake.clear()
                continue
            run_timer(function, past_due=now - due > PAST_DUE_AFTER)
            due = next_occurrence(schedule, max(now, due))
