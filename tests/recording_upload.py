"""A call recording as the telephony service sends it: multipart metadata and audio."""

from __future__ import annotations

import json
import os
from typing import Any

from tests.app_client import principal

BOUNDARY = "telephony-boundary-7f3a"


def telephony(tenant_id: str, oid: str = "oid-telephony") -> dict[str, str]:
    """The telephony service's own identity: an app role, no person (client credentials)."""
    return {"X-MS-CLIENT-PRINCIPAL": principal("Telephony.Ingest", tenants=(tenant_id,), oid=oid)}


def planted_audio(size: int = 600_000) -> bytes:
    """Audio nobody could guess: random bytes, so finding them anywhere means they leaked."""
    return os.urandom(size)


def metadata(visitor: str = "v-caller", **extra: Any) -> dict[str, Any]:
    return {
        "callId": "call-0042",
        "visitorId": visitor,
        "startedAt": "2026-11-02T08:30:00Z",
        "durationSeconds": 95,
    } | extra


def multipart(
    meta: dict[str, Any] | bytes | None,
    audio: bytes | None,
    media_type: str = "audio/mpeg",
    extra_parts: int = 0,
) -> tuple[bytes, dict[str, str]]:
    """The body and its Content-Type header."""
    parts: list[bytes] = []
    if meta is not None:
        raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
        parts.append(_part("metadata", "application/json", raw))
    if audio is not None:
        parts.append(_part("audio", media_type, audio, filename="call.mp3"))
    parts += [_part(f"extra{i}", "text/plain", b"x") for i in range(extra_parts)]
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def _part(name: str, media_type: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = (
        f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        f"Content-Type: {media_type}\r\n\r\n"
    )
    return head.encode() + data + b"\r\n"
