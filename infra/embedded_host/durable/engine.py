"""The Durable Functions engine: client operations and the three kinds of work, no threads.

``DurableWorkers`` drives it with threads in the host; tests drive it step by step or with
``run_until_idle`` under a ``FakeClock``. Episodes of one instance are serialized by a
per-instance lock, which client operations (terminate) take too. ``listener`` hears about new
work after each commit (instance to run, activity to execute, timers changed).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from typing import Literal

from infra.embedded_host.app_loader import (
    ACTIVITY_TRIGGER,
    ORCHESTRATION_TRIGGER,
    FunctionDescriptor,
)
from infra.embedded_host.durable import history as h
from infra.embedded_host.durable.activities import run_activity
from infra.embedded_host.durable.episode import run_episode
from infra.embedded_host.durable.model import TERMINAL, Instance, Outcome
from infra.embedded_host.durable.store import TaskHubStore
from shared.ports.clock import Clock

logger = logging.getLogger("embedded_host.durable")
WorkKind = Literal["instance", "activity", "timer"]
Listener = Callable[[WorkKind, str | int | None], None]


class UnknownOrchestrator(LookupError):
    pass


def _by_name(
    functions: Sequence[FunctionDescriptor], trigger: str
) -> dict[str, FunctionDescriptor]:
    """Function names are case-insensitive in Azure Functions."""
    return {f.name.lower(): f for f in functions if f.trigger_type == trigger}


class DurableEngine:
    def __init__(
        self, functions: Sequence[FunctionDescriptor], store: TaskHubStore, clock: Clock
    ) -> None:
        self.store = store
        self.clock = clock
        self._orchestrators = _by_name(functions, ORCHESTRATION_TRIGGER)
        self._activities = _by_name(functions, ACTIVITY_TRIGGER)
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._changed = threading.Condition()
        self.listener: Listener | None = None

    def _lock_for(self, instance_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(instance_id, threading.Lock())

    def _notify(self, kind: WorkKind | None, key: str | int | None = None) -> None:
        """Tell the listener about new work (if ``kind``) and wake ``wait_for`` callers."""
        if kind is not None and self.listener is not None:
            self.listener(kind, key)
        with self._changed:
            self._changed.notify_all()

    # -- client operations ---------------------------------------------------------------

    def start_new(self, name: str, instance_id: str | None = None,
                  input_json: str | None = None) -> str:
        """Schedule an orchestration; an existing instance with that id is replaced."""
        function = self._orchestrators.get(name.lower())
        if function is None:
            raise UnknownOrchestrator(name)
        instance_id = instance_id or uuid.uuid4().hex
        now = self.clock.now()
        with self._lock_for(instance_id):
            start = h.execution_started(now, function.name, input_json, instance_id)
            self.store.create(instance_id, function.name, input_json, start, now)
        logger.info("orchestration scheduled",
                    extra={"function": function.name, "instance_id": instance_id})
        self._notify("instance", instance_id)
        return instance_id

    def raise_event(self, instance_id: str, name: str, input_json: str | None) -> Outcome:
        outcome = self.store.add_message(
            instance_id, h.event_raised(self.clock.now(), name, input_json))
        if outcome is Outcome.ACCEPTED:
            self._notify("instance", instance_id)
        return outcome

    def terminate(self, instance_id: str, reason: str | None) -> Outcome:
        now = self.clock.now()
        with self._lock_for(instance_id):
            outcome = self.store.terminate(
                instance_id, h.execution_terminated(now, reason), json.dumps(reason), now)
        if outcome is Outcome.ACCEPTED:
            logger.info("orchestration terminated", extra={"instance_id": instance_id})
            self._notify("timer")
        return outcome

    def purge(self, instance_id: str) -> int:
        with self._lock_for(instance_id):
            return self.store.purge(instance_id)

    def status(self, instance_id: str) -> Instance | None:
        return self.store.get(instance_id)

    def wait_for(self, instance_id: str, statuses: Collection[str],
                 timeout: float = 10.0) -> Instance:
        """Block until the instance reaches one of ``statuses`` (tests, demos)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                instance = self.store.get(instance_id)
                if instance is not None and instance.status in statuses:
                    return instance
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"instance {instance_id} did not reach {statuses}")
                self._changed.wait(remaining)

    # -- work ----------------------------------------------------------------------------

    def process_instance(self, instance_id: str) -> bool:
        """Run one episode for the instance's oldest message; False when it had none."""
        with self._lock_for(instance_id):
            pending = self.store.next_message(instance_id)
            if pending is None:
                return False
            message_id, message = pending
            instance = self.store.get(instance_id)
            if instance is None or instance.status in TERMINAL:
                self.store.drop(message_id)  # late result or event for a finished instance
                return True
            now = self.clock.now()
            function = self._orchestrators.get(instance.name.lower())
            commit = run_episode(instance, message_id, message, self.store.history(instance_id),
                                 function, now)
            activity_ids = self.store.commit(commit, now)
        for work_id in activity_ids:
            self._notify("activity", work_id)
        if commit.timers or commit.cancelled_timers or commit.finished:
            self._notify("timer")
        self._notify(None)
        return True

    def process_activity(self, work_id: int) -> None:
        """Execute one activity; its result is dropped if the instance finished meanwhile."""
        activity = self.store.activity(work_id)
        if activity is None:
            return
        function = self._activities.get(activity.name.lower())
        result = run_activity(function, activity, self.clock.now)
        if self.store.complete_activity(activity, result):
            self._notify("instance", activity.instance_id)

    def fire_due_timers(self) -> None:
        for instance_id in self.store.fire_due_timers(self.clock.now()):
            self._notify("instance", instance_id)

    def run_until_idle(self, max_steps: int = 10_000) -> None:
        """Do all work that is ready now, in this thread (tests: deterministic, no sleeps)."""
        for _ in range(max_steps):
            self.fire_due_timers()
            busy = False
            for instance_id in self.store.instances_with_messages():
                while self.process_instance(instance_id):
                    busy = True
            for work_id in self.store.activity_ids():
                self.process_activity(work_id)
                busy = True
            if not busy:
                return
        raise RuntimeError("durable work did not settle")
