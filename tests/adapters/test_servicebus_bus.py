"""ServiceBusBus against fakes at the SDK's client boundary (no Service Bus emulator installs).

The fakes stand for ``ServiceBusClient``, its sender and receivers, and the administration
client; they record every call and hand out the SDK's real ``ServiceBusReceivedMessage``
objects, built from AMQP messages shaped as the broker sends them (prior-delivery count on the
header, bytes-keyed application properties, sequence/enqueued/locked-until annotations). The
AMQP ``Message`` type is private to the SDK (``azure.servicebus._pyamqp``): only tests use it.
What these tests prove and what they cannot is listed in ``shared/adapters/servicebus_bus.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from azure.servicebus import (
    ServiceBusMessage,
    ServiceBusReceivedMessage,
    ServiceBusReceiveMode,
    ServiceBusSubQueue,
)
from azure.servicebus._pyamqp.message import Header, Message, Properties
from azure.servicebus.exceptions import MessageAlreadySettled, MessageLockLostError

from shared.adapters.servicebus_bus import ServiceBusBus
from shared.ports.message_bus import LockLost, OutgoingMessage
from tests.fakes import FakeClock

Q = "ingest"
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class Stored:
    body: bytes
    message_id: str
    sequence: int
    enqueued: datetime
    content_type: str = "application/octet-stream"
    properties: dict[bytes, Any] = field(default_factory=dict)
    prior_deliveries: int = 0


def received(stored: Stored, receiver: Any, locked_until: datetime) -> ServiceBusReceivedMessage:
    """A message as the SDK builds it from the broker's AMQP transfer."""
    amqp = Message(
        header=Header(delivery_count=stored.prior_deliveries),
        properties=Properties(
            message_id=stored.message_id.encode(), content_type=stored.content_type.encode()
        ),
        application_properties=dict(stored.properties),
        message_annotations={
            b"x-opt-sequence-number": stored.sequence,
            b"x-opt-enqueued-time": _ms(stored.enqueued),
            b"x-opt-locked-until": _ms(locked_until),
        },
        data=[stored.body[:3], stored.body[3:]],  # two data sections: the adapter joins them
    )
    return ServiceBusReceivedMessage(amqp, receiver=receiver, lock_token=uuid.uuid4())


class FakeReceiver:
    def __init__(self, broker: FakeBroker, queue: str, **options: Any) -> None:
        self.broker, self.queue, self.options = broker, queue, options
        self.calls: list[tuple[Any, ...]] = []
        self.closed = False
        self.raise_on_settle: Exception | None = None
        self.ready: list[Stored] = broker.dead if options.get("sub_queue") else broker.active

    def receive_messages(self, max_message_count: int, max_wait_time: float) -> list[Any]:
        self.calls.append(("receive_messages", max_message_count, max_wait_time))
        taken, self.ready[:] = self.ready[:max_message_count], self.ready[max_message_count:]
        until = self.broker.clock.now() + timedelta(seconds=30)
        return [received(s, self, until) for s in taken]

    def peek_messages(self, max_message_count: int, sequence_number: int) -> list[Any]:
        self.calls.append(("peek_messages", max_message_count, sequence_number))
        return [received(s, self, self.broker.clock.now()) for s in self.ready[:max_message_count]]

    def _settle(self, name: str, message: ServiceBusReceivedMessage, *extra: Any) -> None:
        self.calls.append((name, str(message.lock_token), *extra))
        if self.raise_on_settle is not None:
            raise self.raise_on_settle

    def complete_message(self, message: ServiceBusReceivedMessage) -> None:
        self._settle("complete_message", message)

    def abandon_message(self, message: ServiceBusReceivedMessage) -> None:
        self._settle("abandon_message", message)

    def dead_letter_message(
        self, message: ServiceBusReceivedMessage, reason: str, error_description: str
    ) -> None:
        self._settle("dead_letter_message", message, reason, error_description)

    def close(self) -> None:
        self.closed = True


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[list[ServiceBusMessage]] = []
        self.closed = False

    def send_messages(self, messages: list[ServiceBusMessage]) -> None:
        self.sent.append(messages)

    def close(self) -> None:
        self.closed = True


