"""What travels on the ingest queue: the validated widget payload in an encrypted envelope.

The HTTP function seals the envelope with the region's transit key, so the queue (and its
dead-letter store) never holds a plaintext email, phone, IP or message.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel

IngestKind = Literal["collect", "contact", "consent", "message", "privacy_request"]


class IngestEnvelope(BaseModel):
    kind: IngestKind
    tenantId: str
    subjectId: str | None
    requestId: str
    receivedAt: AwareDatetime
    clientIp: str | None = None
    conversationId: str | None = None
    payload: dict[str, Any]
