"""The message bus port, shaped after Service Bus queues with peek-lock receive.

Semantics every adapter must keep:
- ``receive`` locks each returned message for ``lock_duration``; until then no other receiver
  gets it. Each delivery increments ``delivery_count`` (the first delivery has count 1).
- ``complete`` removes the message; ``abandon`` releases the lock at once; an expired lock makes
  the message receivable again (redelivery).
- A message whose delivery count would exceed the queue's ``max_delivery_count`` is moved to the
  dead-letter sub-queue with reason ``MaxDeliveryCountExceeded`` instead of being delivered;
  ``dead_letter`` moves it there explicitly with a caller-given reason.
- Dead-lettered messages keep their body, reason and description until removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

DEFAULT_MAX_DELIVERY_COUNT = 10
DEFAULT_LOCK_DURATION = timedelta(seconds=60)


@dataclass(frozen=True)
class OutgoingMessage:
    body: bytes
    message_id: str
    content_type: str = "application/octet-stream"
    application_properties: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReceivedMessage:
    body: bytes
    message_id: str
    lock_token: str
    delivery_count: int
    sequence_number: int
    enqueued_time: datetime
    locked_until: datetime
    content_type: str = "application/octet-stream"
    application_properties: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeadLetteredMessage:
    body: bytes
    message_id: str
    sequence_number: int
    delivery_count: int
    reason: str
    description: str
    dead_lettered_time: datetime


@dataclass(frozen=True)
class QueueStats:
    """What an operator watches on a queue (health's readiness view, the gauges)."""

    active: int
    """Messages not yet completed, locked ones included."""
    dead_letters: int
    oldest_enqueued: datetime | None
    """When the oldest active message was enqueued (None: the queue is empty)."""


class LockLost(Exception):
    """The lock token is unknown or expired: another receiver may hold the message now."""


class MessageBus(Protocol):
    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        """Enqueue durably: once this returns, the messages survive a crash."""
        ...

    def receive(
        self, queue: str, max_messages: int = 1, lock_duration: timedelta = DEFAULT_LOCK_DURATION
    ) -> list[ReceivedMessage]:
        """Peek-lock up to ``max_messages``; returns at once (an empty list when none)."""
        ...

    def complete(self, queue: str, lock_token: str) -> None: ...

    def abandon(
        self,
        queue: str,
        lock_token: str,
        properties_to_modify: dict[str, str | int] | None = None,
    ) -> None:
        """Release the lock now; ``properties_to_modify`` merges into the application
        properties (as Service Bus does), e.g. the last error's type for the dead-letter."""
        ...

    def dead_letter(
        self, queue: str, lock_token: str, reason: str, description: str = ""
    ) -> None: ...

    def dead_letters(self, queue: str, max_messages: int = 100) -> list[DeadLetteredMessage]:
        """Read (without removing) the dead-letter sub-queue, oldest first."""
        ...

    def purge_dead_letters(self, queue: str, older_than: datetime) -> int:
        """Remove dead letters older than a cut-off (they hold sealed payloads: bound them)."""
        ...

    def active_count(self, queue: str) -> int: ...

    def stats(self, queue: str) -> QueueStats:
        """Depth, dead letters and the oldest active message's enqueue time, cheaply."""
        ...

    def close(self) -> None: ...
