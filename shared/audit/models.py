"""Answers about the audit trail and the quarantine (the OpenAPI document uses them too)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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


class AuditVerification(BaseModel):
    valid: bool
    entries: int
    firstBrokenAt: str | None = None


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
