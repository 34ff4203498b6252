"""Retention state kept on a tenant: legal holds, the re-stamp job and the offboarding plan."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.subjects.models import HoldIdentifiers
from shared.timestamps import Timestamp


class LegalHoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Literal["tenant", "subject"]
    identifiers: HoldIdentifiers | None = None
    reason: str = Field(min_length=1, max_length=500)
    until: Timestamp | None = None


class LegalHold(BaseModel):
    """Pauses deletion: held items carry ``ttl = -1`` and sweeps and erasure skip them."""

    holdId: str
    scope: Literal["tenant", "subject"]
    subjectIds: list[str] = Field(default_factory=list)
    identifierDigests: dict[str, str] = Field(default_factory=dict)
    """Blind-index digests of the identifiers named: a subject found by them later (its
    contact arrives after the hold) joins the hold."""
    reason: str
    until: AwareDatetime | None = None
    createdAt: AwareDatetime
    createdBy: str


class LegalHoldCreated(BaseModel):
    holdId: str
    subjectCount: int


class RetentionJob(BaseModel):
    """Re-stamps existing items after a policy or hold change, in bounded resumable steps."""

    jobId: str
    status: Literal["pending", "running", "completed"]
    reasons: list[str]
    subjectIds: list[str] | None = None
    """None: the whole tenant."""
    continuation: str | None = None
    processed: int = 0
    """Documents examined (the unit of work); restamped and deleted count records."""
    restamped: int = 0
    deleted: int = 0
    requestedAt: AwareDatetime
    updatedAt: AwareDatetime
    completedAt: AwareDatetime | None = None


OffboardingMode = Literal["export_then_delete", "delete_now"]
"""Return or delete, as the customer chooses (seed 000 DPA 11.1.2, seed 002 6.1): the export
window first, or deletion at contract end with no export."""


class OffboardingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contractEnd: Timestamp
    mode: OffboardingMode = "export_then_delete"


class Offboarding(BaseModel):
    phase: Literal["scheduled", "export_available", "purging", "purged", "closed"]
    mode: OffboardingMode = "export_then_delete"
    contractEnd: AwareDatetime
    exportAvailableUntil: AwareDatetime
    consentPurgeAt: AwareDatetime
    export: dict[str, object] | None = None
    continuation: str | None = None
    certificate: dict[str, object] | None = None
