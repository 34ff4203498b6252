"""The steps around a request as a privacy team runs them: what admins send and what they see.

Identity verification, excluding a wrong match, pausing for the requester, cancelling in the
waiting period, lifting a restriction, retrying a failed request (API.md v1.1 and issue 13).
Free-text notes are sealed with the request's identifiers and deleted with them; reasons are
kept with the record (they are what the requester is told), so they must not carry personal
data, and no free text ever reaches the audit trail.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class VerificationMethod(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    DOCUMENT = "document"
    ACCOUNT = "account"
    OTHER = "other"


class DsarVerify(BaseModel):
    """``POST …/verification``: how the requester's identity was checked."""

    model_config = ConfigDict(extra="forbid")
    method: VerificationMethod
    note: str | None = Field(
        default=None,
        max_length=2000,
        description="Free text, sealed with the request (never in the audit trail); deleted "
        "with the identifiers when the record is minimised.",
    )


class MatchExclusion(BaseModel):
    """``POST …/matches/{matchRef}/exclusion``: leave one matched subject out of the work."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class PauseReason(StrEnum):
    IDENTITY_DOCUMENTS = "identity_documents"
    CLARIFICATION = "clarification"
    OTHER = "other"


class DsarPause(BaseModel):
    """``POST …/pause``: wait for the requester; the deadline stops until ``…/resume``."""

    model_config = ConfigDict(extra="forbid")
    reason: PauseReason
    note: str | None = Field(
        default=None, max_length=2000, description="Free text, sealed with the request."
    )


class ReasonGiven(BaseModel):
    """A step that needs a reason (cancelling an erasure, lifting a restriction)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


class Verification(BaseModel):
    method: VerificationMethod
    at: AwareDatetime
    by: str = Field(description="The verifier's actor id (object id).")


class Paused(BaseModel):
    reason: PauseReason
    since: AwareDatetime


class PauseRecord(BaseModel):
    reason: PauseReason
    since: AwareDatetime
    until: AwareDatetime
    days: float = Field(description="How far the deadline moved (days, with fractions).")


class Extension(BaseModel):
    at: AwareDatetime
    by: str
    days: int
    reason: str = Field(description="The reason given to the requester (GDPR 12(3)).")
