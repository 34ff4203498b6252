"""Standard Webhooks signing (https://www.standardwebhooks.com), through its own library.

``webhook-signature`` is ``v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>``
where the key is the base64 part of the ``whsec_`` secret. While a rotated secret overlaps, the
header carries one signature per live secret, space-separated, newest first: receivers that
still hold the old secret keep verifying.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes (API.md v1.1)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, msg_id: str, timestamp: datetime, body: str) -> str:
    return Webhook(secret).sign(msg_id, timestamp, body)


def headers(
    secrets_: Sequence[str], msg_id: str, timestamp: datetime, body: str
) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_),
    }
