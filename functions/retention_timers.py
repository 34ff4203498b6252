"""Retention timers: re-stamp jobs, backstop sweeps, housekeeping and offboarding phases.

Each run is bounded (``PRIVACY_SWEEP_MAX_ITEMS`` / ``_SECONDS``), resumes from its saved
position, and audits what it deleted. Run one now with ``POST /admin/functions/{name}``.
"""

from __future__ import annotations

import logging

import azure.functions as func

from functions._http import services

bp = func.Blueprint()
log = logging.getLogger("functions.retention")


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_RETENTION_JOB_CRON%")
def run_retention_jobs(timer: func.TimerRequest) -> None:
    reports = services().retention_jobs.run(services().budget())
    log.info("retention jobs advanced", extra={"jobs": len(reports)})


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_SWEEP_CRON%")
def sweep_expired_items(timer: func.TimerRequest) -> None:
    released = services().sweeps.release_lapsed_holds()
    report = services().sweeps.sweep_expired(services().budget())
    recordings = services().sweeps.sweep_recordings()
    log.info(
        "expired items swept",
        extra={
            "complete": report["complete"],
            "tenants": len(report["deleted"]),
            "holdsReleased": released,
            "recordingTenants": len(recordings),
        },
    )


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_HOUSEKEEPING_CRON%")
def sweep_audit_and_dead_letters(timer: func.TimerRequest) -> None:
    report = services().sweeps.sweep_audit(services().budget())
    dead = services().sweeps.sweep_dead_letters()
    log.info("housekeeping done", extra={"complete": report["complete"], "deadLetters": dead})


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_OFFBOARDING_CRON%")
def advance_offboarding(timer: func.TimerRequest) -> None:
    reports = services().offboarding.advance(services().budget())
    log.info("offboarding advanced", extra={"transitions": len(reports)})
