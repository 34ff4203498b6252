"""Queue and timer runners: settle by outcome, dead-letter poison, fire on the clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import azure.functions as func
import pytest

from infra.embedded_host.app_loader import describe
from infra.embedded_host.queue_runner import QueueRunner
from infra.embedded_host.timer_runner import TimerRunner, next_occurrence
from shared.adapters.sqlite_bus import SqliteBus
from shared.ports.message_bus import OutgoingMessage
from tests.fakes import FakeClock

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


def test_invalid_schedule_fails_at_start() -> None:
    app = func.FunctionApp()

    @app.timer_trigger(arg_name="timer", schedule="every hour")
    def broken(timer: func.TimerRequest) -> None: ...

    with pytest.raises(ValueError, match="broken"):
        TimerRunner(describe(app))
