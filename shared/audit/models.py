"""Response shapes of admin and meta endpoints, for the OpenAPI document and the answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """RFC 9457 problem details; never echoes a submitted personal value."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = Field(
        default=None, description="validation errors as {path, message}"
    )


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


class Health(BaseModel):
    status: str
    region: str
    backends: dict[str, str]
    quarantined: int = Field(
        default=0, description="stored documents that no longer parse (GET /api/v1/quarantine)"
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
