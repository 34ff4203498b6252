"""The notification dispatcher: woken by the notify queue, backed by a timer.

The queue message names an outbox event (no content); raising lets the bus retry, then
dead-letter, and the timer relays whatever a lost or dead-lettered wake-up left behind. Run the
timer now with ``POST /admin/functions/dispatch_notifications``.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions._http import services

bp = func.Blueprint()
log = logging.getLogger("functions.notify")


@bp.service_bus_queue_trigger(
    arg_name="msg", queue_name="%PRIVACY_NOTIFY_QUEUE%", connection="SERVICEBUS"
)
def deliver_notifications(msg: func.ServiceBusMessage) -> None:
    report = services().dispatcher.wake(msg.get_body())
    log.info(
        "notifications relayed",
        extra={"attempted": report.attempted, "delivered": report.delivered},
    )


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_NOTIFY_CRON%")
def dispatch_notifications(timer: func.TimerRequest) -> None:
    app = services()
    budget = app.budget()
    report = app.dispatcher.sweep(budget.items, budget.seconds)
    log.info(
        "notifications swept",
        extra={
            "relayed": report.relayed,
            "attempted": report.attempted,
            "delivered": report.delivered,
            "failed": report.failed,
        },
    )
