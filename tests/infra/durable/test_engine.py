"""The engine driven in-process under a FakeClock: the library's own orchestrators, replayed."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest

from infra.embedded_host.durable import history as h
from infra.embedded_host.durable.engine import DurableEngine, UnknownOrchestrator
from infra.embedded_host.durable.model import Instance, Outcome
from tests.fakes import FakeClock
from tests.infra.durable import sample_app
from tests.infra.durable.conftest import START


def run(engine: DurableEngine, name: str, payload: Any = None) -> str:
    instance_id = engine.start_new(name, None, None if payload is None else json.dumps(payload))
    engine.run_until_idle()
    return instance_id


def state(engine: DurableEngine, instance_id: str) -> Instance:
    found = engine.status(instance_id)
    assert found is not None
    return found


def output(engine: DurableEngine, instance_id: str) -> Any:
    text = state(engine, instance_id).output
    return None if text is None else json.loads(text)


def test_sequence_runs_activities_in_order_with_library_shaped_history(
    engine: DurableEngine,
) -> None:
    instance_id = run(engine, "sequence", ["Tokyo", "Lyon"])
    found = state(engine, instance_id)
    assert (found.status, json.loads(found.output or "")) == (
        "Completed",
        ["Hello Tokyo!", "Hello Lyon!"],
    )
    assert json.loads(found.custom_status or "")["stage"] == "done"
    events = engine.store.history(instance_id)
    kinds = [e["EventType"] for e in events]
    assert kinds[:2] == [h.ORCHESTRATOR_STARTED, h.EXECUTION_STARTED]
    assert kinds.count(h.ORCHESTRATOR_STARTED) == kinds.count(h.ORCHESTRATOR_COMPLETED) == 3
    scheduled = [e for e in events if e["EventType"] == h.TASK_SCHEDULED]
    completed = [e for e in events if e["EventType"] == h.TASK_COMPLETED]
    assert [e["EventId"] for e in scheduled] == [0, 1]
    assert [(e["TaskScheduledId"], json.loads(e["Result"])) for e in completed] == [
        (0, "Hello Tokyo!"),
        (1, "Hello Lyon!"),
    ]
    assert events[-2]["EventType"] == h.EXECUTION_COMPLETED
    assert events[0]["Timestamp"] == START.strftime(h.TIME_FORMAT)
    assert sample_app.CALLS["say_hello"] == 2


def test_fan_out_fan_in(engine: DurableEngine) -> None:
    instance_id = run(engine, "fan_out", 6)
    assert output(engine, instance_id) == 30
    assert sample_app.CALLS["double"] == 6


def test_external_event_beats_the_timer_which_is_cancelled(
    engine: DurableEngine, clock: FakeClock
) -> None:
    instance_id = run(engine, "approval", 2)
    assert state(engine, instance_id).status == "Running"
    assert engine.store.next_timer_due() == START + timedelta(days=2)
    assert (
        engine.raise_event(instance_id, "Decision", json.dumps({"approve": True}))
        is Outcome.ACCEPTED
    )
    engine.run_until_idle()
    assert output(engine, instance_id) == {"recorded": {"approve": True}}
    assert engine.store.next_timer_due() is None
    clock.advance(timedelta(days=3))
    engine.run_until_idle()
    assert sample_app.CALLS["record"] == 1
    assert h.TIMER_FIRED not in [e["EventType"] for e in engine.store.history(instance_id)]


def test_timer_wins_once_the_clock_passes_fire_at(engine: DurableEngine, clock: FakeClock) -> None:
    instance_id = run(engine, "approval", 2)
    clock.advance(timedelta(days=2) - timedelta(seconds=1))
    engine.run_until_idle()
    assert state(engine, instance_id).status == "Running"
    clock.advance(timedelta(seconds=1))
    engine.run_until_idle()
    assert output(engine, instance_id) == {
        "decision": "timed out",
        "at": (START + timedelta(days=2)).isoformat(),
    }
    assert engine.raise_event(instance_id, "Decision", "{}") is Outcome.GONE
    assert sample_app.CALLS["record"] == 0


def test_activity_failure_is_catchable_and_logged_by_type_only(
    engine: DurableEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, "embedded_host.durable"):
        instance_id = run(engine, "catcher")
    assert output(engine, instance_id) == {"caught": True}
    [failure] = [r for r in caplog.records if r.getMessage() == "activity failed"]
    assert getattr(failure, "error_type", None) == "RuntimeError"
    assert "boom" not in caplog.text
    [failed] = [e for e in engine.store.history(instance_id) if e["EventType"] == h.TASK_FAILED]
    assert "RuntimeError: boom-123 for ids only" in failed["Reason"]


def test_retry_succeeds_on_the_second_attempt_after_a_durable_delay(
    engine: DurableEngine, clock: FakeClock
) -> None:
    instance_id = run(engine, "retrying", 3)
    assert (sample_app.CALLS["flaky:a"], state(engine, instance_id).status) == (1, "Running")
    assert engine.store.next_timer_due() == START + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    engine.run_until_idle()
    assert output(engine, instance_id) == ["a on attempt 2", "Hello after retry!"]
    assert sample_app.CALLS["flaky:a"] == 2


def test_retries_exhausted_fail_the_orchestration(
    engine: DurableEngine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sample_app, "FLAKY_FAILURES", 10)
    instance_id = run(engine, "retrying", 2)
    for _ in range(2):
        clock.advance(timedelta(seconds=5))
        engine.run_until_idle()
    found = state(engine, instance_id)
    assert found.status == "Failed"
    assert "attempt 2 failed" in json.loads(found.output or "")
    assert sample_app.CALLS["flaky:a"] == 2


def test_orchestrator_exception_fails_with_the_message_in_the_output_not_the_log(
    engine: DurableEngine, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, "embedded_host.durable"):
        instance_id = run(engine, "failing")
    assert output(engine, instance_id) == (
        "Orchestrator function 'failing' failed: request r-42 cannot continue"
    )
    [record] = [r for r in caplog.records if r.getMessage() == "orchestration failed"]
    assert getattr(record, "error_type", None) == "ValueError"
    assert "r-42" not in caplog.text


def test_unsupported_actions_fail_the_orchestration_loudly(engine: DurableEngine) -> None:
    instance_id = run(engine, "nested")
    assert "call_sub_orchestrator is not supported" in output(engine, instance_id)


def test_continue_as_new_restarts_with_fresh_history(engine: DurableEngine) -> None:
    instance_id = run(engine, "countdown", 2)
    assert output(engine, instance_id) == "liftoff"
    assert sample_app.CALLS["say_hello"] == 3
    assert state(engine, instance_id).input == "0"
    started = [
        e for e in engine.store.history(instance_id) if e["EventType"] == h.EXECUTION_STARTED
    ]
    assert [e["Input"] for e in started] == ["0"]


def test_terminate_purge_and_unknown_instances(engine: DurableEngine) -> None:
    instance_id = run(engine, "approval", 1)
    assert engine.purge(instance_id) == 0  # running instances are not purged
    assert engine.terminate(instance_id, "no longer needed") is Outcome.ACCEPTED
    found = state(engine, instance_id)
    assert (found.status, found.output) == ("Terminated", '"no longer needed"')
    assert engine.store.next_timer_due() is None
    assert engine.terminate(instance_id, "again") is Outcome.GONE
    assert engine.purge(instance_id) == 1
    assert engine.status(instance_id) is None and engine.store.history(instance_id) == []
    assert engine.raise_event(instance_id, "Decision", None) is Outcome.NOT_FOUND
    assert engine.terminate("nope", None) is Outcome.NOT_FOUND
    with pytest.raises(UnknownOrchestrator):
        engine.start_new("no_such_orchestrator")


def test_starting_an_existing_id_replaces_the_instance(engine: DurableEngine) -> None:
    engine.start_new("approval", "fixed-id", "1")
    engine.run_until_idle()
    engine.start_new("sequence", "fixed-id", json.dumps(["Oslo"]))
    engine.run_until_idle()
    assert output(engine, "fixed-id") == ["Hello Oslo!"]
    assert engine.store.next_timer_due() is None
