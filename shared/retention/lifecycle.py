"""Lifecycles of retention work: a tenant's offboarding phases and its re-stamp job."""

from __future__ import annotations

from enum import StrEnum

from shared.lifecycle import Lifecycle


class OffboardingPhase(StrEnum):
    SCHEDULED = "scheduled"
    EXPORT_AVAILABLE = "export_available"
    PURGING = "purging"
    PURGED = "purged"
    CLOSED = "closed"


OFFBOARDING = Lifecycle(
    "offboarding",
    OffboardingPhase.SCHEDULED,
    {
        OffboardingPhase.SCHEDULED: frozenset(
            {OffboardingPhase.EXPORT_AVAILABLE, OffboardingPhase.PURGING}
        ),
        OffboardingPhase.EXPORT_AVAILABLE: frozenset({OffboardingPhase.PURGING}),
        OffboardingPhase.PURGING: frozenset({OffboardingPhase.PURGED, OffboardingPhase.CLOSED}),
        OffboardingPhase.PURGED: frozenset({OffboardingPhase.CLOSED}),
        OffboardingPhase.CLOSED: frozenset(),
    },
)
"""Contract end builds the export; the 30-day window closes into the purge; consent proof goes
at contract end + 3 years (closed). With ``delete_now`` contract end goes straight to a purge
of everything, consent proof included, which closes the plan. A scheduled plan may be replaced
by a new one (new date or mode)."""


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"


RETENTION_JOB = Lifecycle(
    "retention job",
    JobStatus.PENDING,
    {
        JobStatus.PENDING: frozenset({JobStatus.RUNNING, JobStatus.COMPLETED}),
        JobStatus.RUNNING: frozenset({JobStatus.COMPLETED}),
        JobStatus.COMPLETED: frozenset(),
    },
)
"""A job may finish in its first bounded step; a new request replaces the job (a new one)."""
