"""Accountability timers: escalate breach notices still pending 12 hours before their deadline
(and finish telling tenants of a revision a crash interrupted); release the tenants' notices of
authority requests whose gag order has lapsed.

Run one now with ``POST /admin/functions/{name}``.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions._http import services

bp = func.Blueprint()
log = logging.getLogger("functions.incidents")


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_INCIDENT_CRON%")
def escalate_incident_notices(timer: func.TimerRequest) -> None:
    escalated = services().incident_notices.escalate_due()
    announced = services().incidents.announce_due()
    log.info("incident notices checked", extra={"escalated": escalated, "announced": announced})


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_INCIDENT_CRON%")
def release_authority_notices(timer: func.TimerRequest) -> None:
    """On the incident schedule (every 10 min): a lapsed gag is told within minutes even when
    nobody reads the notices (reads release what is due as well)."""
    released = services().authority.release_due()
    log.info("authority notices checked", extra={"released": released})
