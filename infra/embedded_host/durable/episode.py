"""One orchestrator episode: replay the history plus one new event, turn the result into a commit.

The orchestrator function registered by ``azure.durable_functions`` is ``handle(context)``: it
takes the context JSON the extension would send (history, input, instance id, replay schema)
and returns the ``OrchestratorState`` JSON, or raises with that state appended after
``$OutOfProcData$:`` when user code threw. Failures are logged by exception type only.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import azure.functions as func

from infra.embedded_host.app_loader import FunctionDescriptor
from infra.embedded_host.durable import history as h
from infra.embedded_host.durable.model import COMPLETED, FAILED, RUNNING, EpisodeCommit, Instance
from infra.embedded_host.durable.plan import (
    CONTINUE_AS_NEW,
    Plan,
    PlanError,
    ScheduleActivity,
    ScheduleTimer,
    Work,
    flatten,
)

logger = logging.getLogger("embedded_host.durable")
REPLAY_SCHEMA_V2 = 1
"""``ReplaySchema.V2``: one cumulative action list. V3 only adds long timers for other backends."""
_STATE_MARKER = "\n\n$OutOfProcData$:"


@dataclass(frozen=True)
class Outcome:
    done: bool
    actions: list[dict[str, Any]]
    output: Any = None
    custom_status: Any = None
    error: str | None = None
    error_type: str | None = None


def build_context(instance: Instance, played: list[h.Event], new: list[h.Event]) -> str:
    """The orchestration trigger payload; earlier episodes are marked ``IsPlayed``."""
    events = [{**e, "IsPlayed": True} for e in played] + [{**e, "IsPlayed": False} for e in new]
    return json.dumps({
        "history": events, "input": instance.input, "instanceId": instance.instance_id,
        "isReplaying": bool(played), "parentInstanceId": None,
        "upperSchemaVersion": REPLAY_SCHEMA_V2,
    })


def invoke(function: FunctionDescriptor | None, name: str, context: str) -> Outcome:
    if function is None:
        return Outcome(False, [], error=f"The function '{name}' doesn't exist, is disabled, or "
                       "is not an orchestrator function.", error_type="FunctionNotFound")
    try:
        state = json.loads(function.user_function(
            **{function.arg_name: func.OrchestrationContext(context)}))
    except Exception as exc:
        cause = exc.__cause__ or exc
        text = str(exc)
        state = {}
        if _STATE_MARKER in text:
            state = json.loads(text.split(_STATE_MARKER, 1)[1])
        error = state.get("error") or str(cause) or type(cause).__name__
        return Outcome(False, [], custom_status=state.get("customStatus"), error=error,
                       error_type=type(cause).__name__)
    return Outcome(bool(state.get("isDone")), flatten(state.get("actions") or []),
                   state.get("output"), state.get("customStatus"))


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def run_episode(instance: Instance, message_id: int, message: h.Event, played: list[h.Event],
                function: FunctionDescriptor | None, now: datetime) -> EpisodeCommit:
    plan = Plan.from_json(instance.plan)
    new = [h.orchestrator_started(now), message]
    early = plan.on_event(message, now)
    outcome = invoke(function, instance.name, build_context(instance, played, new))
    work: list[Work] = []
    cancelled: list[int] = []
    if outcome.error is None and not outcome.done:
        try:
            work, cancelled = plan.on_actions(outcome.actions)
        except PlanError as exc:
            outcome = Outcome(False, [], error=str(exc), error_type=type(exc).__name__)
    commit = EpisodeCommit(instance.instance_id, message_id, RUNNING, plan.to_json(),
                           custom_status=_dump(outcome.custom_status))
    fields = {"function": instance.name, "instance_id": instance.instance_id}
    if outcome.error is not None:
        logger.warning("orchestration failed", extra={**fields, "error_type": outcome.error_type})
        commit.output = json.dumps(f"Orchestrator function '{instance.name}' failed: "
                                   f"{outcome.error}")
        commit.status, commit.finished = FAILED, True
        new.append(h.execution_completed(now, FAILED, commit.output))
    elif outcome.done:
        restart = [a for a in outcome.actions if a.get("actionType") == CONTINUE_AS_NEW]
        if restart:
            logger.info("orchestration continued as new", extra=fields)
            commit.restart = h.execution_started(now, instance.name, restart[-1].get("input"),
                                                 instance.instance_id)
            commit.plan = Plan().to_json()
            return commit
        logger.info("orchestration completed", extra=fields)
        commit.output = _dump(outcome.output)
        commit.status, commit.finished = COMPLETED, True
        new.append(h.execution_completed(now, COMPLETED, commit.output))
    for item in [] if commit.finished else [*early, *work]:
        if isinstance(item, ScheduleActivity):
            commit.activities.append((item.task_id, item.name, item.input))
            new.append(h.task_scheduled(now, item.task_id, item.name, item.input))
        elif isinstance(item, ScheduleTimer):
            commit.timers.append((item.timer_id, item.fire_at))
            new.append(h.timer_created(now, item.timer_id, item.fire_at))
    commit.cancelled_timers = cancelled
    commit.events = [*new, h.orchestrator_completed(now)]
    return commit
