"""Answers every part of the API shares: the problem body of errors, and health."""

from __future__ import annotations

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


class Health(BaseModel):
    status: str
    region: str
    backends: dict[str, str]
    quarantined: int = Field(
        default=0, description="stored documents that no longer parse (GET /api/v1/quarantine)"
    )
