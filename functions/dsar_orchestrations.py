"""The DSAR orchestration and its activities (Durable Functions, v2 model).

Deterministic: time from ``context.current_utc_datetime``, only activities do I/O. Inputs,
outputs, custom status and events carry request ids, categories and counts, never personal
data. Each activity is one call into ``shared.dsar.orchestration_steps``.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df

from functions._http import services
from shared.dsar.signals import CANCEL_EVENT, DECISION_EVENT, WAKE_EVENT

bp = df.Blueprint()
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=5)
LONGEST_TIMER = timedelta(days=6)
"""The Azure Storage provider's longest single timer. A longer one becomes the library's
LongTimerTask, whose cancel() never reaches the extension (azure-functions-durable-python#573):
a decision would wait for its pending sub-timer. Shorter timers wake the loop to re-check."""


def _ref(payload: dict[str, Any]) -> tuple[str, str]:
    return str(payload["tenantId"]), str(payload["requestId"])


@bp.orchestration_trigger(context_name="context")
def dsar_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Carry the request out; an activity that still fails after its retries ends it as
    ``failed`` with the stage as reason code (escalated; a Privacy.Admin may retry it)."""
    ref = context.get_input()
    stage = {"at": "register"}
    try:
        outcome = yield from _carry_out(context, ref, stage)
    except Exception:  # whatever failed, the request must not stay open silently
        failure = {**ref, "reason": f"{stage['at']}_failed"}
        yield context.call_activity_with_retry("dsar_fail", RETRY, failure)
        outcome = "failed"
    context.set_custom_status({"stage": outcome})
    return {"requestId": ref["requestId"], "outcome": outcome}


def _carry_out(
    context: df.DurableOrchestrationContext, ref: dict[str, Any], stage: dict[str, str]
) -> Generator[Any, Any, str]:
    plan = yield context.call_activity_with_retry("dsar_register", RETRY, ref)
    if plan["needsApproval"]:
        stage["at"] = "decision"
        context.set_custom_status({"stage": "awaiting_approval"})
        decision = yield from _await_decision(context, ref)
        if not decision.get("approve"):
            yield context.call_activity_with_retry("dsar_reject", RETRY, ref)
            return "rejected"
    if plan.get("mayWait"):
        stage["at"] = "waiting"
        hold = yield context.call_activity_with_retry("dsar_hold", RETRY, ref)
        if hold["runsAt"] is not None:
            context.set_custom_status({"stage": "approved", "runsAt": hold["runsAt"]})
            if (yield from _wait_period(context, ref)):
                return "cancelled"
    stage["at"] = "start"
    started = yield context.call_activity_with_retry("dsar_start", RETRY, ref)
    if not started["run"]:
        return "cancelled"
    stage["at"] = "category"
    context.set_custom_status({"stage": "running", "categories": plan["categories"]})
    results = yield context.task_all(
        [
            context.call_activity_with_retry("dsar_category", RETRY, {**ref, "category": c})
            for c in plan["categories"]
        ]
    )
    stage["at"] = "finish"
    yield context.call_activity_with_retry("dsar_finish", RETRY, {**ref, "results": results})
    return "completed"


def _timer(context: df.DurableOrchestrationContext, at: str) -> Any:
    """A durable timer at ``at``, or sooner: never longer than ``LONGEST_TIMER``."""
    wake = context.current_utc_datetime + LONGEST_TIMER
    return context.create_timer(min(datetime.fromisoformat(at), wake))


def _await_decision(
    context: df.DurableOrchestrationContext, ref: dict[str, Any]
) -> Generator[Any, Any, dict[str, Any]]:
    """The Decision event raced against timers at escalation time and at the deadline; a
    Wake event (the request resumed after waiting for its requester, so its deadline moved)
    re-reads the clock at once."""
    decided = context.wait_for_external_event(DECISION_EVENT)
    woken = context.wait_for_external_event(WAKE_EVENT)
    while True:
        check = yield context.call_activity_with_retry("dsar_check_deadline", RETRY, ref)
        if check["decided"]:
            break
        timer = _timer(context, check["next"]) if check["next"] else None
        winner = yield context.task_any([decided, woken, *([timer] if timer else [])])
        if timer is not None and winner != timer:
            timer.cancel()
        if winner == decided:
            break
        if winner == woken:
            woken = context.wait_for_external_event(WAKE_EVENT)
    result = yield context.call_activity_with_retry("dsar_decision", RETRY, ref)
    return dict(result)


def _wait_period(
    context: df.DurableOrchestrationContext, ref: dict[str, Any]
) -> Generator[Any, Any, bool]:
    """An approved erasure's waiting period: a timer raced against the Cancel event; True
    when it was cancelled."""
    cancelled = context.wait_for_external_event(CANCEL_EVENT)
    while True:
        check = yield context.call_activity_with_retry("dsar_check_waiting", RETRY, ref)
        if check["cancelled"] or check["runsAt"] is None:
            return bool(check["cancelled"])
        timer = _timer(context, check["runsAt"])
        winner = yield context.task_any([cancelled, timer])
        if winner == cancelled:
            timer.cancel()


@bp.activity_trigger(input_name="payload")
def dsar_register(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.register(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_check_deadline(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.check_deadline(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_decision(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.decision(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_reject(payload: dict[str, Any]) -> None:
    services().dsar_steps.reject(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_start(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.start(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_category(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.run_category(*_ref(payload), str(payload["category"]))


@bp.activity_trigger(input_name="payload")
def dsar_finish(payload: dict[str, Any]) -> None:
    services().dsar_steps.finish(*_ref(payload), list(payload["results"]))


@bp.activity_trigger(input_name="payload")
def dsar_hold(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.hold(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_check_waiting(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.check_waiting(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_fail(payload: dict[str, Any]) -> None:
    services().dsar_steps.fail(*_ref(payload), str(payload["reason"]))
