"""MessageBus on Azure Service Bus (``azure-servicebus``), kept thin on purpose.

Mapping, port to SDK, and the reasons for the non-obvious parts:
- ``send``: one ``send_messages`` call per list (one AMQP transfer: all or nothing; durable once
  the broker acknowledges it, which is when the call returns).
- ``receive``: a PEEK_LOCK receiver per queue with prefetch off (no message is locked without
  being handed out), ``receive_messages(max, max_wait_time=receive_wait)``. ``lock_duration``
  is ignored: in Service Bus the lock duration is a queue property (set in Bicep).
- ``delivery_count``: the broker puts the number of *prior* deliveries on the AMQP header and the
  Python SDK passes it through (its live tests assert 0 on a first receive), so the port's count
  (first delivery = 1) is the SDK's value + 1, for received and peeked messages alike.
- ``complete``/``abandon``/``dead_letter``: the receiver's settlement calls on the message held
  under that lock token; an unknown token, ``MessageLockLostError`` or ``MessageAlreadySettled``
  becomes ``LockLost``.
- ``abandon(properties_to_modify)``: the Python SDK cannot change properties on settlement
  (Azure/azure-sdk-for-python#47339), so they are dropped. But an abandon at the last allowed
  delivery dead-letters the message itself, with ``MaxDeliveryCountExceeded`` and the embedded
  bus's description (``...; last error: X`` from ``lastError``): Service Bus would dead-letter
  it on the next receive anyway, only without that context. So ``max_delivery_count`` must
  equal the queue's ``maxDeliveryCount``; ``verify_queue`` checks it.
- ``dead_letters``: peek on the DEAD_LETTER sub-queue from sequence number 1 (a peek without it
  continues from the receiver's cursor). Service Bus records no dead-letter time, so
  ``dead_lettered_time`` is the enqueued time: earlier by at most the delivery attempts' lock
  durations, which makes ``purge_dead_letters`` err toward deleting sooner, never later.
- ``purge_dead_letters``: peek-lock receive from the dead-letter queue, complete those enqueued
  before the cut-off, hold the others until the pass ends and then abandon them (so one pass
  does not see them twice); at most ``purge_budget`` messages per call.
- ``active_count``, ``stats``: ``get_queue_runtime_properties`` (management: the identity needs
  *Azure Service Bus Data Owner* on the queue); ``stats`` peeks one message for its enqueue time.
Bodies are never logged or put in exceptions.

**Verified** (``tests/adapters/test_servicebus_bus.py``): against fakes of ``ServiceBusClient``,
its sender and receivers and the administration client, handing out the SDK's real
``ServiceBusReceivedMessage`` objects: which SDK calls are made with which arguments, and the
mapping of bodies, ids, content types, properties, lock tokens, counts, reasons and descriptions.
**Not verified** (no Service Bus emulator installs here): the broker itself, i.e. AMQP links and
auth, lock expiry and redelivery, its own MaxDeliveryCount dead-lettering, the enqueued time a
dead-lettered message reports, the role runtime properties need, and throughput.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core.credentials import TokenCredential
from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusReceivedMessage,
    ServiceBusReceiveMode,
    ServiceBusReceiver,
    ServiceBusSender,
    ServiceBusSubQueue,
)
from azure.servicebus.exceptions import MessageAlreadySettled, MessageLockLostError
from azure.servicebus.management import ServiceBusAdministrationClient

from shared.ports.clock import Clock, SystemClock
from shared.ports.message_bus import (
    DEFAULT_LOCK_DURATION,
    DEFAULT_MAX_DELIVERY_COUNT,
    DeadLetteredMessage,
    LockLost,
    QueueStats,
    ReceivedMessage,
)
from shared.ports.message_bus import OutgoingMessage as Outgoing

MAX_DELIVERY_REASON = "MaxDeliveryCountExceeded"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _properties(message: ServiceBusReceivedMessage) -> dict[str, str | int]:
    """Application properties as the port types them (the SDK may hand out bytes)."""
    result: dict[str, str | int] = {}
    for key, value in (message.application_properties or {}).items():
        result[_text(key)] = value if isinstance(value, int) else _text(value)
    return result


def _body(message: ServiceBusReceivedMessage) -> bytes:
    body = message.body
    return body if isinstance(body, bytes) else b"".join(body)


def _deliveries(message: ServiceBusReceivedMessage) -> int:
    return (message.delivery_count or 0) + 1


class ServiceBusBus:
    """A MessageBus on Service Bus queues (see ``shared.ports.message_bus`` for semantics)."""

    def __init__(
        self,
        fully_qualified_namespace: str,
        credential: TokenCredential,
        max_delivery_count: int = DEFAULT_MAX_DELIVERY_COUNT,
        *,
        client: ServiceBusClient | None = None,
        admin_client: ServiceBusAdministrationClient | None = None,
        clock: Clock | None = None,
        receive_wait: float = 1.0,
        purge_budget: int = 1000,
    ) -> None:
        if max_delivery_count < 1:
            raise ValueError("max_delivery_count must be at least 1")
        self._client = client or ServiceBusClient(fully_qualified_namespace, credential)
        self._admin = admin_client or ServiceBusAdministrationClient(
            fully_qualified_namespace, credential
        )
        self._max = max_delivery_count
        self._clock = clock or SystemClock()
        self._wait, self._purge_budget = receive_wait, purge_budget
        self._senders: dict[str, ServiceBusSender] = {}
        self._receivers: dict[tuple[str, bool], ServiceBusReceiver] = {}
        self._held: dict[str, tuple[str, ServiceBusReceivedMessage]] = {}
        self._lock = threading.RLock()  # the SDK's clients are not thread-safe

    def _receiver(self, queue: str, dead: bool = False) -> ServiceBusReceiver:
        if (queue, dead) not in self._receivers:
            self._receivers[(queue, dead)] = self._client.get_queue_receiver(
                queue,
                receive_mode=ServiceBusReceiveMode.PEEK_LOCK,
                prefetch_count=0,
                sub_queue=ServiceBusSubQueue.DEAD_LETTER if dead else None,
            )
        return self._receivers[(queue, dead)]

    def send(self, queue: str, messages: Sequence[Outgoing]) -> None:
        if not messages:
            return
        batch = [
            ServiceBusMessage(
                m.body,
                message_id=m.message_id,
                content_type=m.content_type,
                application_properties={**m.application_properties},  # type: ignore[dict-item]
            )
            for m in messages
        ]
        with self._lock:
            if queue not in self._senders:
                self._senders[queue] = self._client.get_queue_sender(queue)
            self._senders[queue].send_messages(batch)

    def receive(
        self, queue: str, max_messages: int = 1, lock_duration: timedelta = DEFAULT_LOCK_DURATION
    ) -> list[ReceivedMessage]:
        with self._lock:
            self._forget_expired()
            got = self._receiver(queue).receive_messages(
                max_message_count=max_messages, max_wait_time=self._wait
            )
            received = []
            for message in got:
                token = str(message.lock_token)
                self._held[token] = (queue, message)
                received.append(
                    ReceivedMessage(
                        body=_body(message),
                        message_id=message.message_id or "",
                        lock_token=token,
                        delivery_count=_deliveries(message),
                        sequence_number=message.sequence_number or 0,
                        enqueued_time=message.enqueued_time_utc or _EPOCH,
                        locked_until=message.locked_until_utc or _EPOCH,
                        content_type=message.content_type or "application/octet-stream",
                        application_properties=_properties(message),
                    )
                )
            return received

    def _forget_expired(self) -> None:
        """Drop messages whose lock ran out: settling them would fail anyway."""
        now = self._clock.now()
        for token, (_, message) in list(self._held.items()):
            if message.locked_until_utc is not None and message.locked_until_utc <= now:
                del self._held[token]

    def _settle(self, queue: str, lock_token: str, action: str, **kwargs: Any) -> None:
        with self._lock:
            held = self._held.get(lock_token)
            if held is None or held[0] != queue:
                raise LockLost("the lock is unknown or has expired")
            receiver = self._receiver(queue)
            try:
                getattr(receiver, action)(held[1], **kwargs)
            except (MessageLockLostError, MessageAlreadySettled):
                del self._held[lock_token]
                raise LockLost("the lock is unknown or has expired") from None
            del self._held[lock_token]

    def complete(self, queue: str, lock_token: str) -> None:
        self._settle(queue, lock_token, "complete_message")

    def abandon(
        self,
        queue: str,
        lock_token: str,
        properties_to_modify: dict[str, str | int] | None = None,
    ) -> None:
        with self._lock:
            held = self._held.get(lock_token)
            count = _deliveries(held[1]) if held else 0
            if count < self._max:
                self._settle(queue, lock_token, "abandon_message")
                return
            description = f"delivered {count} times without being completed"
            last_error = (properties_to_modify or {}).get("lastError")
            if last_error:
                description += f"; last error: {last_error}"
            self.dead_letter(queue, lock_token, MAX_DELIVERY_REASON, description)

    def dead_letter(self, queue: str, lock_token: str, reason: str, description: str = "") -> None:
        self._settle(
            queue, lock_token, "dead_letter_message", reason=reason, error_description=description
        )

    def dead_letters(self, queue: str, max_messages: int = 100) -> list[DeadLetteredMessage]:
        with self._lock:
            peeked = self._receiver(queue, dead=True).peek_messages(
                max_message_count=max_messages, sequence_number=1
            )
        return [
            DeadLetteredMessage(
                body=_body(m),
                message_id=m.message_id or "",
                sequence_number=m.sequence_number or 0,
                delivery_count=_deliveries(m),
                reason=m.dead_letter_reason or "",
                description=m.dead_letter_error_description or "",
                dead_lettered_time=m.enqueued_time_utc or _EPOCH,
            )
            for m in peeked
        ]

    def purge_dead_letters(self, queue: str, older_than: datetime) -> int:
        removed, seen = 0, 0
        kept: list[ServiceBusReceivedMessage] = []
        with self._lock:
            receiver = self._receiver(queue, dead=True)
            try:
                while seen < self._purge_budget:
                    batch = receiver.receive_messages(
                        max_message_count=min(100, self._purge_budget - seen),
                        max_wait_time=self._wait,
                    )
                    if not batch:
                        break
                    seen += len(batch)
                    for message in batch:
                        if (message.enqueued_time_utc or _EPOCH) < older_than:
                            receiver.complete_message(message)
                            removed += 1
                        else:
                            kept.append(message)
            finally:
                for message in kept:
                    receiver.abandon_message(message)
        return removed

    def active_count(self, queue: str) -> int:
        with self._lock:
            return self._admin.get_queue_runtime_properties(queue).active_message_count or 0

    def stats(self, queue: str) -> QueueStats:
        """Runtime properties (counts) and a peek from sequence 1 (the oldest's enqueue time)."""
        with self._lock:
            props = self._admin.get_queue_runtime_properties(queue)
            oldest = self._receiver(queue).peek_messages(max_message_count=1, sequence_number=1)
        counts = (props.active_message_count or 0, props.dead_letter_message_count or 0)
        return QueueStats(*counts, oldest[0].enqueued_time_utc if oldest else None)

    def verify_queue(self, queue: str) -> None:
        """Fail fast when the queue's max delivery count differs from this adapter's, since
        ``abandon`` dead-letters at the last delivery by this adapter's count."""
        with self._lock:
            configured = self._admin.get_queue(queue).max_delivery_count
        if configured != self._max:
            raise ValueError(
                f"queue {queue!r} has maxDeliveryCount {configured}, the adapter {self._max}"
            )

    def close(self) -> None:
        with self._lock:
            for handler in [*self._receivers.values(), *self._senders.values()]:
                handler.close()
            self._receivers.clear()
            self._senders.clear()
            self._held.clear()
            self._client.close()
            self._admin.close()
