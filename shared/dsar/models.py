"""Data-subject requests: what admins send and see (the statuses' table: ``dsar.lifecycle``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from shared.dsar.workflow_models import Extension, Paused, PauseRecord, Verification
from shared.subjects.models import HoldIdentifiers


class DsarType(StrEnum):
    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    CONSENT_WITHDRAWAL = "consent_withdrawal"


class DsarStatus(StrEnum):
    RECEIVED = "received"
    AWAITING_APPROVAL = "awaiting_approval"
    RUNNING = "running"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"
    AWAITING_REQUESTER = "awaiting_requester"
    """Paused while the requester is asked for something (the deadline does not run)."""
    APPROVED = "approved"
    """An approved erasure in its tenant's waiting period (``runsAt``); it can be cancelled."""
    CANCELLED = "cancelled"


NEEDS_APPROVAL = frozenset({DsarType.ERASURE, DsarType.RECTIFICATION})
"""Types approved only after a verification, by a second person (widget requests too)."""
CHILD = "child"
"""The ``reason`` of an under-16 erasure notice (seed 002: deleted immediately)."""


class Rectification(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=200)
    message: str | None = Field(default=None, max_length=5000)


class DsarCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: DsarType
    identifiers: HoldIdentifiers
    requester: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=2000)
    changes: Rectification | None = None
    reason: str | None = Field(default=None, max_length=40, pattern=r"^[a-z_]+$")
    """Why, when it matters to the outcome: ``child`` for an under-16 erasure notice."""
    purposes: list[str] | None = Field(default=None, max_length=20)
    """consent_withdrawal: the purposes withdrawn (default: every purpose)."""

    @model_validator(mode="after")
    def _check(self) -> DsarCreate:
        ids = self.identifiers
        if not (ids.email or ids.phone or ids.visitorId):
            raise ValueError("at least one identifier (email, phone or visitorId) is required")
        if self.type == DsarType.RECTIFICATION and not self.changes:
            raise ValueError("a rectification needs changes")
        if self.reason == CHILD and self.type != DsarType.ERASURE:
            raise ValueError("reason 'child' is for an erasure (a child's data is deleted)")
        return self


class DsarDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    reason: str = Field(min_length=1, max_length=500)


class DsarExtension(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: int = Field(ge=1, le=60)
    reason: str = Field(min_length=1, max_length=500)


class DsarAccepted(BaseModel):
    requestId: str
    status: DsarStatus
    deadline: AwareDatetime
    statusUrl: str


class SubjectMatch(BaseModel):
    """One subject a request's identifiers found, and how: the operator checks these before
    approving (a shared email finds two visitors, shown as two matches, never merged)."""

    subjectRef: str = Field(description="The subject's pseudonymous id (as in audit entries).")
    matchedBy: list[Literal["email", "phone", "visitor"]] = Field(
        description="Which of the request's identifiers found this subject."
    )
    records: int = Field(description="Records the subject holds now (every category).")
    firstSeen: AwareDatetime | None = Field(
        default=None, description="When its oldest record still held was collected."
    )
    lastSeen: AwareDatetime | None = Field(
        default=None, description="When its newest record was collected."
    )
    excluded: bool = Field(
        default=False,
        description="An excluded match is left out of the request's work (``POST …/matches/"
        "{subjectRef}/exclusion`` before approval; every match is included until then).",
    )
    exclusionReason: str | None = None


class DsarView(BaseModel):
    requestId: str
    type: DsarType
    status: DsarStatus
    source: str
    receivedAt: AwareDatetime
    deadline: AwareDatetime
    overdue: bool
    escalated: bool = False
    progress: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] | None = None
    startedBy: str | None = None
    decidedBy: str | None = None
    decidedAt: AwareDatetime | None = None
    reason: str | None = Field(
        default=None, description="``child``: an under-16 erasure (72-hour deadline, first in "
        "the list, no waiting period)."
    )
    verified: bool = Field(
        default=False, description="The requester's identity was checked (``…/verification``)."
    )
    verification: Verification | None = None
    paused: Paused | None = Field(
        default=None, description="Set while the request waits for the requester."
    )
    pauses: list[PauseRecord] = Field(default_factory=list)
    extensions: list[Extension] = Field(default_factory=list)
    runsAt: AwareDatetime | None = Field(
        default=None, description="An approved erasure runs then (the tenant's waiting period)."
    )
    minimisedAt: AwareDatetime | None = Field(
        default=None,
        description="When the identifiers, requester details and notes were deleted "
        "(``dsrRecordDays`` after the request ended); the certificate and history remain.",
    )
    history: list[dict[str, Any]] = Field(default_factory=list)
    matches: list[SubjectMatch] | None = None
    """Set once the request is resolved (before any approval)."""
    matchesIncompleteFor: list[str] | None = None
    """Identifier kinds whose index entry held more subjects than it keeps (search by visitor
    id as well); absent when every match is listed."""


class DsarPage(BaseModel):
    items: list[DsarView]
    continuation: str | None = None
    """Pass back as ``?continuation=`` for the next page; absent on the last page."""
