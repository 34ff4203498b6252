"""A message the processor cannot handle is retried, then dead-lettered; nothing else is lost."""

from __future__ import annotations

from typing import Any

from shared.ports.message_bus import OutgoingMessage
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers
from tests.stored import stored_records


def test_poison_message_is_dead_lettered_after_the_retry_limit(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    bus, queue = client.services.bus, client.services.settings.ingest_queue
    client.call("collect", body=collect_body(2), headers=widget_headers(tenant))
    bus.send(queue, [OutgoingMessage(body=b"\x00not an envelope", message_id="poison-1")])
    client.call("collect", body=collect_body(3), headers=widget_headers(tenant))

    for _ in range(client.services.settings.ingest_max_delivery + 2):
        client.drain()

    [dead] = bus.dead_letters(queue)
    assert dead.message_id == "poison-1" and dead.reason == "MaxDeliveryCountExceeded"
    assert dead.description.endswith("last error: DecryptionFailed")
    assert dead.delivery_count == client.services.settings.ingest_max_delivery
    assert bus.active_count(queue) == 0
    events = stored_records(client.services.store, tenant["tenantId"], "event")
    assert len(events) == 5
