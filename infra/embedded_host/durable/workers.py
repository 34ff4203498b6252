"""Threads that drive a ``DurableEngine`` in the host: orchestrators, activities, timers.

Orchestrator and activity workers are separate pools (as ``maxConcurrentOrchestratorFunctions``
and ``maxConcurrentActivityFunctions`` are in Azure) so long activities never starve replays.
An instance is queued at most once and runs on one worker at a time. The timer thread sleeps
until the earliest fire-at by the host ``Clock``; ``wake()`` (new timers, a moved test clock)
makes it look again. ``stop()`` takes no new work and lets running episodes and activities
commit; whatever is still queued stays in the store for the next start.
"""

from __future__ import annotations

import logging
import queue
import threading

from infra.embedded_host.durable.engine import DurableEngine, WorkKind

logger = logging.getLogger("embedded_host.durable")


class DurableWorkers:
    def __init__(
        self,
        engine: DurableEngine,
        *,
        orchestrator_threads: int = 2,
        activity_threads: int = 4,
        max_sleep: float = 30.0,
    ) -> None:
        self.engine = engine
        self._sizes = (orchestrator_threads, activity_threads)
        self._max_sleep = max_sleep
        self._instances: queue.Queue[str | None] = queue.Queue()
        self._activities: queue.Queue[int | None] = queue.Queue()
        self._guard = threading.Lock()
        self._queued: set[str] = set()
        self._running: set[str] = set()
        self._again: set[str] = set()
        self._stopping = threading.Event()
        self._timer_wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Resume everything the store holds: messages, activities (re-run), timers."""
        self._stopping.clear()
        self.engine.listener = self._on_work
        for instance_id in self.engine.store.instances_with_messages():
            self._queue_instance(instance_id)
        for work_id in self.engine.store.activity_ids():
            self._activities.put(work_id)
        orchestrators, activities = self._sizes
        targets = [(self._orchestrate, f"durable-orchestrator-{n}") for n in range(orchestrators)]
        targets += [(self._execute, f"durable-activity-{n}") for n in range(activities)]
        targets.append((self._timers, "durable-timers"))
        for target, name in targets:
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """Re-evaluate timers now (e.g. after the test clock moved)."""
        self._timer_wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        self.engine.listener = None
        for _ in range(self._sizes[0]):
            self._instances.put(None)
        for _ in range(self._sizes[1]):
            self._activities.put(None)
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _on_work(self, kind: WorkKind, key: str | int | None) -> None:
        if kind == "instance" and isinstance(key, str):
            self._queue_instance(key)
        elif kind == "activity" and isinstance(key, int):
            self._activities.put(key)
        elif kind == "timer":
            self.wake()

    def _queue_instance(self, instance_id: str) -> None:
        with self._guard:
            if instance_id in self._running:
                self._again.add(instance_id)
                return
            if instance_id in self._queued:
                return
            self._queued.add(instance_id)
        self._instances.put(instance_id)

    def _orchestrate(self) -> None:
        while (instance_id := self._instances.get()) is not None:
            if self._stopping.is_set():
                return
            with self._guard:
                self._queued.discard(instance_id)
                self._running.add(instance_id)
            try:
                while not self._stopping.is_set() and self.engine.process_instance(instance_id):
                    pass
            except Exception as exc:
                logger.error("orchestrator episode crashed", extra={
                    "instance_id": instance_id, "error_type": type(exc).__name__})
            finally:
                with self._guard:
                    self._running.discard(instance_id)
                    again = instance_id in self._again
                    self._again.discard(instance_id)
            if again and not self._stopping.is_set():
                self._queue_instance(instance_id)

    def _execute(self) -> None:
        while (work_id := self._activities.get()) is not None:
            if self._stopping.is_set():
                return
            try:
                self.engine.process_activity(work_id)
            except Exception as exc:
                logger.error("activity dispatch crashed", extra={
                    "work_id": work_id, "error_type": type(exc).__name__})

    def _timers(self) -> None:
        while not self._stopping.is_set():
            try:
                self.engine.fire_due_timers()
                due = self.engine.store.next_timer_due()
            except Exception as exc:
                logger.error("timer dispatch crashed", extra={"error_type": type(exc).__name__})
                due = None
            wait = self._max_sleep
            if due is not None:
                wait = min(max((due - self.engine.clock.now()).total_seconds(), 0.0), wait)
            self._timer_wake.wait(wait)
            self._timer_wake.clear()
