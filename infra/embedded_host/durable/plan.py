"""Turns the orchestrator's cumulative action list into work, with the library's task ids.

The library numbers tasks itself (``_sequence_number``) and matches completions by that number
(``TaskScheduledId``/``TimerId``), so the engine must hand out the same numbers: one per
activity or timer action in the order they appear (compound ``task_all``/``task_any`` actions
flattened depth first), none for ``wait_for_external_event``, and for ``*_with_retry`` one for
the retry timer allocated when an attempt fails and one for each new attempt allocated when
that timer fires. Those retry ids are allocated *while the library processes the new event*,
before the resumed user code yields anything, which is why the engine feeds exactly one new
event per episode and calls :meth:`Plan.on_event` before :meth:`Plan.on_actions`.

Schema v2 actions are cumulative since the start, so they are deduplicated by position; each
known position keeps a signature to detect non-deterministic orchestrators.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from infra.embedded_host.durable.history import TASK_FAILED, TIMER_FIRED, Event, parse_time

CALL_ACTIVITY, CALL_ACTIVITY_WITH_RETRY, CONTINUE_AS_NEW, CREATE_TIMER = 0, 1, 4, 5
WAIT_FOR_EXTERNAL_EVENT, WHEN_ANY, WHEN_ALL = 6, 11, 12
UNSUPPORTED = {2: "call_sub_orchestrator", 3: "call_sub_orchestrator_with_retry",
               7: "call_entity", 8: "call_http", 9: "signal_entity"}


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


def flatten(actions: list[Any]) -> list[dict[str, Any]]:
    """Atomic actions in scheduling order (``[[...]]`` groups and compound actions opened)."""
    flat: list[dict[str, Any]] = []
    for action in actions:
        if isinstance(action, list):
            flat.extend(flatten(action))
        elif action.get("actionType") in (WHEN_ANY, WHEN_ALL):
            flat.extend(flatten(action.get("compoundActions") or []))
        else:
            flat.append(action)
    return flat


def _signature(action: dict[str, Any]) -> str:
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

    def _allocate(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def on_event(self, new_event: Event, now: datetime) -> list[Work]:
        """Retry bookkeeping the library does while it processes ``new_event``."""
        kind = new_event["EventType"]
        if kind == TASK_FAILED and new_event.get("TaskScheduledId") in self.retry_tasks:
            position = self.retry_tasks.pop(new_event["TaskScheduledId"])
            timer_id = self._allocate()
            self.retry_timers[timer_id] = position
            delay = timedelta(milliseconds=self.retries[position].interval_ms)
            return [ScheduleTimer(timer_id, now + delay)]
        if kind == TIMER_FIRED and new_event.get("TimerId") in self.retry_timers:
            position = self.retry_timers.pop(new_event["TimerId"])
            retry = self.retries[position]
            if retry.attempt >= retry.max_attempts:
                return []  # the library now fails the task with the last error
            retry.attempt += 1
            task_id = self._allocate()
            self.retry_tasks[task_id] = position
            return [ScheduleActivity(task_id, retry.name, retry.input)]
        return []

    def on_actions(self, actions: list[dict[str, Any]]) -> tuple[list[Work], list[int]]:
        """New work for actions past the known positions, and timers cancelled since."""
        work: list[Work] = []
        cancel: list[int] = []
        if len(actions) < len(self.signatures):
            raise PlanError("Non-deterministic workflow detected: fewer actions than before")
        for position, action in enumerate(actions):
            signature = _signature(action)
            if position < len(self.signatures):
                if signature != self.signatures[position]:
                    raise PlanError(f"Non-deterministic workflow detected: action {position} "
                                    f"was {self.signatures[position]}, now {signature}")
                timer_id = self.ids[position]
                if action.get("isCanceled") and timer_id is not None \
                        and timer_id not in self.cancelled:
                    self.cancelled.add(timer_id)
                    cancel.append(timer_id)
                continue
            self.signatures.append(signature)
            self.ids.append(self._schedule(position, action, work))
        return work, cancel

    def _schedule(self, position: int, action: dict[str, Any], work: list[Work]) -> int | None:
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
            "cancelled": sorted(self.cancelled),
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
            cancelled=set(data["cancelled"]),
        )
