"""Records of processing (GDPR Art. 30(2)) of one tenant, generated from the live settings."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.accountability.subprocessor_models import Subprocessor


class CategoryRecord(BaseModel):
    category: str
    examples: str
    purposes: list[str]
    defaultDays: int | None = None
    """Absent when the category has no period in days (kept until the contract ends)."""
    overrideDays: int | None = None
    effectiveDays: int | None = None
    retention: str
    """The rule in words: the period, what starts it and what deletes the data."""


class HoldRecord(BaseModel):
    """A legal hold as the record shows it: its size, never its reason or subjects."""

    holdId: str
    scope: str
    subjects: int
    createdAt: datetime
    until: datetime | None = None


class PendingChange(BaseModel):
    changeId: str
    kind: str
    name: str
    effectiveFrom: datetime
    objectBy: datetime
    objected: bool


class ContractTerms(BaseModel):
    """The DPA terms the tenant signed that the system enforces."""

    dpaVersion: str | None = None
    objectionWindowDays: int
    """Days to object to a subprocessor change (the objection check uses it)."""


class DsarCounts(BaseModel):
    open: int
    overdue: int
    byType: dict[str, int]
    byStatus: dict[str, int]


class RecordsOfProcessing(BaseModel):
    tenantId: str
    tenantName: str
    region: str
    status: str
    contractEnd: datetime | None = None
    generatedAt: datetime
    controller: str
    processor: str
    purposes: list[str]
    categories: list[CategoryRecord]
    ipPolicy: str
    recordingEnabled: bool
    contractTerms: ContractTerms
    subprocessors: list[Subprocessor]
    pendingSubprocessorChanges: list[PendingChange]
    securityMeasures: list[str]
    legalHolds: list[HoldRecord]
    openDsar: DsarCounts
