"""Tenant settings: what a customer configures; never the widget key itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)

from shared.policies.minimisation import IpPolicy

Origin = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().rstrip("/").lower() if isinstance(v, str) else v),
    Field(max_length=255, pattern=r"^https?://[a-z0-9.\-]+(:\d{1,5})?$"),
]
"""A web origin (scheme, host, optional port), compared case-insensitively."""
Region = Annotated[
    str,
    BeforeValidator(lambda v: v.strip().lower() if isinstance(v, str) else v),
    Field(min_length=2, max_length=32, pattern=r"^[a-z0-9\-]+$"),
]
RetentionDays = dict[
    Literal["behaviour", "technical", "contact", "conversation", "consent", "audit"], int
]
QueryParam = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    perSecond: float = Field(gt=0, le=100_000)
    burst: int = Field(ge=1, le=1_000_000)


class SupportSees(BaseModel):
    """What Support.Agent sees in clear in a tenant's contacts. Email and phone are always
    masked for it; name and free-text message are masked too unless the tenant opts in."""

    model_config = ConfigDict(extra="forbid")
    name: StrictBool = Field(default=False, description="Show the contact's name in clear.")
    message: StrictBool = Field(default=False, description="Show the contact's message in clear.")


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    region: Region
    allowedOrigins: list[Origin] = Field(max_length=100)
    retention: RetentionDays = Field(default_factory=dict)
    recordingEnabled: bool = False
    ipPolicy: IpPolicy = "truncate"
    defaultCountry: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    queryAllowlist: list[QueryParam] = Field(default_factory=list, max_length=50)
    rateLimit: RateLimit | None = None
    supportSees: SupportSees = Field(default_factory=SupportSees)


class TenantPatch(BaseModel):
    """Every field optional; the region cannot change (data never moves between regions)."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    allowedOrigins: list[Origin] | None = Field(default=None, max_length=100)
    retention: RetentionDays | None = None
    recordingEnabled: bool | None = None
    ipPolicy: IpPolicy | None = None
    defaultCountry: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    queryAllowlist: list[QueryParam] | None = Field(default=None, max_length=50)
    rateLimit: RateLimit | None = None
    supportSees: SupportSees | None = None

    @field_validator("supportSees", mode="after")
    @classmethod
    def _not_null(cls, value: SupportSees | None) -> SupportSees:
        """Sent as null it would erase the setting the tenant document needs: a 400."""
        if value is None:
            raise ValueError("supportSees cannot be null; send {} for the defaults")
        return value


class HoldIdentifiers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    visitorId: str | None = Field(default=None, min_length=1, max_length=128)


class LegalHoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Literal["tenant", "subject"]
    identifiers: HoldIdentifiers | None = None
    reason: str = Field(min_length=1, max_length=500)
    until: AwareDatetime | None = None


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


class OffboardingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contractEnd: AwareDatetime


class Offboarding(BaseModel):
    phase: Literal["scheduled", "export_available", "purging", "purged", "closed"]
    contractEnd: AwareDatetime
    exportAvailableUntil: AwareDatetime
    consentPurgeAt: AwareDatetime
    export: dict[str, object] | None = None
    continuation: str | None = None
    certificate: dict[str, object] | None = None


class Tenant(BaseModel):
    """A tenant's settings as stored in the directory and shown to admins."""

    tenantId: str
    name: str
    region: str
    allowedOrigins: list[str]
    retention: dict[str, int]
    effectiveRetention: dict[str, int | None] = Field(default_factory=dict)
    recordingEnabled: bool
    ipPolicy: IpPolicy
    defaultCountry: str | None = None
    queryAllowlist: list[str] = Field(default_factory=list)
    rateLimit: RateLimit | None = None
    supportSees: SupportSees = Field(default_factory=SupportSees)
    status: Literal["active", "offboarding", "offboarded"] = "active"
    contractEnd: AwareDatetime | None = None
    legalHolds: list[LegalHold] = Field(default_factory=list)
    retentionJob: RetentionJob | None = None
    offboarding: Offboarding | None = None
    createdAt: datetime
    updatedAt: datetime


class TenantCreated(BaseModel):
    tenantId: str
    region: str
    widgetKey: str
