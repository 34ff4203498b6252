"""Blind index: keyed hashes of normalised identifiers, so look-ups never touch plaintext.

The tenant id is part of the MAC input: the same email under two tenants gives unrelated
hashes, so index entries cannot be joined across customers.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

IdentifierKind = Literal["email", "phone", "visitor", "ip"]


def blind_index(key: bytes, tenant_id: str, kind: IdentifierKind, normalised: str) -> str:
    message = "\x1f".join((tenant_id, kind, normalised)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def index_id(kind: IdentifierKind, digest: str) -> str:
    return f"{kind}:{digest}"


def subject_id_for_visitor(key: bytes, tenant_id: str, visitor_id: str) -> str:
    """A stable pseudonymous subject id for a visitor id (no look-up needed on the hot path)."""
    digest = hmac.new(key, f"subject\x1f{tenant_id}\x1f{visitor_id}".encode(), hashlib.sha256)
    return "s-" + digest.hexdigest()[:32]


def visitor_secret_hash(key: bytes, tenant_id: str, subject_id: str, secret: str) -> str:
    """The keyed hash kept for a visitor's secret: the secret itself is never stored, and the
    hash is bound to one tenant and subject, so it cannot be replayed for another visitor."""
    message = "\x1f".join(("visitor-secret", tenant_id, subject_id, secret)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
