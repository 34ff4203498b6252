"""The subprocessor register and its changes (DPA 6.2).

Tenants get at least 14 days' notice of a change to the register and may object within the
window of their DPA (14 days by default) from learning of it; a change takes effect only once
its notice period has run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.accountability.incident_models import Label, Text

DataCategory = Literal[
    "behaviour", "technical", "contact", "conversation", "recording", "consent", "audit"
]
ChangeKind = Literal["add", "replace", "remove"]


class SubprocessorSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Label
    purpose: Text
    location: Label
    """Where it processes data (country or region)."""
    dataCategories: list[DataCategory] = Field(min_length=1, max_length=7)
    transferSafeguard: Text
    """The transfer basis, e.g. adequacy decision or standard contractual clauses."""


class Subprocessor(SubprocessorSpec):
    model_config = ConfigDict(extra="ignore")
    subprocessorId: str
    status: Literal["active", "removed"]
    activeSince: datetime
    removedAt: datetime | None = None
    changeId: str | None = None
    """The change that last shaped this entry (None: recorded with the register)."""


class SubprocessorPage(BaseModel):
    items: list[Subprocessor]


class SubprocessorChangeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ChangeKind
    subprocessorId: str | None = Field(default=None, max_length=64)
    """The entry replaced or removed."""
    subprocessor: SubprocessorSpec | None = None
    """The entry added, or what replaces the named one."""

    @model_validator(mode="after")
    def _shape(self) -> SubprocessorChangeCreate:
        if (self.subprocessorId is None) != (self.kind == "add"):
            raise ValueError("replace and remove name a subprocessorId; add does not")
        if (self.subprocessor is None) != (self.kind == "remove"):
            raise ValueError("add and replace carry the subprocessor; remove does not")
        return self


class Objection(BaseModel):
    tenantId: str
    at: datetime
    by: str
    reason: str


class ObjectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changeId: str = Field(min_length=1, max_length=64)
    reason: Text


class ObjectionRecorded(BaseModel):
    changeId: str
    tenantId: str
    at: datetime
    objectBy: datetime


class SubprocessorChange(BaseModel):
    model_config = ConfigDict(extra="ignore")
    changeId: str
    kind: ChangeKind
    subprocessorId: str | None = None
    subprocessor: SubprocessorSpec | None = None
    previous: SubprocessorSpec | None = None
    status: Literal["proposed", "active"]
    proposedAt: datetime
    proposedBy: str
    effectiveFrom: datetime
    objectionWindowDays: int
    """Under the default contract terms (14 days); each tenant's own window is its
    ``objectionWindowDays`` (its records of processing show the date that applies to it)."""
    objectionsCloseAt: datetime
    """For tenants on the default terms that existed when it was proposed; a newer tenant
    counts from onboarding."""
    tenantsNotified: int
    objections: list[Objection] = Field(default_factory=list)
    activatedAt: datetime | None = None
    activatedBy: str | None = None


class SubprocessorChangePage(BaseModel):
    items: list[SubprocessorChange]
