"""Contract of the MessageBus port: every adapter must pass the same suite.

Add an adapter by adding a factory to ``BUS_FACTORIES``: it gets a directory, a clock and the
max delivery count, and must return a bus on storage determined by the directory, so a second
call reopens the same queues (the durability test relies on it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.adapters.sqlite_bus import SqliteBus
from shared.ports.message_bus import LockLost, MessageBus, OutgoingMessage, QueueStats
from tests.fakes import FakeClock

Q = "ingest"
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
Factory = Callable[[Path, FakeClock, int], MessageBus]


def _sqlite(directory: Path, clock: FakeClock, max_delivery: int) -> MessageBus:
    return SqliteBus(directory / "bus.sqlite", clock, max_delivery_count=max_delivery)


BUS_FACTORIES: dict[str, Factory] = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(BUS_FACTORIES))
def factory(request: pytest.FixtureRequest) -> Factory:
    return BUS_FACTORIES[request.param]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def make_bus(
    factory: Factory, clock: FakeClock, tmp_path: Path
) -> Iterator[Callable[[int], MessageBus]]:
    opened: list[MessageBus] = []

    def make(max_delivery: int = 10) -> MessageBus:
        opened.append(factory(tmp_path, clock, max_delivery))
        return opened[-1]

    yield make
    for bus in opened:
        bus.close()


@pytest.fixture
def bus(make_bus: Callable[[int], MessageBus]) -> MessageBus:
    return make_bus(10)


def msg(body: bytes, mid: str = "") -> OutgoingMessage:
    return OutgoingMessage(body=body, message_id=mid or body.decode())


def test_send_receive_complete(bus: MessageBus) -> None:
    bus.send(Q, [OutgoingMessage(b"a", "m1", "application/json", {"tenant": "t1", "v": 2})])
    [got] = bus.receive(Q)
    assert (got.body, got.message_id, got.delivery_count) == (b"a", "m1", 1)
    assert got.content_type == "application/json"
    assert got.application_properties == {"tenant": "t1", "v": 2}
    assert got.enqueued_time == START
    assert got.locked_until == START + timedelta(seconds=60)
    assert bus.active_count(Q) == 1
    bus.complete(Q, got.lock_token)
    assert bus.active_count(Q) == 0
    assert bus.receive(Q) == []


def test_receive_is_fifo_and_honours_max_messages(bus: MessageBus) -> None:
    bus.send(Q, [msg(b"1"), msg(b"2"), msg(b"3")])
    got = bus.receive(Q, max_messages=2)
    assert [m.body for m in got] == [b"1", b"2"]
    assert got[0].sequence_number < got[1].sequence_number


def test_queues_are_separate(bus: MessageBus) -> None:
    bus.send("other", [msg(b"x")])
    assert bus.receive(Q) == []
    assert bus.active_count("other") == 1


def test_locked_message_is_not_received_twice(bus: MessageBus, clock: FakeClock) -> None:
    bus.send(Q, [msg(b"a")])
    assert len(bus.receive(Q)) == 1
    clock.advance(59)
    assert bus.receive(Q) == []


def test_abandon_redelivers_with_incremented_count(bus: MessageBus) -> None:
    bus.send(Q, [msg(b"a")])
    first = bus.receive(Q)[0]
    bus.abandon(Q, first.lock_token)
    second = bus.receive(Q)[0]
    assert (second.body, second.delivery_count) == (b"a", 2)
    assert second.lock_token != first.lock_token


def test_lock_expiry_redelivers(bus: MessageBus, clock: FakeClock) -> None:
    bus.send(Q, [msg(b"a")])
    bus.receive(Q, lock_duration=timedelta(seconds=10))
    clock.advance(10)
    [again] = bus.receive(Q)
    assert again.delivery_count == 2


def test_settling_with_expired_or_unknown_lock_raises(bus: MessageBus, clock: FakeClock) -> None:
    bus.send(Q, [msg(b"a")])
    [got] = bus.receive(Q, lock_duration=timedelta(seconds=5))
    clock.advance(5)
    with pytest.raises(LockLost):
        bus.complete(Q, got.lock_token)
    for settle in (bus.complete, bus.abandon):
        with pytest.raises(LockLost):
            settle(Q, "no-such-token")
    with pytest.raises(LockLost):
        bus.dead_letter(Q, "no-such-token", "Reason")
    [again] = bus.receive(Q)
    with pytest.raises(LockLost):
        bus.complete(Q, got.lock_token)
    bus.complete(Q, again.lock_token)


def test_dead_letter_after_max_delivery(make_bus: Callable[[int], MessageBus]) -> None:
    bus = make_bus(3)
    bus.send(Q, [msg(b"poison")])
    for count in (1, 2, 3):
        [got] = bus.receive(Q)
        assert got.delivery_count == count
        bus.abandon(Q, got.lock_token)
    assert bus.receive(Q) == []
    [dead] = bus.dead_letters(Q)
    assert (dead.body, dead.message_id) == (b"poison", "poison")
    assert dead.reason == "MaxDeliveryCountExceeded"
    assert dead.delivery_count == 3
    assert dead.dead_lettered_time == START
    assert bus.active_count(Q) == 0


def test_poison_does_not_block_the_next_message(make_bus: Callable[[int], MessageBus]) -> None:
    bus = make_bus(1)
    bus.send(Q, [msg(b"poison"), msg(b"good")])
    bus.abandon(Q, bus.receive(Q)[0].lock_token)
    [got] = bus.receive(Q)
    assert got.body == b"good"


def test_explicit_dead_letter(bus: MessageBus) -> None:
    bus.send(Q, [msg(b"a"), msg(b"b")])
    [got] = bus.receive(Q)
    bus.dead_letter(Q, got.lock_token, "SchemaInvalid", "field x missing")
    [dead] = bus.dead_letters(Q)
    assert (dead.body, dead.reason, dead.description, dead.delivery_count) == (
        b"a",
        "SchemaInvalid",
        "field x missing",
        1,
    )
    assert bus.active_count(Q) == 1
    with pytest.raises(LockLost):
        bus.complete(Q, got.lock_token)


def test_messages_survive_close_and_reopen(make_bus: Callable[[int], MessageBus]) -> None:
    bus = make_bus(10)
    bus.send(Q, [msg(b"a"), msg(b"b")])
    [locked] = bus.receive(Q)
    bus.dead_letter(Q, locked.lock_token, "Bad")
    bus.close()
    reopened = make_bus(10)
    assert reopened.active_count(Q) == 1
    assert [m.body for m in reopened.receive(Q)] == [b"b"]
    assert [d.reason for d in reopened.dead_letters(Q)] == ["Bad"]


def test_concurrent_receivers_never_share_a_message(bus: MessageBus) -> None:
    total = 200
    bus.send(Q, [msg(str(i).encode()) for i in range(total)])
    seen: list[bytes] = []
    seen_lock = threading.Lock()

    def drain() -> None:
        while got := bus.receive(Q, max_messages=3):
            for m in got:
                bus.complete(Q, m.lock_token)
            with seen_lock:
                seen.extend(m.body for m in got)

    threads = [threading.Thread(target=drain) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(seen) == sorted(str(i).encode() for i in range(total))
    assert bus.active_count(Q) == 0


def test_sqlite_purge_and_wait(tmp_path: Path, clock: FakeClock) -> None:
    bus = SqliteBus(tmp_path / "bus.sqlite", clock, max_delivery_count=1)
    try:
        bus.send(Q, [msg(b"a")])
        bus.wait(Q, 5.0)  # returns at once: a message is ready
        bus.abandon(Q, bus.receive(Q)[0].lock_token)
        assert bus.receive(Q) == []
        clock.advance(timedelta(days=2))
        assert bus.purge_dead_letters(Q, older_than=START) == 0
        assert bus.purge_dead_letters(Q, older_than=START + timedelta(days=1)) == 1
        assert bus.dead_letters(Q) == []
    finally:
        bus.close()


def test_sqlite_wait_is_woken_by_send(tmp_path: Path, clock: FakeClock) -> None:
    receiver = SqliteBus(tmp_path / "bus.sqlite", clock)
    sender = SqliteBus(tmp_path / "bus.sqlite", clock)
    try:
        woke = threading.Event()

        def wait() -> None:
            receiver.wait(Q, 30.0)
            woke.set()

        waiter = threading.Thread(target=wait)
        waiter.start()
        assert not woke.wait(0.05)
        sender.send(Q, [msg(b"a")])
        assert woke.wait(5.0)
        waiter.join()
    finally:
        receiver.close()
        sender.close()


def test_abandon_properties_reach_the_dead_letter_description(bus: MessageBus) -> None:
    bus.send(Q, [OutgoingMessage(body=b"x", message_id="m-err")])
    while got := bus.receive(Q):
        bus.abandon(Q, got[0].lock_token, {"lastError": "ValueError"})
    [dead] = bus.dead_letters(Q)
    assert dead.description.endswith("last error: ValueError")


def test_stats_count_active_and_dead_letters_and_date_the_oldest(
    bus: MessageBus, clock: FakeClock
) -> None:
    assert bus.stats(Q) == QueueStats(0, 0, None)
    first_at = clock.now()
    bus.send(Q, [msg(b"a")])
    clock.advance(timedelta(seconds=30))
    bus.send(Q, [msg(b"b"), msg(b"c")])
    [locked] = bus.receive(Q)  # the oldest, now locked: still active, still the oldest
    stats = bus.stats(Q)
    assert (stats.active, stats.dead_letters, stats.oldest_enqueued) == (3, 0, first_at)
    bus.dead_letter(Q, locked.lock_token, "Bad")
    stats = bus.stats(Q)
    assert (stats.active, stats.dead_letters) == (2, 1)
    assert stats.oldest_enqueued == first_at + timedelta(seconds=30)
    assert bus.stats("other") == QueueStats(0, 0, None)
