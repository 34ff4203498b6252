"""History events in the exact JSON shape ``azure.durable_functions`` parses (DTFx field names).

The library only reads a few fields (``EventType``, ``EventId``, ``IsPlayed``, ``Timestamp``,
``TaskScheduledId``, ``TimerId``, ``Name``, ``Input``, ``Result``, ``Reason``, ``Details``);
the others are kept so ``showHistory`` and debugging look like the real task hub. Event type
numbers mirror ``HistoryEventType`` so this module does not depend on the library's internals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

Event = dict[str, Any]

EXECUTION_STARTED = 0
EXECUTION_COMPLETED = 1
EXECUTION_TERMINATED = 3
TASK_SCHEDULED = 4
TASK_COMPLETED = 5
TASK_FAILED = 6
TIMER_CREATED = 10
TIMER_FIRED = 11
ORCHESTRATOR_STARTED = 12
ORCHESTRATOR_COMPLETED = 13
EVENT_RAISED = 15

NAMES = {
    EXECUTION_STARTED: "ExecutionStarted", EXECUTION_COMPLETED: "ExecutionCompleted",
    EXECUTION_TERMINATED: "ExecutionTerminated", TASK_SCHEDULED: "TaskScheduled",
    TASK_COMPLETED: "TaskCompleted", TASK_FAILED: "TaskFailed", TIMER_CREATED: "TimerCreated",
    TIMER_FIRED: "TimerFired", ORCHESTRATOR_STARTED: "OrchestratorStarted",
    ORCHESTRATOR_COMPLETED: "OrchestratorCompleted", EVENT_RAISED: "EventRaised",
}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
"""The library's ``DATETIME_STRING_FORMAT``: UTC with microseconds and a literal Z."""


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    """Read a timestamp written by us or by the library (``fireAt``); naive means UTC."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def event(event_type: int, at: datetime, event_id: int = -1, **fields: Any) -> Event:
    return {"EventType": event_type, "EventId": event_id, "Timestamp": stamp(at), **fields}


def orchestrator_started(at: datetime) -> Event:
    return event(ORCHESTRATOR_STARTED, at)


def orchestrator_completed(at: datetime) -> Event:
    return event(ORCHESTRATOR_COMPLETED, at)


def execution_started(at: datetime, name: str, input_json: str | None, instance_id: str) -> Event:
    return event(EXECUTION_STARTED, at, Name=name, Version="", Input=input_json,
                 OrchestrationInstance={"InstanceId": instance_id}, ParentInstance=None)


def execution_completed(at: datetime, status: str, result: str | None) -> Event:
    return event(EXECUTION_COMPLETED, at, OrchestrationStatus=status, Result=result)


def execution_terminated(at: datetime, reason: str | None) -> Event:
    return event(EXECUTION_TERMINATED, at, Input=reason)


def task_scheduled(at: datetime, task_id: int, name: str, input_json: str | None) -> Event:
    return event(TASK_SCHEDULED, at, task_id, Name=name, Version="", Input=input_json)


def task_completed(at: datetime, task_id: int, result: str) -> Event:
    return event(TASK_COMPLETED, at, TaskScheduledId=task_id, Result=result)


def task_failed(at: datetime, task_id: int, reason: str, details: str) -> Event:
    return event(TASK_FAILED, at, TaskScheduledId=task_id, Reason=reason, Details=details)


def timer_created(at: datetime, timer_id: int, fire_at: datetime) -> Event:
    return event(TIMER_CREATED, at, timer_id, FireAt=stamp(fire_at))


def timer_fired(at: datetime, timer_id: int, fire_at: str) -> Event:
    return event(TIMER_FIRED, at, TimerId=timer_id, FireAt=fire_at)


def event_raised(at: datetime, name: str, input_json: str | None) -> Event:
    return event(EVENT_RAISED, at, Name=name, Input=input_json)


def history_view(events: list[Event], *, show_output: bool) -> list[dict[str, Any]]:
    """The ``historyEvents`` of the HTTP API: bookkeeping events hidden, names resolved."""
    scheduled = {e["EventId"]: e for e in events if e["EventType"] == TASK_SCHEDULED}
    hidden = {ORCHESTRATOR_STARTED, ORCHESTRATOR_COMPLETED, TASK_SCHEDULED, TIMER_CREATED}
    view: list[dict[str, Any]] = []
    for item in events:
        kind = item["EventType"]
        if kind in hidden:
            continue
        entry: dict[str, Any] = {"EventType": NAMES.get(kind, str(kind))}
        if kind == EXECUTION_STARTED:
            entry["FunctionName"] = item.get("Name")
        elif kind in (TASK_COMPLETED, TASK_FAILED):
            origin = scheduled.get(item.get("TaskScheduledId"), {})
            entry.update(FunctionName=origin.get("Name"), ScheduledTime=origin.get("Timestamp"))
        elif kind == EVENT_RAISED:
            entry["Name"] = item.get("Name")
        elif kind == TIMER_FIRED:
            entry["FireAt"] = item.get("FireAt")
        elif kind == EXECUTION_COMPLETED:
            entry["OrchestrationStatus"] = item.get("OrchestrationStatus")
        if show_output:
            for key in ("Result", "Reason", "Details", "Input"):
                if item.get(key) is not None and kind != EXECUTION_STARTED:
                    entry[key] = item[key]
        entry["Timestamp"] = item["Timestamp"]
        view.append(entry)
    return view
