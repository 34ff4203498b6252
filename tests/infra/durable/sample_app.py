"""A small Durable Functions app for the embedded host's tests: the library's own decorators.

Activities count their executions in ``CALLS`` (in-process tests) and, when the host gave the
app a data dir, in ``activity-calls.txt`` there (subprocess tests), so "exactly once" and
"retried" are observable.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Generator
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
bp = df.Blueprint()
CALLS: Counter[str] = Counter()
FLAKY_FAILURES = 1
"""How many times ``flaky`` fails for a key before it succeeds."""
GATE, ENTERED = threading.Event(), threading.Event()
"""``gated`` waits for GATE (set by default) after setting ENTERED: a controllable activity."""
GATE.set()


def _count(name: str) -> int:
    CALLS[name] += 1
    if data_dir := os.environ.get("PRIVACY_DATA_DIR"):
        with (Path(data_dir) / "activity-calls.txt").open("a", encoding="utf-8") as handle:
            handle.write(name + "\n")
    return CALLS[name]


@bp.orchestration_trigger(context_name="context")
def sequence(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    context.set_custom_status({"stage": "greeting"})
    greetings = []
    for city in context.get_input() or ["Tokyo", "Seattle", "London"]:
        greetings.append((yield context.call_activity("say_hello", city)))
    context.set_custom_status({"stage": "done", "uuid": context.new_uuid()})
    return greetings


@bp.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    count = int(context.get_input())
    values = yield context.task_all([context.call_activity("double", n) for n in range(count)])
    return sum(values)


@bp.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """The Decision event raced against a durable timer, as in the DSAR orchestration."""
    days = int(context.get_input() or 1)
    deadline = context.current_utc_datetime + timedelta(days=days)
    context.set_custom_status({"stage": "awaiting", "deadline": deadline.isoformat()})
    decided = context.wait_for_external_event("Decision")
    timer = context.create_timer(deadline)
    winner = yield context.task_any([decided, timer])
    if winner == decided:
        timer.cancel()
        outcome = yield context.call_activity("record", {"decision": decided.result})
        return outcome
    return {"decision": "timed out", "at": context.current_utc_datetime.isoformat()}


@bp.orchestration_trigger(context_name="context")
def catcher(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    try:
        yield context.call_activity("explode", "ids only")
    except Exception as exc:
        return {"caught": "boom-123" in str(exc)}
    return {"caught": False}


@bp.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=5_000,
        max_number_of_attempts=int(context.get_input() or 3),
    )
    first = yield context.call_activity_with_retry("flaky", options, "a")
    second = yield context.call_activity("say_hello", "after retry")
    return [first, second]


@bp.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    yield context.call_activity("say_hello", "before failing")
    raise ValueError("request r-42 cannot continue")


@bp.orchestration_trigger(context_name="context")
def countdown(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    left = int(context.get_input())
    yield context.call_activity("say_hello", f"countdown {left}")
    if left > 0:
        context.continue_as_new(left - 1)
        return None
    return "liftoff"


@bp.orchestration_trigger(context_name="context")
def nested(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Sub-orchestrations are not supported by the embedded host: this must fail loudly."""
    return (yield context.call_sub_orchestrator("sequence", ["Nested"]))


@bp.orchestration_trigger(context_name="context")
def gated(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    return (yield context.call_activity("wait_for_gate", context.get_input()))


@bp.activity_trigger(input_name="city")
def say_hello(city: str) -> str:
    _count("say_hello")
    return f"Hello {city}!"


@bp.activity_trigger(input_name="value")
def double(value: int) -> int:
    _count("double")
    return value * 2


@bp.activity_trigger(input_name="payload")
def record(payload: dict[str, Any]) -> dict[str, Any]:
    _count("record")
    return {"recorded": payload["decision"]}


@bp.activity_trigger(input_name="payload")
def explode(payload: str) -> None:
    _count("explode")
    raise RuntimeError(f"boom-123 for {payload}")


@bp.activity_trigger(input_name="value")
def wait_for_gate(value: str) -> str:
    _count("wait_for_gate")
    ENTERED.set()
    if not GATE.wait(10):
        raise TimeoutError("gate stayed closed")
    return f"passed {value}"


@bp.activity_trigger(input_name="key")
async def flaky(key: str) -> str:
    attempt = _count(f"flaky:{key}")
    if attempt <= FLAKY_FAILURES:
        raise ConnectionError(f"attempt {attempt} failed")
    return f"{key} on attempt {attempt}"


@bp.route(route="orchestrators/{name}", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_json() if req.get_body() else None
    instance_id = await client.start_new(req.route_params["name"], None, body)
    return client.create_check_status_response(req, instance_id)


@bp.route(route="instances/{id}/decision", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def decide(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    await client.raise_event(req.route_params["id"], "Decision", req.get_json())
    return func.HttpResponse(status_code=202)


@bp.route(route="instances/{id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
async def status(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    found = await client.get_status(req.route_params["id"], show_history=True)
    if not found:
        return func.HttpResponse(status_code=404)
    body = found.to_json()
    body["historyEvents"] = getattr(found, "historyEvents", None)
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@bp.route(route="instances/{id}/terminate", methods=["POST"])
@bp.durable_client_input(client_name="client")
async def terminate(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    await client.terminate(req.route_params["id"], "stopped by test")
    return func.HttpResponse(status_code=202)


@bp.route(route="instances/{id}", methods=["DELETE"])
@bp.durable_client_input(client_name="client")
async def purge(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    result = await client.purge_instance_history(req.route_params["id"])
    return func.HttpResponse(
        json.dumps({"deleted": result.instances_deleted}), mimetype="application/json"
    )


@bp.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *")
@bp.durable_client_input(client_name="client")
async def yearly_start(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    """A timer with a client binding, as the app's housekeeping timer has."""
    await client.start_new("sequence", "from-timer", ["Timer"])


app.register_functions(bp)
