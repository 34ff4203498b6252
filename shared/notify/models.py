"""Events, webhooks, deliveries and privacy contacts as the API shows them.

Nothing here imports another capability: tenancy's settings model uses ``PrivacyContact``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints


class EventType(StrEnum):
    """The events a tenant may subscribe to (API.md v1.1, Webhooks)."""

    DSAR_RECEIVED = "dsar.received"
    DSAR_AWAITING_APPROVAL = "dsar.awaiting_approval"
    DSAR_DEADLINE_APPROACHING = "dsar.deadline_approaching"
    DSAR_COMPLETED = "dsar.completed"
    DSAR_OVERDUE = "dsar.overdue"
    INCIDENT_NOTICE = "incident.notice"
    SUBPROCESSOR_CHANGE_PROPOSED = "subprocessor.change_proposed"
    OFFBOARDING_EXPORT_READY = "offboarding.export_ready"
    AUTHORITY_NOTICE = "authority.notice"
    """A public authority's request concerning the tenant's data may now be told (seed 001,
    DPA 9.5): ids and dates only; under a gag order nothing is sent until it lapses."""


class InternalEvent(StrEnum):
    """Operational mail, never a webhook: escalations to on-call and failed deliveries."""

    NOTICE_DUE = "incident.notice_due"
    """A breach notice still pending 12 h before its deadline (on-call)."""
    DELIVERY_FAILED = "webhook.delivery_failed"
    """A webhook delivery gave up after 24 h of retries (the tenant's contacts and on-call)."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"


Events = Annotated[list[EventType], Field(min_length=1, max_length=len(EventType))]
_ADDRESS = r"^[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;]+$"
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=_ADDRESS)]


class PrivacyContact(BaseModel):
    """A member of the controller's staff who is mailed the events listed (not a data subject;
    the address is still never logged or audited)."""

    model_config = ConfigDict(extra="forbid")
    email: Email
    events: Events


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(
        min_length=8,
        max_length=2048,
        description="https to a public address (the embedded host also accepts "
        "http://127.0.0.1 and http://localhost); checked after DNS resolution.",
    )
    events: Events


class WebhookCreated(BaseModel):
    webhookId: str
    secret: str
    """``whsec_`` + base64 of 32 random bytes: shown once, never again."""


class WebhookView(BaseModel):
    webhookId: str
    url: str
    events: list[EventType]
    createdAt: AwareDatetime
    secretRotatedAt: AwareDatetime | None = None
    previousSecretExpiresAt: AwareDatetime | None = None


class WebhookPage(BaseModel):
    items: list[WebhookView]


class SecretRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    overlapHours: int = Field(default=24, ge=0, le=168)
    """How long the previous secret keeps signing next to the new one (both signatures sent)."""


class SecretRotated(BaseModel):
    webhookId: str
    secret: str
    """Shown once, like at registration."""
    previousSecretExpiresAt: AwareDatetime


class DeliveryView(BaseModel):
    eventId: str
    """The ``webhook-id`` header of every attempt."""
    type: EventType
    status: DeliveryStatus
    attempts: int
    lastStatus: int | None = None
    """HTTP status of the last attempt (none: no answer within 10 s, or refused before sending)."""
    lastError: str | None = None
    """Why the last attempt failed without a status (``timeout``, ``refused_address`` …)."""
    createdAt: AwareDatetime
    lastAttemptAt: AwareDatetime | None = None
    nextAttemptAt: AwareDatetime | None = None
    deliveredAt: AwareDatetime | None = None


class DeliveryPage(BaseModel):
    items: list[DeliveryView]
