"""Value types shared by the store, the engine and the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum

from infra.embedded_host.durable.history import Event

PENDING, RUNNING, COMPLETED, FAILED, TERMINATED = (
    "Pending", "Running", "Completed", "Failed", "Terminated")
TERMINAL = frozenset({COMPLETED, FAILED, TERMINATED})


class Outcome(Enum):
    ACCEPTED = "accepted"
    NOT_FOUND = "not_found"
    GONE = "gone"
    """The instance already completed, failed or was terminated."""


@dataclass(frozen=True)
class Instance:
    instance_id: str
    name: str
    status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created: datetime
    updated: datetime
    plan: str


@dataclass(frozen=True)
class Activity:
    work_id: int
    instance_id: str
    task_id: int
    name: str
    input: str | None


@dataclass
class EpisodeCommit:
    """Everything one episode changes, applied in one transaction."""

    instance_id: str
    message_id: int
    status: str
    plan: str
    events: list[Event] = field(default_factory=list)
    output: str | None = None
    custom_status: str | None = None
    activities: list[tuple[int, str, str | None]] = field(default_factory=list)
    timers: list[tuple[int, datetime]] = field(default_factory=list)
    cancelled_timers: list[int] = field(default_factory=list)
    finished: bool = False
    """Drop every pending work item (completed or failed)."""
    restart: Event | None = None
    """continue_as_new: the new ExecutionStarted; history is reset, queued events kept."""
