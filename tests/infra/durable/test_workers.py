"""The engine on its worker threads, as in the host: concurrency, timers woken, graceful stop."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.workers import DurableWorkers
from tests.fakes import FakeClock
from tests.infra.durable import sample_app
from tests.infra.durable.conftest import EngineFactory


@pytest.fixture
def workers(engine: DurableEngine) -> Iterator[DurableWorkers]:
    running = DurableWorkers(engine, orchestrator_threads=2, activity_threads=3)
    running.start()
    yield running
    running.stop(timeout=10)


@pytest.fixture(autouse=True)
def _open_gate() -> Iterator[None]:
    yield
    sample_app.GATE.set()
    sample_app.ENTERED.clear()


def test_fan_out_on_threads(engine: DurableEngine, workers: DurableWorkers) -> None:
    ids = [engine.start_new("fan_out", None, str(n)) for n in (4, 8)]
    outputs = [engine.wait_for(i, {"Completed"}).output for i in ids]
    assert outputs == ["12", "56"]
    assert sample_app.CALLS["double"] == 12


def test_timer_thread_is_woken_when_the_clock_moves(
    engine: DurableEngine, workers: DurableWorkers, clock: FakeClock
) -> None:
    instance_id = engine.start_new("approval", None, "1")
    engine.wait_for(instance_id, {"Running"})
    assert engine.store.next_timer_due() is not None
    clock.advance(timedelta(days=1))
    workers.wake()
    done = engine.wait_for(instance_id, {"Completed"})
    assert json.loads(done.output or "")["decision"] == "timed out"


def test_stop_lets_the_running_activity_commit_and_takes_no_new_work(
    open_engine: EngineFactory, engine: DurableEngine
) -> None:
    workers = DurableWorkers(engine)
    workers.start()
    sample_app.GATE.clear()
    instance_id = engine.start_new("gated", None, '"v1"')
    assert sample_app.ENTERED.wait(10)
    stopper = threading.Thread(target=workers.stop)
    stopper.start()
    stopper.join(0.2)
    assert stopper.is_alive()  # waiting for the activity in flight
    sample_app.GATE.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert engine.store.activity_ids() == []
    assert engine.store.instances_with_messages() == [instance_id]  # result kept, not replayed
    engine.store.close()

    resumed = open_engine()
    again = DurableWorkers(resumed)
    again.start()
    try:
        assert resumed.wait_for(instance_id, {"Completed"}).output == '"passed v1"'
    finally:
        again.stop()
    assert sample_app.CALLS["wait_for_gate"] == 1
