"""Incident timer: escalate breach notices still pending 12 hours before their deadline.

Run it now with ``POST /admin/functions/escalate_incident_notices``.
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
    log.info("incident notices checked", extra={"escalated": escalated})
