"""The ingest queue processor: raise on failure so Service Bus retries, then dead-letters."""

from __future__ import annotations

import logging

import azure.functions as func

from functions._http import run_span, services

bp = func.Blueprint()
log = logging.getLogger("functions.ingest")


@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name="%PRIVACY_INGEST_QUEUE%", connection="SERVICEBUS"
)
def process_ingest(msg: func.ServiceBusMessage) -> None:
    try:
        with run_span("process_ingest", "pubsub") as span:
            span.set_attribute("message.id", msg.message_id or "")
            services().processor.process(msg.get_body(), msg.message_id or "")
    except Exception as exc:
        log.warning(
            "ingest message failed",
            extra={
                "messageId": msg.message_id,
                "deliveryCount": msg.delivery_count,
                "error": type(exc).__name__,
            },
        )
        raise
