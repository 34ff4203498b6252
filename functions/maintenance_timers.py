"""Timers of the foundation: physical removal of expired items in the embedded store.

On Cosmos DB the service removes expired items itself and this is a no-op.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions._http import services

bp = func.Blueprint()
log = logging.getLogger("functions.maintenance")


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_PURGE_CRON%", run_on_startup=False)
def purge_expired_items(timer: func.TimerRequest) -> None:
    removed = services().store.purge_expired(limit=5000)
    log.info("expired items purged", extra={"removed": removed})
