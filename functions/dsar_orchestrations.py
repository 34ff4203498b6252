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
    ref = context.get_input()
    plan = yield context.call_activity_with_retry("dsar_register", RETRY, ref)
    if plan["needsApproval"]:
        context.set_custom_status({"stage": "awaiting_approval"})
        decision = yield from _await_decision(context, ref)
        if not decision.get("approve"):
            yield context.call_activity_with_retry("dsar_reject", RETRY, ref)
            return {"requestId": ref["requestId"], "outcome": "rejected"}
    yield context.call_activity_with_retry("dsar_start", RETRY, ref)
    context.set_custom_status({"stage": "running", "categories": plan["categories"]})
    results = yield context.task_all(
        [
            context.call_activity_with_retry("dsar_category", RETRY, {**ref, "category": c})
            for c in plan["categories"]
        ]
    )
    yield context.call_activity_with_retry("dsar_finish", RETRY, {**ref, "results": results})
    context.set_custom_status({"stage": "completed"})
    return {"requestId": ref["requestId"], "outcome": "completed"}


def _await_decision(
    context: df.DurableOrchestrationContext, ref: dict[str, Any]
) -> Generator[Any, Any, dict[str, Any]]:
    """The Decision event raced against timers at escalation time and at the deadline."""
    decided = context.wait_for_external_event("Decision")
    while True:
        check = yield context.call_activity_with_retry("dsar_check_deadline", RETRY, ref)
        if check["decided"]:
            break
        if check["next"] is None:
            yield decided
            break
        wake = context.current_utc_datetime + LONGEST_TIMER
        timer = context.create_timer(min(datetime.fromisoformat(check["next"]), wake))
        winner = yield context.task_any([decided, timer])
        if winner == decided:
            timer.cancel()
            break
    result = yield context.call_activity_with_retry("dsar_decision", RETRY, ref)
    return dict(result)


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
def dsar_start(payload: dict[str, Any]) -> None:
    services().dsar_steps.start(*_ref(payload))


@bp.activity_trigger(input_name="payload")
def dsar_category(payload: dict[str, Any]) -> dict[str, Any]:
    return services().dsar_steps.run_category(*_ref(payload), str(payload["category"]))


@bp.activity_trigger(input_name="payload")
def dsar_finish(payload: dict[str, Any]) -> None:
    services().dsar_steps.finish(*_ref(payload), list(payload["results"]))
