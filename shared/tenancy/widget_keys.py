"""Widget keys: issued once, stored as SHA-256 digests, rotated with an overlap.

A key is a public credential embedded in customers' pages, so rotating it must not break the
pages still serving the old one: the old key keeps working for an overlap the admin chooses
(0 to 168 hours), then its link is refused and removed. Only digests are stored, and no key is
ever logged or audited.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from datetime import datetime
from typing import Any

from shared.concurrency import update_item
from shared.containers import WIDGET_KEYS
from shared.ports.document_store import DocumentStore
from shared.ports.document_store import NotFound as ItemNotFound


def key_hash(widget_key: str) -> str:
    return hashlib.sha256(widget_key.encode()).hexdigest()


def new_key(region: str) -> str:
    return f"wk_{region}_{secrets.token_urlsafe(24)}"


WHAT = "a widget key link"


class WidgetKeyLinks:
    """``digest -> tenant`` links, each with an optional ``expiresAt`` once retired."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def link(self, digest: str, tenant_id: str) -> None:
        self._store.create(
            WIDGET_KEYS.name, {"id": digest, "keyHash": digest, "tenantId": tenant_id}
        )

    def tenant_of(self, digest: str, now: datetime) -> tuple[str | None, datetime | None]:
        """The tenant a key digest names and when the key stops working (None: no end)."""
        try:
            found = self._store.read(WIDGET_KEYS.name, (digest,), digest)
        except ItemNotFound:
            return None, None
        expires = _expiry(found)
        if expires is not None and now >= expires:
            self._drop(digest)
            return None, None
        return str(found["tenantId"]), expires

    def retire(self, digests: list[str], until: datetime) -> datetime:
        """Old keys work until ``until`` at the latest (an earlier end is kept)."""

        def sooner(link: dict[str, Any]) -> dict[str, Any]:
            current = _expiry(link)
            return {"expiresAt": until.isoformat()} if current is None or until < current else {}

        for digest in digests:
            with contextlib.suppress(ItemNotFound):  # already removed: nothing to retire
                update_item(self._store, WIDGET_KEYS.name, (digest,), digest, sooner, what=WHAT)
        return until

    def _drop(self, digest: str) -> None:
        with contextlib.suppress(ItemNotFound):  # another instance removed it first
            self._store.delete(WIDGET_KEYS.name, (digest,), digest)


def _expiry(link: dict[str, Any]) -> datetime | None:
    raw = link.get("expiresAt")
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None
