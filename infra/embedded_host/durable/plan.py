"""Turns the orchestrator's cumulative action list into work, with the library's task ids.

The library numbers tasks itself (``_sequence_number``) and matches completions by that number
(``TaskScheduledId``/``TimerId``), so the engine must hand out the same numbers: one per
activity or timer action in the order they appear (compound ``task_all``/``task_any`` actions
flattened depth first), none for ``wait_for_external_event``, and for ``*_with_retry`` one for
the retry timer allocated when an attempt fails and one for each new attempt allocated when
that timer fires. Those retry ids are allocated *while the library processes the new event*,
before the resumed user code yields anything, which is why the engine feeds exactly one new
event per episode and calls :meth:`Plan.on_event` before :meth:`Plan.on_actions`.

Actions are cumulative since the start (schema v2 and v3), so they are deduplicated by
position; each known position keeps a signature to detect non-deterministic orchestrators.

The extension does not schedule the list at once: ``OutOfProcOrchestrationShim`` walks the
top-level actions in order and *awaits each one* before it schedules the next (and before it
completes or fails the orchestration). User code only yields the next task once the previous
one is done, so this only shows when the library appends actions on its own: the sub-timers of
a schema v3 ``LongTimerTask``. :class:`Plan` does the same walk (``reached`` top-level actions;
``done`` leaf positions; events raised per name), so an orchestration that would wait on such a
timer in Azure waits here too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from infra.embedded_host.durable.history import (
    EVENT_RAISED,
    TASK_COMPLETED,
    TASK_FAILED,
    TIMER_FIRED,
    Event,
    parse_time,
)

CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY, CONTINUE_AS_NEW, CREATE_TIMER = 0, 1, 4, 5
WAIT_FOR_EXTERNAL_EVENT, WHEN_ANY, WHEN_ALL = 6, 11, 12
UNSUPPORTED = {2: "call_sub_orchestrator", 3: "call_sub_orchestrator_with_retry",
               7: "call_entity", 8: "call_http", 9: "signal_entity"}
Action = dict[str, Any]


class PlanError(Exception):
    """The orchestrator asked for something the engine cannot do; the instance fails."""


@dataclass(frozen=True)
class ScheduleActivity:
    task_id: int
    name: str
    input: str | None


@dataclass(frozen=True)
class ScheduleTimer:
    timer_id: int
    fire_at: datetime


Work = ScheduleActivity | ScheduleTimer


@dataclass
class Retry:
    name: str
    input: str | None
    interval_ms: int
    max_attempts: int
    attempt: int = 1


def top_level(actions: list[Any]) -> list[Action]:
    """The top-level actions of the ``actions`` payload (``[[...]]`` groups opened)."""
    return [a for group in actions for a in (group if isinstance(group, list) else [group])]


def flatten(actions: list[Any]) -> list[Action]:
    """Atomic actions in scheduling order (``[[...]]`` groups and compound actions opened)."""
    flat: list[Action] = []
    for action in actions:
        if isinstance(action, list):
            flat.extend(flatten(action))
        elif action.get("actionType") in (WHEN_ANY, WHEN_ALL):
            flat.extend(flatten(action.get("compoundActions") or []))
        else:
            flat.append(action)
    return flat


def _signature(action: Action) -> str:
    name = action.get("functionName") or action.get("externalEventName") or ""
    return f"{action.get('actionType')}:{name}"


@dataclass
class Plan:
    next_id: int = 0
    signatures: list[str] = field(default_factory=list)
    ids: list[int | None] = field(default_factory=list)
    retries: dict[int, Retry] = field(default_factory=dict)
    """Retry state by action position."""
    retry_tasks: dict[int, int] = field(default_factory=dict)
    """Task id of the running attempt -> position."""
    retry_timers: dict[int, int] = field(default_factory=dict)
    """Timer id of a pending retry delay -> position."""
    cancelled: set[int] = field(default_factory=set)
    """Timer ids already cancelled."""
    reached: int | None = 0
    """Top-level actions the extension has scheduled; None for a plan stored before the
    extension's walk was modelled (that instance keeps scheduling everything at once)."""
    done: set[int] = field(default_factory=set)
    """Leaf positions whose task has its final result (fired, cancelled, completed, failed)."""
    raised: dict[str, int] = field(default_factory=dict)
    """External events raised so far, by name (the extension buffers them for later waiters)."""

    def _allocate(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def _position(self, task_id: Any) -> int | None:
        if task_id in self.retry_tasks:
            return self.retry_tasks[task_id]
        return self.ids.index(task_id) if task_id in self.ids else None

    def on_event(self, new_event: Event, now: datetime) -> list[Work]:
        """Retry bookkeeping the library does while it processes ``new_event``; completions."""
        kind, task_id = new_event["EventType"], new_event.get("TaskScheduledId")
        if kind == EVENT_RAISED:
            name = str(new_event.get("Name"))
            self.raised[name] = self.raised.get(name, 0) + 1
        elif kind == TASK_FAILED and task_id in self.retry_tasks:
            return [self._retry_delay(self.retry_tasks.pop(task_id), now)]
        elif kind == TIMER_FIRED and new_event.get("TimerId") in self.retry_timers:
            return self._retry_attempt(self.retry_timers.pop(new_event["TimerId"]))
        elif kind in (TASK_COMPLETED, TASK_FAILED, TIMER_FIRED):
            position = self._position(task_id if kind != TIMER_FIRED else new_event["TimerId"])
            if position is not None:
                self.done.add(position)
        return []

    def _retry_delay(self, position: int, now: datetime) -> ScheduleTimer:
        timer_id = self._allocate()
        self.retry_timers[timer_id] = position
        return ScheduleTimer(timer_id, now + timedelta(
            milliseconds=self.retries[position].interval_ms))

    def _retry_attempt(self, position: int) -> list[Work]:
        retry = self.retries[position]
        if retry.attempt >= retry.max_attempts:
            self.done.add(position)
            return []  # the library now fails the task with the last error
        retry.attempt += 1
        task_id = self._allocate()
        self.retry_tasks[task_id] = position
        return [ScheduleActivity(task_id, retry.name, retry.input)]

    def on_actions(self, actions: list[Action]) -> tuple[list[Work], list[int]]:
        """New work for the top-level actions the extension reaches, and timers cancelled."""
        groups = [flatten([action]) for action in actions]
        if sum(map(len, groups)) < len(self.signatures):
            raise PlanError("Non-deterministic workflow detected: fewer actions than before")
        work: list[Work] = []
        cancel: list[int] = []
        position = 0
        for index, leaves in enumerate(groups):
            known = position < len(self.signatures) if self.reached is None \
                else index < self.reached
            if not known:
                if self.reached is not None:
                    if index and not self._done(actions[index - 1], position - len(
                            groups[index - 1])):
                        break  # the extension still awaits the previous action
                    self.reached = index + 1
                for offset, leaf in enumerate(leaves):
                    self.signatures.append(_signature(leaf))
                    self.ids.append(self._schedule(position + offset, leaf, work))
            else:
                cancel += self._check(position, leaves)
            position += len(leaves)
        return work, cancel

    def _check(self, start: int, leaves: list[Action]) -> list[int]:
        """Known leaves keep their signature; newly cancelled timers are returned."""
        cancel = []
        for position, leaf in enumerate(leaves, start):
            signature = _signature(leaf)
            if signature != self.signatures[position]:
                raise PlanError(f"Non-deterministic workflow detected: action {position} "
                                f"was {self.signatures[position]}, now {signature}")
            timer_id = self.ids[position]
            if leaf.get("isCanceled") and timer_id is not None and timer_id not in self.cancelled:
                self.cancelled.add(timer_id)
                self.done.add(position)
                cancel.append(timer_id)
        return cancel

    def _done(self, action: Action, position: int) -> bool:
        """Whether the extension's task for ``action`` (leaves from ``position``) completed."""
        kind = action.get("actionType")
        if kind in (WHEN_ANY, WHEN_ALL):
            results = []
            for child in action.get("compoundActions") or []:
                results.append(self._done(child, position))
                position += len(flatten([child]))
            # Task.WhenAny of nothing would throw; count it as done rather than stall
            return not results or (any(results) if kind == WHEN_ANY else all(results))
        if kind == WAIT_FOR_EXTERNAL_EVENT:
            rank = self.signatures[:position].count(_signature(action)) + 1
            return self.raised.get(str(action.get("externalEventName")), 0) >= rank
        return kind == CONTINUE_AS_NEW or position in self.done

    def settled(self, actions: list[Action]) -> bool:
        """The extension reached and awaited every action: the outcome may take effect."""
        if self.reached is None:
            return True
        if self.reached < len(actions):
            return False
        position = 0
        for action in actions:
            if not self._done(action, position):
                return False
            position += len(flatten([action]))
        return True

    def _schedule(self, position: int, action: Action, work: list[Work]) -> int | None:
        kind = action.get("actionType")
        if kind in (WAIT_FOR_EXTERNAL_EVENT, CONTINUE_AS_NEW):
            return None
        if kind in UNSUPPORTED:
            raise PlanError(f"{UNSUPPORTED[kind]} is not supported by the embedded host")
        if kind not in (CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY, CREATE_TIMER):
            raise PlanError(f"action type {kind} is not supported by the embedded host")
        task_id = self._allocate()
        if kind == CREATE_TIMER:
            if action.get("isCanceled"):
                self.cancelled.add(task_id)
                self.done.add(position)
            else:
                work.append(ScheduleTimer(task_id, parse_time(str(action["fireAt"]))))
            return task_id
        name, payload = str(action["functionName"]), action.get("input")
        if kind == CALL_ACTIVITY_WITH_RETRY:
            options = action.get("retryOptions") or {}
            self.retries[position] = Retry(
                name, payload, int(options.get("firstRetryIntervalInMilliseconds", 1000)),
                int(options.get("maxNumberOfAttempts", 1)))
            self.retry_tasks[task_id] = position
        work.append(ScheduleActivity(task_id, name, payload))
        return task_id

    def to_json(self) -> str:
        return json.dumps({
            "nextId": self.next_id, "signatures": self.signatures, "ids": self.ids,
            "retries": {str(p): vars(r) for p, r in self.retries.items()},
            "retryTasks": {str(k): v for k, v in self.retry_tasks.items()},
            "retryTimers": {str(k): v for k, v in self.retry_timers.items()},
            "cancelled": sorted(self.cancelled), "reached": self.reached,
            "done": sorted(self.done), "raised": self.raised,
        })

    @classmethod
    def from_json(cls, text: str | None) -> Plan:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            next_id=data["nextId"], signatures=data["signatures"], ids=data["ids"],
            retries={int(p): Retry(**r) for p, r in data["retries"].items()},
            retry_tasks={int(k): v for k, v in data["retryTasks"].items()},
            retry_timers={int(k): v for k, v in data["retryTimers"].items()},
            cancelled=set(data["cancelled"]), reached=data.get("reached"),
            done=set(data.get("done", [])), raised=dict(data.get("raised", {})),
        )
