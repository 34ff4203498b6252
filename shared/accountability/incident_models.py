"""Personal-data breaches: what a platform admin reports, and the notice each tenant receives.

The DPA (section 9) promises notice within 48 hours with the date, duration and location, the
nature and scale, the categories and approximate numbers of subjects and records, the systems,
the measures taken and proposed, and a contact point. Nothing here holds a subject's value:
counts come from item metadata, and the free texts are the vendor's own account.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shared.timestamps import Timestamp

IncidentCategory = Literal[
    "behaviour", "technical", "contact", "conversation", "recording", "consent"
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
TenantId = Annotated[str, StringConstraints(pattern=r"^t-[a-z0-9]{1,40}$")]
UtcDatetime = Timestamp
"""Stored as UTC so ISO strings compare in time order (store filters compare strings)."""


class Measures(BaseModel):
    model_config = ConfigDict(extra="forbid")
    taken: list[Text] = Field(default_factory=list, max_length=50)
    proposed: list[Text] = Field(default_factory=list, max_length=50)


RemediationStatus = Literal["planned", "in_progress", "done"]


class RemediationIn(BaseModel):
    """A remediation action as sent: a new one (no ``id``), or a change to a tracked one."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, StringConstraints(pattern=r"^rem-[a-z0-9]{1,32}$")] | None = None
    action: Text
    status: RemediationStatus = "planned"


class Remediation(BaseModel):
    """A remediation action tracked to its end (seed 000, TOMs 11.2)."""

    id: str
    action: str
    status: RemediationStatus
    createdAt: datetime
    updatedAt: datetime
    doneAt: datetime | None = None


class BreachFacts(BaseModel):
    """What the DPAs add to the breach notice (seed 001, 9.2: categories of data subjects,
    known or suspected consequences, remediation; seed 000, TOMs 11.2: root cause analysis,
    remediation tracked and documented)."""

    model_config = ConfigDict(extra="forbid")
    subjectCategories: list[Label] = Field(default_factory=list, max_length=20)
    """Who is affected, e.g. "website visitors", "callback requesters"."""
    consequences: Text | None = None
    """Known or suspected consequences for the data subjects."""
    rootCause: Text | None = None
    """The root cause analysis, once known."""


class IncidentCreate(BreachFacts):
    model_config = ConfigDict(extra="forbid")
    detectedAt: UtcDatetime
    startedAt: UtcDatetime
    endedAt: UtcDatetime | None = None
    nature: Text
    systems: list[Label] = Field(min_length=1, max_length=50)
    categories: list[IncidentCategory] = Field(min_length=1, max_length=6)
    tenantIds: list[TenantId] | None = Field(default=None, min_length=1, max_length=1000)
    """The affected tenants; absent: every tenant of this stamp's region."""
    measures: Measures
    contact: Text
    """The vendor's contact point (DPO or security desk): who can say more about the breach."""
    remediation: list[RemediationIn] = Field(default_factory=list, max_length=50)


class IncidentPatch(BaseModel):
    """What an investigation refines; ``detectedAt`` is fixed (the 48 h clock runs from it)."""

    model_config = ConfigDict(extra="forbid")
    startedAt: UtcDatetime | None = None
    endedAt: UtcDatetime | None = None
    nature: Text | None = None
    systems: list[Label] | None = Field(default=None, min_length=1, max_length=50)
    categories: list[IncidentCategory] | None = Field(default=None, min_length=1, max_length=6)
    measures: Measures | None = None
    contact: Text | None = None
    subjectCategories: list[Label] | None = Field(default=None, max_length=20)
    consequences: Text | None = None
    rootCause: Text | None = None
    remediation: list[RemediationIn] | None = Field(default=None, max_length=50)
    """New actions (no id) are added; an action with an id moves to its new status (planned
    -> in_progress -> done); actions not named stay as they are (none is ever dropped)."""

    @model_validator(mode="after")
    def _no_nulls(self) -> IncidentPatch:
        """Only ``endedAt``, ``consequences`` and ``rootCause`` may be cleared."""
        cleared = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if set(cleared) - {"endedAt", "consequences", "rootCause"}:
            raise ValueError("only endedAt, consequences and rootCause may be null")
        return self


class NoticeStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"


class NoticeMove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["sent", "acknowledged"]


class CategoryExposure(BaseModel):
    records: int
    subjects: int


class Exposure(BaseModel):
    """Approximate scale in one tenant: items and distinct subjects created in the window."""

    records: int
    subjects: int
    byCategory: dict[str, CategoryExposure]
    windowStart: datetime
    windowEnd: datetime
    countedAt: datetime


class NoticeState(BaseModel):
    status: NoticeStatus
    createdAt: datetime
    notifyBy: datetime
    sentAt: datetime | None = None
    acknowledgedAt: datetime | None = None
    escalated: bool = False
    escalatedAt: datetime | None = None
    sentRevision: int | None = None
    outdated: bool = False
    """Sent before the incident's latest revision: the tenant should get the update."""


class AffectedTenant(BaseModel):
    tenantId: str
    region: str
    exposure: Exposure
    notice: NoticeState


class IncidentSummary(BaseModel):
    incidentId: str
    region: str
    detectedAt: datetime
    startedAt: datetime
    endedAt: datetime | None = None
    notifyBy: datetime
    categories: list[str]
    scope: Literal["listed", "region"]
    tenantCount: int
    revision: int
    reportedAt: datetime
    updatedAt: datetime


class IncidentView(IncidentSummary):
    nature: str
    systems: list[str]
    measures: Measures
    contact: str
    subjectCategories: list[str] = Field(default_factory=list)
    consequences: str | None = None
    rootCause: str | None = None
    remediation: list[Remediation] = Field(default_factory=list)
    reportedBy: str
    approximateSubjects: int
    approximateRecords: int
    noticesPending: int
    overdue: bool
    affectedTenants: list[AffectedTenant]


class IncidentPage(BaseModel):
    items: list[IncidentSummary]
    continuation: str | None = None


class IncidentCreated(BaseModel):
    incidentId: str
    notifyBy: datetime
    affectedTenants: int


class BreachNotice(BaseModel):
    """The notice one tenant receives (DPA 9.2): every required item, no personal data."""

    incidentId: str
    tenantId: str
    tenantName: str
    status: NoticeStatus
    notifyBy: datetime
    sentAt: datetime | None = None
    acknowledgedAt: datetime | None = None
    escalated: bool = False
    revision: int
    date: datetime
    """When the breach was detected."""
    startedAt: datetime
    endedAt: datetime | None = None
    ongoing: bool
    duration: str
    """ISO 8601 duration from start to end (or to now, while ongoing)."""
    location: str
    nature: str
    scale: CategoryExposure
    categories: list[str]
    approximateSubjects: dict[str, int]
    approximateRecords: dict[str, int]
    systems: list[str]
    measures: Measures
    contact: str
    subjectCategories: list[str] = Field(default_factory=list)
    """Categories of the data subjects affected (empty: still being established)."""
    consequences: str | None = None
    rootCause: str | None = None
    remediation: list[Remediation] = Field(default_factory=list)
    countedAt: datetime
    note: str


class AffectedSubjectsRequest(BaseModel):
    """The controller's instruction to identify the persons concerned (seed 001, 9.2.2)."""

    model_config = ConfigDict(extra="forbid")
    instruction: Text
    """Where the instruction came from (a ticket, a letter's reference): answered back,
    never written to the audit trail."""


class AffectedSubjects(BaseModel):
    """The specific data subjects of one tenant whose data the breach window covers: their
    pseudonymous subject ids only (the controller maps them with its contacts listing)."""

    incidentId: str
    tenantId: str
    instruction: str
    categories: list[str]
    windowStart: datetime
    windowEnd: datetime
    count: int
    subjectIds: list[str]
    generatedAt: datetime
