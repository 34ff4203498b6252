"""Tenant settings: what a customer configures; never the widget key itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

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
    status: Literal["active", "offboarding", "offboarded"] = "active"
    contractEnd: AwareDatetime | None = None
    createdAt: datetime
    updatedAt: datetime


class TenantCreated(BaseModel):
    tenantId: str
    region: str
    widgetKey: str
