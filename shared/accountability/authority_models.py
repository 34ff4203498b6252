"""Requests of public authorities for customer data (seed 001, DPA 9.5: "Where legally
permitted, TrueEngage will use commercially reasonable efforts to notify Customer of
governmental, regulatory, judicial, or law enforcement requests seeking access to Customer
Data"; seed 000 10.3, seed 004 VI). The register keeps each request, its legal basis, the
tenants and data categories it concerns, whether a gag order forbids telling them (and until
when), and the answer given. Nothing in it names a data subject.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from shared.accountability.incident_models import IncidentCategory, Label, TenantId, Text
from shared.lifecycle import Lifecycle
from shared.timestamps import Timestamp

Outcome = Literal["disclosed", "partially_disclosed", "refused", "challenged"]


class Gag(BaseModel):
    """A legally binding confidentiality obligation: while it runs, tenants are not told."""

    model_config = ConfigDict(extra="forbid")
    ordered: StrictBool
    until: Timestamp | None = None
    """When the order lapses; none with an order: until it is lifted (a PATCH)."""

    @model_validator(mode="after")
    def _until_needs_an_order(self) -> Gag:
        if self.until is not None and not self.ordered:
            raise ValueError("until is given only with a gag order")
        return self


class AuthorityResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Outcome
    note: Text
    """What was given or why not (the vendor's account; shown to the tenants once allowed)."""


class AuthorityRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    authority: Label
    legalBasis: Text
    receivedAt: Timestamp
    tenantIds: list[TenantId] = Field(min_length=1, max_length=1000)
    categories: list[IncidentCategory] = Field(min_length=1, max_length=6)
    gag: Gag = Field(default_factory=lambda: Gag(ordered=False))
    response: AuthorityResponse | None = None


class AuthorityRequestPatch(BaseModel):
    """A gag lifted, extended or newly ordered; the answer given."""

    model_config = ConfigDict(extra="forbid")
    gag: Gag | None = None
    response: AuthorityResponse | None = None

    @model_validator(mode="after")
    def _something(self) -> AuthorityRequestPatch:
        if self.gag is None and self.response is None:
            raise ValueError("send gag, response or both")
        return self


class AuthorityStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"


AUTHORITY_REQUEST = Lifecycle(
    "authority request",
    AuthorityStatus.OPEN,
    {
        AuthorityStatus.OPEN: frozenset({AuthorityStatus.ANSWERED}),
        AuthorityStatus.ANSWERED: frozenset(),
    },
)
"""Open until the vendor answers; the answer is recorded once."""


class TenantNotice(BaseModel):
    tenantId: str
    releasedAt: datetime | None = None
    """When the tenant's notice became visible (None: not yet allowed)."""


class AuthorityRequest(BaseModel):
    requestId: str
    region: str
    authority: str
    legalBasis: str
    receivedAt: datetime
    tenantIds: list[str]
    categories: list[str]
    gag: Gag
    status: AuthorityStatus
    response: AuthorityResponse | None = None
    respondedAt: datetime | None = None
    notices: list[TenantNotice]
    recordedAt: datetime
    recordedBy: str
    updatedAt: datetime


class AuthorityRequestPage(BaseModel):
    items: list[AuthorityRequest]


class AuthorityNotice(BaseModel):
    """What a tenant is told, once no gag forbids it."""

    requestId: str
    authority: str
    legalBasis: str
    receivedAt: datetime
    categories: list[str]
    status: AuthorityStatus
    response: AuthorityResponse | None = None
    respondedAt: datetime | None = None
    releasedAt: datetime
    gagged: bool
    """A gag order was in force (the notice waited for it to lapse or be lifted)."""


class AuthorityNoticePage(BaseModel):
    items: list[AuthorityNotice]
