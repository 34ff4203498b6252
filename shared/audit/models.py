"""Answers about the audit trail and the quarantine (the OpenAPI document uses them too)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AuditEntry(BaseModel):
    id: str
    tenantId: str
    seq: int
    at: str
    actor: str
    action: str
    target: str
    outcome: str
    details: dict[str, Any]
    prevHash: str
    prevAt: str | None
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntry]
    continuation: str | None = None


class OutOfOrderEntry(BaseModel):
    id: str
    at: str
    prevAt: str


class AuditVerification(BaseModel):
    valid: bool
    entries: int
    firstBrokenAt: str | None = None
    outOfOrder: list[OutOfOrderEntry] = Field(
        default_factory=list,
        description="entries dated before the one they follow (the first 100): the clock that "
        "wrote them went back; the chain may still be valid",
    )


class QuarantinedDocument(BaseModel):
    """A stored control document that does not parse: ids and field paths, never a value."""

    container: str
    documentId: str
    ownerTenantId: str | None = None
    problems: list[str]
    firstSeenAt: str
    lastSeenAt: str


class QuarantinePage(BaseModel):
    items: list[QuarantinedDocument]
