"""Key rotation timer: data keys follow the KEK's newest version, in bounded resumable runs."""

from __future__ import annotations

import logging

import azure.functions as func

from functions._http import services

bp = func.Blueprint()
log = logging.getLogger("functions.keys")


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_KEY_ROTATION_CRON%")
def rotate_data_keys(timer: func.TimerRequest) -> None:
    report = services().key_rotation.run(services().budget())
    log.info(
        "data keys re-wrapped",
        extra={
            "rewrapped": report["rewrapped"],
            "complete": report["complete"],
            "remaining": report["remainingOnOlderVersions"],
            "secretVersions": report["secretVersions"],
        },
    )
