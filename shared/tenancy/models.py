"""Tenant settings: what a customer configures; never the widget key itself."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from shared.notify.models import PrivacyContact
from shared.policies.minimisation import IpPolicy
from shared.retention.models import LegalHold, Offboarding, RetentionJob

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
    Literal[
        "behaviour", "technical", "contact", "conversation", "recording", "consent", "audit"
    ],
    int,
]
DEFAULT_OBJECTION_WINDOW_DAYS = 14
"""The current DPA (seed 001, 6.3): 14 days to object to a new subprocessor; the older
appendix D (seed 000, 6.2) said 7. A tenant's contract says which it signed."""
ObjectionWindowDays = Annotated[int, Field(ge=1, le=90)]
DpaVersion = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\- ]+$")]
QueryParam = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
DSR_RECORD_DAYS = 90
ErasureWaitingDays = Annotated[int, Field(ge=0, le=14, description=(
    "Days an approved erasure waits before it runs, cancellable meanwhile (a child's erasure "
    "never waits)."))]
DsrRecordDays = Annotated[int, Field(ge=1, description=(
    "Days after a privacy request ends before its identifiers, requester details and notes "
    "are deleted (the certificate stays); at most PRIVACY_DSR_RECORD_DAYS_CEILING."))]


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
    region: Region = "eu"
    """EU by default (seed 000, DPA 7.1; seed 004): another region only when asked for."""
    allowedOrigins: list[Origin] = Field(max_length=100)
    retention: RetentionDays = Field(default_factory=dict)
    recordingEnabled: bool = False
    ipPolicy: IpPolicy = "truncate"
    defaultCountry: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    queryAllowlist: list[QueryParam] = Field(default_factory=list, max_length=50)
    rateLimit: RateLimit | None = None
    supportSees: SupportSees = Field(default_factory=SupportSees)
    erasureWaitingDays: ErasureWaitingDays = 0
    dsrRecordDays: DsrRecordDays = DSR_RECORD_DAYS
    privacyContacts: list[PrivacyContact] = Field(
        default_factory=list,
        max_length=20,
        description="The controller's staff mailed on the events each lists (webhooks aside); "
        "they also hear of webhook deliveries that failed for 24 hours.",
    )
    dpaVersion: DpaVersion | None = None
    """The data-processing agreement the customer signed (a label, e.g. "2026-01")."""
    objectionWindowDays: ObjectionWindowDays = DEFAULT_OBJECTION_WINDOW_DAYS
    """Days the customer has to object to a subprocessor change, per its DPA."""


def _no_default(schema: dict[str, Any]) -> None:
    """Optional but never null: the schema shows the type alone (no ``default: null``)."""
    schema.pop("default", None)


RESET_BY_NULL: dict[str, Any] = {"retention": {}, "queryAllowlist": [], "rateLimit": None,
                                 "defaultCountry": None, "privacyContacts": [], "dpaVersion": None,
                                 "objectionWindowDays": DEFAULT_OBJECTION_WINDOW_DAYS}
"""Fields a PATCH may set to null: back to their default (no overrides, none, operator's)."""


class TenantPatch(BaseModel):
    """Every field optional; the region cannot change (data never moves between regions).

    ``null`` resets ``retention``, ``queryAllowlist``, ``rateLimit``, ``defaultCountry`` and the
    contract terms to their defaults; the other fields have no "unset" state, so null is a 400
    for them. The contract terms (``dpaVersion``, ``objectionWindowDays``) are the vendor's:
    only a Platform.Admin changes them."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    allowedOrigins: Annotated[list[Origin], Field(max_length=100)] | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    retention: RetentionDays | None = None
    recordingEnabled: bool | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    ipPolicy: IpPolicy | SkipJsonSchema[None] = Field(default=None, json_schema_extra=_no_default)
    defaultCountry: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    queryAllowlist: Annotated[list[QueryParam], Field(max_length=50)] | None = None
    rateLimit: RateLimit | None = None
    supportSees: SupportSees | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    erasureWaitingDays: ErasureWaitingDays | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    dsrRecordDays: DsrRecordDays | SkipJsonSchema[None] = Field(
        default=None, json_schema_extra=_no_default
    )
    privacyContacts: Annotated[list[PrivacyContact], Field(max_length=20)] | None = None
    dpaVersion: DpaVersion | None = None
    objectionWindowDays: ObjectionWindowDays | None = None

    @field_validator(
        "name", "allowedOrigins", "recordingEnabled", "ipPolicy", "supportSees",
        "erasureWaitingDays", "dsrRecordDays",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields to set, as stored (a null that resets becomes its default)."""
        sent = self.model_dump(mode="json", exclude_unset=True)
        return {k: RESET_BY_NULL[k] if v is None else v for k, v in sent.items()}


class WidgetKeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overlapHours: int = Field(default=24, ge=0, le=168)
    """How long the current key keeps working next to the new one (pages still serve it)."""


class WidgetKeyRotated(BaseModel):
    tenantId: str
    widgetKey: str
    """Shown once, like at creation."""
    previousKeyExpiresAt: AwareDatetime


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
    erasureWaitingDays: int = 0
    dsrRecordDays: int = DSR_RECORD_DAYS
    privacyContacts: list[PrivacyContact] = Field(default_factory=list)
    dpaVersion: str | None = None
    objectionWindowDays: int = DEFAULT_OBJECTION_WINDOW_DAYS
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
