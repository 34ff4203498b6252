"""The lifecycle of one delivery (one event to one webhook or one mailbox).

pending -> delivered on the first success; pending -> retrying after a failed attempt, and
retrying stays retrying (another attempt is not a move) until delivered, or failed once
attempts have gone on for 24 hours.
"""

from __future__ import annotations

from shared.lifecycle import Lifecycle
from shared.notify.models import DeliveryStatus

DELIVERY = Lifecycle(
    "delivery",
    DeliveryStatus.PENDING,
    {
        DeliveryStatus.PENDING: frozenset(
            {DeliveryStatus.DELIVERED, DeliveryStatus.RETRYING, DeliveryStatus.FAILED}
        ),
        DeliveryStatus.RETRYING: frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}),
        DeliveryStatus.DELIVERED: frozenset(),
        DeliveryStatus.FAILED: frozenset(),
    },
)
FINISHED = DELIVERY.terminal
