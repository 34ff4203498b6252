"""One orchestrator episode: replay the history plus one new event, turn the result into a commit.

The orchestrator function registered by ``azure.durable_functions`` is ``handle(context)``: it
takes the context JSON the extension would send (history, input, instance id, replay schema)
and returns the ``OrchestratorState`` JSON, or raises with that state appended after
``$OutOfProcData$:`` when user code threw. Failures are logged by exception type only.

The context is the one the extension (bundle v4, Azure Storage provider) sends out of process:
replay schema v3 with its timer limits, so ``create_timer`` beyond six days becomes the
library's ``LongTimerTask`` of three-day sub-timers here exactly as in Azure.
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
    top_level,
)

logger = logging.getLogger("embedded_host.durable")
REPLAY_SCHEMA_V2, REPLAY_SCHEMA_V3 = 1, 2
"""``ReplaySchema``: V2 is one cumulative action list; V3 adds long timers (sub-timers)."""
MAXIMUM_SHORT_TIMER = "6.00:00:00"
"""``AzureStorageDurabilityProvider.MaximumDelayTime`` as .NET writes a TimeSpan: longer timers
are split by the library."""
LONG_TIMER_INTERVAL = "3.00:00:00"
"""``AzureStorageDurabilityProvider.LongRunningTimerIntervalLength``: the sub-timer length."""
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
        # as OrchestrationTriggerAttributeBindingProvider writes it: V2 for old libraries,
        # V3 in the field newer libraries read, and the storage provider's timer limits
        "upperSchemaVersion": REPLAY_SCHEMA_V2, "upperSchemaVersionNew": REPLAY_SCHEMA_V3,
        "longRunningTimerIntervalDuration": LONG_TIMER_INTERVAL,
        "maximumShortTimerDuration": MAXIMUM_SHORT_TIMER,
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
        return Outcome(False, top_level(state.get("actions") or []),
                       custom_status=state.get("customStatus"), error=error,
                       error_type=type(cause).__name__)
    return Outcome(bool(state.get("isDone")), top_level(state.get("actions") or []),
                   state.get("output"), state.get("customStatus"))


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def _plan(plan: Plan, outcome: Outcome) -> tuple[Outcome, list[Work], list[int], bool]:
    """Work the extension schedules for this outcome, and whether the outcome takes effect.

    The extension replays every action before it looks at ``isDone`` or ``error``, so a
    result or failure waits while an earlier action is still pending (see :mod:`plan`)."""
    try:
        work, cancelled = plan.on_actions(outcome.actions)
    except PlanError as exc:
        return Outcome(False, [], error=str(exc), error_type=type(exc).__name__), [], [], True
    final = outcome.done or outcome.error is not None
    return outcome, work, cancelled, final and plan.settled(outcome.actions)


def run_episode(instance: Instance, message_id: int, message: h.Event, played: list[h.Event],
                function: FunctionDescriptor | None, now: datetime) -> EpisodeCommit:
    plan = Plan.from_json(instance.plan)
    new = [h.orchestrator_started(now), message]
    early = plan.on_event(message, now)
    outcome = invoke(function, instance.name, build_context(instance, played, new))
    outcome, work, cancelled, final = _plan(plan, outcome)
    commit = EpisodeCommit(instance.instance_id, message_id, RUNNING, plan.to_json(),
                           custom_status=_dump(outcome.custom_status))
    fields = {"function": instance.name, "instance_id": instance.instance_id}
    if not final and (outcome.done or outcome.error is not None):
        logger.warning("orchestrator returned while the extension still awaits an earlier "
                       "action (an uncancelled long timer?)", extra=fields)
    elif outcome.error is not None:
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
    _schedule(commit, new, [] if commit.finished else [*early, *work], now)
    commit.cancelled_timers = cancelled
    commit.events = [*new, h.orchestrator_completed(now)]
    return commit


def _schedule(commit: EpisodeCommit, new: list[h.Event], work: list[Work], now: datetime) -> None:
    for item in work:
        if isinstance(item, ScheduleActivity):
            commit.activities.append((item.task_id, item.name, item.input))
            new.append(h.task_scheduled(now, item.task_id, item.name, item.input))
        elif isinstance(item, ScheduleTimer):
            commit.timers.append((item.timer_id, item.fire_at))
            new.append(h.timer_created(now, item.timer_id, item.fire_at))
