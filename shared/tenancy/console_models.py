"""Answers of the endpoints the console needs beyond v1: its principal and the tenant list."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class Grant(BaseModel):
    role: str
    tenant: str
    """A tenant id, or ``*`` for every tenant."""


class Me(BaseModel):
    """The signed-in principal as the API sees it: a pseudonymous actor id and its grants."""

    actor: str
    grants: list[Grant]
    name: str | None = None
    """The display name the platform signed in (``X-MS-CLIENT-PRINCIPAL-NAME``): the console
    greets the person with it where ``/.auth/me`` is not available (no token store)."""


class TenantSummary(BaseModel):
    """What a tenant list shows: no settings, never the key."""

    tenantId: str
    name: str
    region: str
    status: Literal["active", "offboarding", "offboarded"] = "active"
    createdAt: datetime


class TenantSummaryPage(BaseModel):
    items: list[TenantSummary]
    continuation: str | None = None


class CategoryLimits(BaseModel):
    category: str
    defaultDays: int | None = None
    """Absent: kept until the contract ends (contact) or for proof after it (consent)."""
    ceilingDays: int
    """The longest period a tenant may set (the operator's ``PRIVACY_RETENTION_CEILINGS``)."""
    minimumDays: int


class RetentionLimits(BaseModel):
    categories: list[CategoryLimits]
