"""Data-subject requests: what admins send and see (the statuses' table: ``dsar.lifecycle``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

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


NEEDS_APPROVAL = frozenset({DsarType.ERASURE, DsarType.RECTIFICATION})


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
        description="An excluded match is left out of the request's work (set by the "
        "verification step; every match is included until then).",
    )


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
