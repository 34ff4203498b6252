"""Queue and timer runners: settle by outcome, dead-letter poison, fire on the clock."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import azure.functions as func
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from infra.embedded_host.app_loader import describe
from infra.embedded_host.host_keys import HostKeys
from infra.embedded_host.http_server import create_http_app
from infra.embedded_host.queue_runner import QueueRunner
from infra.embedded_host.timer_runner import TimerRunner, next_occurrence
from shared.adapters.sqlite_bus import SqliteBus
from shared.ports.message_bus import OutgoingMessage
from tests.fakes import FakeClock

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx is what the venv has
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

START = datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def bus(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteBus]:
    bus = SqliteBus(tmp_path / "bus.sqlite", clock, max_delivery_count=2)
    yield bus
    bus.close()


def queue_app(handle: Callable[[func.ServiceBusMessage], None]) -> func.FunctionApp:
    app = func.FunctionApp()

    @app.service_bus_queue_trigger(arg_name="message", queue_name="q", connection="SB")
    def consume(message: func.ServiceBusMessage) -> None:
        handle(message)

    return app


def test_success_completes_and_failure_abandons_until_dead_lettered(bus: SqliteBus) -> None:
    seen: list[tuple[str, int, str | None]] = []

    def handle(message: func.ServiceBusMessage) -> None:
        seen.append(
            (
                message.get_body().decode(),
                message.delivery_count or 0,
                message.application_properties.get("k"),
            )
        )
        if message.get_body() == b"poison":
            raise ValueError("no")

    [consume] = describe(queue_app(handle))
    runner = QueueRunner([consume], bus)
    bus.send(
        "q",
        [
            OutgoingMessage(b"ok", "m1", application_properties={"k": "v"}),
            OutgoingMessage(b"poison", "m2"),
        ],
    )
    for _ in range(4):
        for message in bus.receive("q"):
            runner.process(consume, message)
    assert seen == [("ok", 1, "v"), ("poison", 1, None), ("poison", 2, None)]
    assert bus.active_count("q") == 0
    [dead] = bus.dead_letters("q")
    assert (dead.message_id, dead.reason) == ("m2", "MaxDeliveryCountExceeded")


def test_worker_threads_drain_the_queue_and_stop(bus: SqliteBus) -> None:
    done = threading.Event()
    bodies: list[bytes] = []

    def handle(message: func.ServiceBusMessage) -> None:
        bodies.append(message.get_body())
        if len(bodies) == 20:
            done.set()

    runner = QueueRunner(describe(queue_app(handle)), bus, concurrency=3, idle_wait=0.05)
    runner.start()
    try:
        bus.send("q", [OutgoingMessage(str(i).encode(), str(i)) for i in range(20)])
        assert done.wait(10)
    finally:
        runner.stop(timeout=5)
    assert sorted(bodies) == sorted(str(i).encode() for i in range(20))
    assert bus.active_count("q") == 0


def test_next_occurrence_uses_six_field_ncrontab() -> None:
    assert next_occurrence("0 */5 * * * *", START) == START.replace(minute=5, second=0)
    assert next_occurrence("*/10 * * * * *", START) == START + timedelta(seconds=10)


def test_timer_fires_on_the_injected_clock(clock: FakeClock) -> None:
    fired: list[bool] = []
    ran = threading.Semaphore(0)
    app = func.FunctionApp()

    @app.timer_trigger(arg_name="timer", schedule="0 0 * * * *", run_on_startup=True)
    def hourly(timer: func.TimerRequest) -> None:
        fired.append(timer.past_due)
        ran.release()

    runner = TimerRunner(describe(app), clock)
    runner.start()
    try:
        assert ran.acquire(timeout=5)  # runOnStartup
        clock.set(START.replace(hour=1, minute=0, second=0))
        runner.wake()
        assert ran.acquire(timeout=5)
        clock.advance(timedelta(hours=5))  # several missed occurrences collapse into one
        runner.wake()
        assert ran.acquire(timeout=5)
    finally:
        runner.stop(timeout=5)
    assert fired == [False, False, True]


def test_a_settling_wake_returns_after_the_runs_it_made_due(clock: FakeClock) -> None:
    """A clock move answers once the timers it woke have finished: the tour's next step must
    not race a backstop sweep still deleting in the background."""
    started, gate, fired = threading.Event(), threading.Event(), []
    app = func.FunctionApp()

    @app.timer_trigger(arg_name="timer", schedule="0 0 * * * *")
    def hourly(timer: func.TimerRequest) -> None:
        started.set()
        gate.wait(10)
        fired.append(timer.past_due)

    @app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *")
    def yearly(timer: func.TimerRequest) -> None:
        fired.append("yearly")

    runner = TimerRunner(describe(app), clock)
    runner.start()
    answers: list[bool] = []
    try:
        assert runner.wake(settle=5)  # nothing due: settles at once, nothing ran
        assert fired == []
        clock.set(START.replace(hour=1, minute=0, second=0))
        waker = threading.Thread(target=lambda: answers.append(runner.wake(settle=10)))
        waker.start()
        assert started.wait(5)
        waker.join(0.2)
        assert waker.is_alive() and answers == []  # still waiting for the run in progress
        gate.set()
        waker.join(5)
        assert answers == [True] and fired == [False]
        started.clear()
        gate.clear()
        clock.set(START.replace(hour=2, minute=0, second=0))
        assert runner.wake(settle=0.1) is False  # a run that outlasts the wait: told, not hung
        gate.set()
    finally:
        runner.stop(timeout=5)


def test_invalid_schedule_fails_at_start() -> None:
    app = func.FunctionApp()

    @app.timer_trigger(arg_name="timer", schedule="every hour")
    def broken(timer: func.TimerRequest) -> None: ...

    with pytest.raises(ValueError, match="broken"):
        TimerRunner(describe(app))


def test_an_admin_run_of_a_timer_waits_for_its_scheduled_run(clock: FakeClock) -> None:
    """Azure runs a timer function as a singleton, and so does the host, admin runs included:
    a re-stamp or a purge asked for right after the test clock woke its timer never runs twice
    over the same items at once."""
    entered, release = threading.Semaphore(0), threading.Event()
    running, most = [0], [0]
    count = threading.Lock()
    app = func.FunctionApp()

    @app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", run_on_startup=True)
    def nightly(timer: func.TimerRequest) -> None:
        with count:
            running[0] += 1
            most[0] = max(most[0], running[0])
        entered.release()
        release.wait(5)
        with count:
            running[0] -= 1

    functions = describe(app)
    runner = TimerRunner(functions, clock)
    admin = TestClient(
        create_http_app(functions, HostKeys(master="master-key", default="function-key")),
        base_url="http://127.0.0.1:7071",
        client=("127.0.0.1", 5000),
    )
    answers: list[int] = []

    def run_now() -> None:
        answer = admin.post("/admin/functions/nightly", json={},
                            headers={"x-functions-key": "master-key"})
        answers.append(answer.status_code)

    runner.start()
    caller = threading.Thread(target=run_now)
    try:
        assert entered.acquire(timeout=5)  # the scheduled run (on startup) is in progress
        caller.start()
        assert not entered.acquire(timeout=0.5)  # the admin run waits for it...
        release.set()
        caller.join(5)
        assert entered.acquire(timeout=5)  # ...then runs, and answers once it has
        assert answers == [202]
    finally:
        release.set()
        runner.stop(timeout=5)
    assert most == [1]
