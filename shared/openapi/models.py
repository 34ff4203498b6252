"""Answers every part of the API shares: the problem body of errors, health and readiness."""

from __future__ import annotations

from typing import Literal

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


class BackendCheck(BaseModel):
    status: Literal["up", "down"]
    backend: str = Field(description="the adapter in use (sqlite, cosmos, servicebus, ...)")
    latencyMs: float = Field(description="how long the probe took (or waited, when down)")
    error: str | None = Field(
        default=None, description="why it is down: an exception type or 'timeout', never detail"
    )


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(
        description="degraded (answered 503) when a backend's probe fails"
    )
    region: str
    backends: dict[str, str]
    checks: dict[str, BackendCheck] = Field(
        default_factory=dict,
        description="each backend's cheap probe: store, directory, bus, keys, blobs",
    )
    quarantined: int = Field(
        default=0, description="stored documents that no longer parse (GET /api/v1/quarantine)"
    )


class QueueView(BaseModel):
    name: str
    depth: int = Field(description="messages not yet completed, locked ones included")
    deadLetters: int
    oldestMessageAgeSeconds: float | None = Field(
        default=None,
        description="age of the oldest unprocessed message (processing lag); absent when empty",
    )


class Readiness(Health):
    """Health plus what operators watch: the ingest queue and the deadlines that page them."""

    queue: QueueView
    dsarOpen: int
    dsarOverdue: int
    noticesDueSoon: int = Field(description="breach notices pending with notifyBy < 12 h away")
    keyVersions: dict[str, int] = Field(description="readable versions per key")
