"""How an admin names a data subject: by the identifiers the visitor gave (never stored in the
clear: they become blind-index digests)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class HoldIdentifiers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    visitorId: str | None = Field(default=None, min_length=1, max_length=128)
