"""Service Bus queue triggers on top of the MessageBus port (peek-lock, like the extension).

A function that returns completes its message; one that raises abandons it, so the bus
redelivers it and dead-letters it after the max delivery count, exactly as in Azure. Logs name
the function, message id, delivery count and exception type only: never bodies or messages.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

from azure.functions.servicebus import ServiceBusMessage

from infra.embedded_host.app_loader import SERVICE_BUS_TRIGGER, FunctionDescriptor, call_sync
from shared.ports.message_bus import LockLost, MessageBus, ReceivedMessage

logger = logging.getLogger("embedded_host.queue")
LOCK_DURATION = timedelta(seconds=60)
BATCH = 8
"""Messages one worker locks per receive: one bus transaction for up to eight deliveries
instead of one each (each still runs and is settled on its own, as the Functions host does)."""


def to_service_bus_message(message: ReceivedMessage) -> ServiceBusMessage:
    return ServiceBusMessage(
        body=message.body,
        message_id=message.message_id,
        delivery_count=message.delivery_count,
        lock_token=message.lock_token,
        sequence_number=message.sequence_number,
        enqueued_time_utc=message.enqueued_time,
        locked_until=message.locked_until,
        content_type=message.content_type,
        application_properties=dict(message.application_properties),
        user_properties={},
    )


class QueueRunner:
    """``concurrency`` worker threads per queue-triggered function."""

    def __init__(
        self,
        functions: Sequence[FunctionDescriptor],
        bus: MessageBus,
        *,
        concurrency: int = 4,
        lock_duration: timedelta = LOCK_DURATION,
        idle_wait: float = 0.5,
        batch: int = BATCH,
    ) -> None:
        self._functions = [f for f in functions if f.trigger_type == SERVICE_BUS_TRIGGER]
        self._bus = bus
        self._concurrency = concurrency
        self._lock_duration = lock_duration
        self._idle_wait = idle_wait
        self._batch = batch
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        release = getattr(self._bus, "release_locks", None)
        if callable(release):
            released = release()
            if released:
                logger.info("released locks left by a previous run", extra={"count": released})
        for function in self._functions:
            for index in range(self._concurrency):
                thread = threading.Thread(
                    target=self._work, args=(function,), name=f"queue-{function.name}-{index}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Take no new messages; wait for in-flight ones to be settled."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self, function: FunctionDescriptor) -> None:
        queue = function.queue_name or ""
        while not self._stopping.is_set():
            try:
                messages = self._bus.receive(queue, self._batch, self._lock_duration)
            except Exception as exc:
                logger.error("receive failed", extra={"function": function.name,
                                                      "error_type": type(exc).__name__})
                self._stopping.wait(1.0)
                continue
            if not messages:
                self._idle(queue)
            for message in messages:
                if self._stopping.is_set():  # not started: its lock is released for others
                    self._settle(self._bus.abandon, queue, message, {})
                    continue
                self.process(function, message)

    def _idle(self, queue: str) -> None:
        wait = getattr(self._bus, "wait", None)
        if callable(wait):
            wait(queue, self._idle_wait)
        else:
            self._stopping.wait(self._idle_wait)

    def process(self, function: FunctionDescriptor, message: ReceivedMessage) -> None:
        """Run the function on one locked message and settle it."""
        queue = function.queue_name or ""
        fields = {"function": function.name, "message_id": message.message_id,
                  "delivery_count": message.delivery_count}
        try:
            call_sync(function, to_service_bus_message(message))
        except Exception as exc:
            logger.warning("function failed; abandoning message",
                           extra={**fields, "error_type": type(exc).__name__})
            error: dict[str, str | int] = {"lastError": type(exc).__name__}
            self._settle(lambda q, t: self._bus.abandon(q, t, error), queue, message, fields)
            return
        self._settle(self._bus.complete, queue, message, fields)
        logger.debug("message completed", extra=fields)

    @staticmethod
    def _settle(
        action: Callable[[str, str], None],
        queue: str,
        message: ReceivedMessage,
        fields: dict[str, object],
    ) -> None:
        try:
            action(queue, message.lock_token)
        except LockLost:
            logger.warning("lock lost before settling; the message will be redelivered",
                           extra=fields)
