"""Schema v3 long timers, as the extension (Azure Storage provider) drives the library in Azure.

A timer more than six days out becomes the library's ``LongTimerTask``: three-day sub-timers,
the first inside the ``task_any``, the later ones appended as top-level actions. The extension
awaits each top-level action in order, so what the library does with a cancelled long timer
shows here as it does in Azure (azure-functions-durable-python#573).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from infra.embedded_host.durable import history as h
from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.plan import CREATE_TIMER, Plan, ScheduleTimer
from tests.fakes import FakeClock
from tests.infra.durable import sample_app
from tests.infra.durable.conftest import START, EngineFactory

DAY = timedelta(days=1)


def start(engine: DurableEngine, days: int) -> str:
    instance_id = engine.start_new("approval", None, json.dumps(days))
    engine.run_until_idle()
    return instance_id


def status(engine: DurableEngine, instance_id: str) -> str:
    found = engine.status(instance_id)
    assert found is not None
    return found.status


def output(engine: DurableEngine, instance_id: str) -> Any:
    found = engine.status(instance_id)
    assert found is not None and found.output is not None
    return json.loads(found.output)


def timers_created(engine: DurableEngine, instance_id: str) -> list[datetime]:
    return [h.parse_time(e["FireAt"]) for e in engine.store.history(instance_id)
            if e["EventType"] == h.TIMER_CREATED]


def advance_to(engine: DurableEngine, clock: FakeClock, moment: datetime) -> None:
    clock.set(moment)
    engine.run_until_idle()


def test_the_context_offers_schema_v3_with_the_storage_providers_timer_limits(
    engine: DurableEngine,
) -> None:
    """Up to six days a timer is one timer; beyond, the first sub-timer is three days out."""
    short, six, long = start(engine, 2), start(engine, 6), start(engine, 7)
    assert timers_created(engine, short) == [START + 2 * DAY]
    assert timers_created(engine, six) == [START + 6 * DAY]
    assert timers_created(engine, long) == [START + 3 * DAY]


def test_a_long_timer_runs_as_three_day_sub_timers_and_fires_at_its_time(
    engine: DurableEngine, clock: FakeClock
) -> None:
    instance_id = start(engine, 14)
    while (due := engine.store.next_timer_due()) is not None and due < START + 14 * DAY:
        advance_to(engine, clock, due)
        assert status(engine, instance_id) == "Running"
    assert timers_created(engine, instance_id) == [
        START + 3 * DAY, START + 6 * DAY, START + 9 * DAY, START + 14 * DAY]
    advance_to(engine, clock, START + 14 * DAY - timedelta(seconds=1))
    assert status(engine, instance_id) == "Running"
    advance_to(engine, clock, START + 14 * DAY)
    assert output(engine, instance_id) == {
        "decision": "timed out", "at": (START + 14 * DAY).isoformat()}


def test_an_event_before_the_first_sub_timer_completes_the_orchestration_at_once(
    engine: DurableEngine, clock: FakeClock
) -> None:
    instance_id = start(engine, 14)
    advance_to(engine, clock, START + 2 * DAY)
    engine.raise_event(instance_id, "Decision", json.dumps("yes"))
    engine.run_until_idle()
    assert output(engine, instance_id) == {"recorded": "yes"}
    assert engine.store.next_timer_due() is None


def test_a_cancelled_long_timer_still_holds_the_orchestration_as_the_extension_does(
    engine: DurableEngine, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The library's ``LongTimerTask.cancel()`` flags no sub-timer, and the extension awaits the
    top-level sub-timer before the next action: the decision on day 4 is recorded on day 6
    and the orchestration completes on day 9, as it would in Azure."""
    instance_id = start(engine, 14)
    advance_to(engine, clock, START + 3 * DAY)  # first sub-timer fired; the next one is top-level
    advance_to(engine, clock, START + 4 * DAY)
    engine.raise_event(instance_id, "Decision", json.dumps("yes"))
    engine.run_until_idle()
    assert (status(engine, instance_id), sample_app.CALLS["record"]) == ("Running", 0)
    advance_to(engine, clock, START + 6 * DAY)
    assert (status(engine, instance_id), sample_app.CALLS["record"]) == ("Running", 1)
    assert "still awaits an earlier action" in caplog.text
    advance_to(engine, clock, START + 9 * DAY - timedelta(seconds=1))
    assert status(engine, instance_id) == "Running"
    advance_to(engine, clock, START + 9 * DAY)
    assert output(engine, instance_id) == {"recorded": "yes"}
    assert sample_app.CALLS["record"] == 1


def test_the_sub_timer_chain_and_a_held_action_survive_a_restart(
    open_engine: EngineFactory, clock: FakeClock
) -> None:
    first = open_engine()
    instance_id = start(first, 14)
    advance_to(first, clock, START + 3 * DAY)
    first.raise_event(instance_id, "Decision", json.dumps("later"))
    first.run_until_idle()
    first.store.close()

    second = open_engine()
    advance_to(second, clock, START + 6 * DAY)
    assert sample_app.CALLS["record"] == 1
    advance_to(second, clock, START + 9 * DAY)
    assert output(second, instance_id) == {"recorded": "later"}


def test_a_plan_stored_before_the_walk_was_modelled_keeps_scheduling_at_once() -> None:
    """Task hubs written by the previous engine have no 'reached': their instances finish under
    the old rule (every new action scheduled at once) instead of stalling on unknown state."""
    stored = Plan()
    timer = {"actionType": CREATE_TIMER, "fireAt": (START + DAY).isoformat(), "isCanceled": False}
    stored.on_actions([timer])
    legacy = json.loads(stored.to_json())
    for key in ("reached", "done", "raised"):
        del legacy[key]
    plan = Plan.from_json(json.dumps(legacy))
    later = {**timer, "fireAt": (START + 2 * DAY).isoformat()}
    work, _ = plan.on_actions([timer, later])
    assert work == [ScheduleTimer(1, START + 2 * DAY)]
    assert Plan.from_json(stored.to_json()).on_actions([timer, later]) == ([], [])
