"""A new engine on the same task hub file resumes every orchestration exactly where it was.

Closing a store without finishing work is what a kill -9 leaves behind: every state change is
one committed transaction, so whatever was not committed simply did not happen.
"""

from __future__ import annotations

import json
from datetime import timedelta

from tests.fakes import FakeClock
from tests.infra.durable import sample_app
from tests.infra.durable.conftest import EngineFactory


def test_activity_not_finished_before_the_crash_runs_again_once(
    open_engine: EngineFactory,
) -> None:
    first = open_engine()
    instance_id = first.start_new("sequence", None, json.dumps(["Tokyo", "Lyon"]))
    assert first.process_instance(instance_id)  # schedules say_hello(Tokyo); nothing runs it
    [pending] = first.store.activity_ids()
    first.store.close()

    second = open_engine()
    assert second.store.activity_ids() == [pending]
    second.run_until_idle()
    found = second.status(instance_id)
    assert found is not None and json.loads(found.output or "") == ["Hello Tokyo!", "Hello Lyon!"]
    assert sample_app.CALLS["say_hello"] == 2


def test_finished_activity_is_never_run_again(open_engine: EngineFactory) -> None:
    first = open_engine()
    instance_id = first.start_new("fan_out", None, "3")
    first.process_instance(instance_id)
    for work_id in first.store.activity_ids():
        first.process_activity(work_id)  # results committed, orchestrator not yet replayed
    first.store.close()

    second = open_engine()
    assert second.store.activity_ids() == []
    second.run_until_idle()
    found = second.status(instance_id)
    assert found is not None and found.output == "6"
    assert sample_app.CALLS["double"] == 3


def test_waiting_timer_survives_a_restart_and_fires_once(
    open_engine: EngineFactory, clock: FakeClock
) -> None:
    first = open_engine()
    instance_id = first.start_new("approval", None, "1")
    first.run_until_idle()
    first.store.close()

    second = open_engine()
    clock.advance(timedelta(days=1))
    second.run_until_idle()
    second.run_until_idle()
    history = second.store.history(instance_id)
    assert [e["EventType"] for e in history].count(11) == 1  # TimerFired
    found = second.status(instance_id)
    assert found is not None and json.loads(found.output or "")["decision"] == "timed out"


def test_raised_event_queued_before_the_crash_is_delivered(open_engine: EngineFactory) -> None:
    first = open_engine()
    instance_id = first.start_new("approval", None, "1")
    first.run_until_idle()
    first.raise_event(instance_id, "Decision", json.dumps("yes"))
    first.store.close()

    second = open_engine()
    second.run_until_idle()
    found = second.status(instance_id)
    assert found is not None and json.loads(found.output or "") == {"recorded": "yes"}
    assert sample_app.CALLS["record"] == 1