class FakeBroker:
    """``ServiceBusClient`` and ``ServiceBusAdministrationClient`` in one recording fake."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.active: list[Stored] = []
        self.dead: list[Stored] = []
        self.senders: dict[str, FakeSender] = {}
        self.receivers: list[FakeReceiver] = []
        self.closed = False

    def get_queue_sender(self, queue: str) -> FakeSender:
        assert queue not in self.senders, "one sender per queue, reused"
        self.senders[queue] = FakeSender()
        return self.senders[queue]

    def get_queue_receiver(self, queue: str, **options: Any) -> FakeReceiver:
        self.receivers.append(FakeReceiver(self, queue, **options))
        return self.receivers[-1]

    def get_queue_runtime_properties(self, queue: str) -> Any:
        return SimpleNamespace(
            active_message_count=len(self.active) + 40, dead_letter_message_count=len(self.dead)
        )

    def get_queue(self, queue: str) -> Any:
        return SimpleNamespace(max_delivery_count=10)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def broker(clock: FakeClock) -> FakeBroker:
    return FakeBroker(clock)


def make_bus(broker: FakeBroker, clock: FakeClock, max_delivery: int = 10) -> ServiceBusBus:
    return ServiceBusBus(
        "sb-privacy-eu.servicebus.windows.net",
        object(),
        max_delivery,  # type: ignore[arg-type]
        client=broker,
        admin_client=broker,
        clock=clock,
        receive_wait=0.5,  # type: ignore[arg-type]
    )


@pytest.fixture
def bus(broker: FakeBroker, clock: FakeClock) -> ServiceBusBus:
    return make_bus(broker, clock)


def stored(n: int, body: bytes = b"sealed-body", prior: int = 0, age: float = 0) -> Stored:
    return Stored(
        body,
        f"m{n}",
        100 + n,
        START - timedelta(seconds=age),
        "application/json",
        {b"kind": b"collect", b"v": 2},
        prior,
    )


def test_send_maps_each_message_and_reuses_the_sender(
    bus: ServiceBusBus, broker: FakeBroker
) -> None:
    bus.send(Q, [])
    assert broker.senders == {}
    bus.send(
        Q,
        [
            OutgoingMessage(b"a", "r1", "application/json", {"kind": "collect", "v": 2}),
            OutgoingMessage(b"b", "r2"),
        ],
    )
    bus.send(Q, [OutgoingMessage(b"c", "r3")])
    first, second = broker.senders[Q].sent
    assert [(b"".join(m.body), m.message_id, m.content_type) for m in first] == [
        (b"a", "r1", "application/json"),
        (b"b", "r2", "application/octet-stream"),
    ]
    assert first[0].application_properties == {"kind": "collect", "v": 2}
    assert [m.message_id for m in second] == ["r3"]


def test_receive_uses_peek_lock_and_maps_the_sdk_message(
    bus: ServiceBusBus, broker: FakeBroker
) -> None:
    broker.active += [stored(1, b"hello world"), stored(2)]
    [got] = bus.receive(Q, max_messages=1, lock_duration=timedelta(minutes=5))
    [receiver] = broker.receivers
    assert receiver.options == {
        "receive_mode": ServiceBusReceiveMode.PEEK_LOCK,
        "prefetch_count": 0,
        "sub_queue": None,
    }
    assert receiver.calls == [("receive_messages", 1, 0.5)]
    assert (got.body, got.message_id, got.sequence_number) == (b"hello world", "m1", 101)
    assert got.delivery_count == 1  # the broker's header says 0 prior deliveries
    assert got.content_type == "application/json"
    assert got.application_properties == {"kind": "collect", "v": 2}
    assert got.enqueued_time == START
    assert got.locked_until == START + timedelta(seconds=30)  # the queue's lock, not the arg
    uuid.UUID(got.lock_token)
    bus.receive(Q, max_messages=5)
    assert len(broker.receivers) == 1  # one receiver per queue, reused


def test_redelivery_count_is_prior_deliveries_plus_one(
    bus: ServiceBusBus, broker: FakeBroker
) -> None:
    broker.active.append(stored(1, prior=3))
    assert bus.receive(Q)[0].delivery_count == 4


def test_complete_settles_the_message_under_its_lock_token(
    bus: ServiceBusBus, broker: FakeBroker
) -> None:
    broker.active.append(stored(1))
    [got] = bus.receive(Q)
    bus.complete(Q, got.lock_token)
    assert broker.receivers[0].calls[-1] == ("complete_message", got.lock_token)
    calls = len(broker.receivers[0].calls)
    with pytest.raises(LockLost):
        bus.complete(Q, got.lock_token)  # settled already: refused without an SDK call
    assert len(broker.receivers[0].calls) == calls


def test_unknown_token_wrong_queue_and_expired_lock_are_lock_lost(
    bus: ServiceBusBus, broker: FakeBroker, clock: FakeClock
) -> None:
    broker.active += [stored(1), stored(2)]
    first, second = bus.receive(Q, max_messages=2)
    for settle in (bus.complete, bus.abandon):
        with pytest.raises(LockLost):
            settle(Q, "no-such-token")
    with pytest.raises(LockLost):
        bus.dead_letter("other-queue", first.lock_token, "Bad")
    clock.advance(30)  # the locks (30 s in the fake) run out
    bus.receive(Q)
    with pytest.raises(LockLost):
        bus.complete(Q, second.lock_token)
    assert [c[0] for c in broker.receivers[0].calls] == ["receive_messages"] * 2


@pytest.mark.parametrize(
    "error",
    [MessageLockLostError(message="lock expired"), MessageAlreadySettled(action="complete")],
)
def test_sdk_lock_errors_become_lock_lost(
    bus: ServiceBusBus, broker: FakeBroker, error: Exception
) -> None:
    broker.active.append(stored(1, b"secret payload"))
    [got] = bus.receive(Q)
    broker.receivers[0].raise_on_settle = error
    with pytest.raises(LockLost) as lost:
        bus.complete(Q, got.lock_token)
    assert "secret payload" not in str(lost.value) and lost.value.__cause__ is None
    with pytest.raises(LockLost):
        bus.complete(Q, got.lock_token)


def test_dead_letter_passes_reason_and_description(bus: ServiceBusBus, broker: FakeBroker) -> None:
    broker.active.append(stored(1))
    [got] = bus.receive(Q)
    bus.dead_letter(Q, got.lock_token, "SchemaInvalid", "field x missing")
    assert broker.receivers[0].calls[-1] == (
        "dead_letter_message",
        got.lock_token,
        "SchemaInvalid",
        "field x missing",
    )


def test_abandon_before_the_last_delivery_drops_properties(
    broker: FakeBroker, clock: FakeClock
) -> None:
    bus = make_bus(broker, clock, max_delivery=3)
    broker.active.append(stored(1, prior=1))  # second delivery of three
    [got] = bus.receive(Q)
    bus.abandon(Q, got.lock_token, {"lastError": "ValueError"})
    assert broker.receivers[0].calls[-1] == ("abandon_message", got.lock_token)


def test_abandon_at_the_last_delivery_dead_letters_with_the_last_error(
    broker: FakeBroker, clock: FakeClock
) -> None:
    bus = make_bus(broker, clock, max_delivery=3)
    broker.active += [stored(1, prior=2), stored(2, prior=2)]
    first, second = bus.receive(Q, max_messages=2)
    assert first.delivery_count == 3
    bus.abandon(Q, first.lock_token, {"lastError": "ValueError"})
    bus.abandon(Q, second.lock_token)
    assert broker.receivers[0].calls[-2:] == [
        (
            "dead_letter_message",
            first.lock_token,
            "MaxDeliveryCountExceeded",
            "delivered 3 times without being completed; last error: ValueError",
        ),
        (
            "dead_letter_message",
            second.lock_token,
            "MaxDeliveryCountExceeded",
            "delivered 3 times without being completed",
        ),
    ]


def test_dead_letters_peek_the_sub_queue_from_the_start(
    bus: ServiceBusBus, broker: FakeBroker
) -> None:
    dead = stored(1, b"poison", prior=2, age=60)
    dead.properties.update(
        {
            b"DeadLetterReason": b"MaxDeliveryCountExceeded",
            b"DeadLetterErrorDescription": b"delivered 3 times",
        }
    )
    broker.dead.append(dead)
    for _ in range(2):  # twice: a peek must not continue from the previous one's cursor
        [letter] = bus.dead_letters(Q, max_messages=50)
        assert (letter.body, letter.message_id, letter.sequence_number) == (b"poison", "m1", 101)
        assert (letter.reason, letter.description) == (
            "MaxDeliveryCountExceeded",
            "delivered 3 times",
        )
        assert letter.delivery_count == 3
        assert letter.dead_lettered_time == START - timedelta(seconds=60)  # the enqueued time
    [receiver] = broker.receivers
    assert receiver.options["sub_queue"] == ServiceBusSubQueue.DEAD_LETTER
    assert receiver.calls == [("peek_messages", 50, 1)] * 2
    assert broker.dead == [dead]  # peeking removes nothing


def test_purge_completes_old_dead_letters_and_releases_the_rest(
    bus: ServiceBusBus, broker: FakeBroker
) -> None:
    broker.dead += [stored(1, age=7200), stored(2, age=10), stored(3, age=3600)]
    assert bus.purge_dead_letters(Q, older_than=START - timedelta(minutes=30)) == 2
    receiver = broker.receivers[0]
    settled = [(c[0], c[1]) for c in receiver.calls if c[0] != "receive_messages"]
    assert [name for name, _ in settled] == [
        "complete_message",
        "complete_message",
        "abandon_message",
    ]
    assert receiver.calls[0] == ("receive_messages", 100, 0.5)


def test_purge_is_bounded_per_call(broker: FakeBroker, clock: FakeClock) -> None:
    bus = ServiceBusBus(
        "ns",
        object(),
        client=broker,
        admin_client=broker,  # type: ignore[arg-type]
        clock=clock,
        purge_budget=3,
    )
    broker.dead += [stored(n, age=7200) for n in range(5)]
    assert bus.purge_dead_letters(Q, older_than=START) == 3
    assert len(broker.dead) == 2


def test_active_count_and_verify_queue_use_the_admin_client(
    broker: FakeBroker, clock: FakeClock
) -> None:
    broker.active.append(stored(1))
    assert make_bus(broker, clock).active_count(Q) == 41
    make_bus(broker, clock, max_delivery=10).verify_queue(Q)
    with pytest.raises(ValueError, match="maxDeliveryCount 10"):
        make_bus(broker, clock, max_delivery=5).verify_queue(Q)


def test_close_closes_every_handler(bus: ServiceBusBus, broker: FakeBroker) -> None:
    bus.send(Q, [OutgoingMessage(b"a", "r1")])
    bus.receive(Q)
    bus.dead_letters(Q)
    bus.close()
    assert broker.closed and broker.senders[Q].closed
    assert all(r.closed for r in broker.receivers)


def test_max_delivery_count_must_be_positive(broker: FakeBroker, clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        make_bus(broker, clock, max_delivery=0)


def test_stats_read_the_runtime_counts_and_peek_the_oldest_from_the_start(
    broker: FakeBroker, clock: FakeClock
) -> None:
    bus = make_bus(broker, clock)
    broker.active.append(stored(1))
    broker.dead += [stored(2), stored(3)]
    stats = bus.stats(Q)
    assert (stats.active, stats.dead_letters) == (41, 2)
    assert stats.oldest_enqueued is not None
    [receiver] = [r for r in broker.receivers if not r.options.get("sub_queue")]
    assert ("peek_messages", 1, 1) in receiver.calls  # from sequence 1, not the cursor
