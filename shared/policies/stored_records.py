"""Stored documents and the records they hold.

The events of one collect message share one document: one write per message instead of one per
event is what keeps ingest near 1 RU per event. They share category, session, createdAt and so TTL,
which is why grouping cannot blur retention. Everything that counts, exports or reports records
goes through here, so a grouped document counts and exports as its events.
"""

from __future__ import annotations

from typing import Any

from shared.crypto.envelope import DecryptionFailed, FieldCipher

EVENTS_TYPE = "events"
"""``type`` of the document holding the events of one collect message."""


def events_doc_id(request_id: str) -> str:
    """Derived from the message id: a redelivered message finds its document already there."""
    return f"ev-{request_id}"


def records(item: dict[str, Any]) -> list[dict[str, Any]]:
    """One record per event of a grouped document (its ``id`` is the event id, which is also the
    item id its fields are encrypted under); any other document is one record."""
    if item.get("type") != EVENTS_TYPE:
        return [item]
    shared = {k: v for k, v in item.items() if k != "events"}
    return [shared | {"type": "event"} | event for event in item.get("events", [])]


def record_count(item: dict[str, Any]) -> int:
    return len(item.get("events", [])) if item.get("type") == EVENTS_TYPE else 1


_STORAGE_ONLY = frozenset({"ttl", "_ts", "_etag", "enc", "dataKey", "tenantId"})


def opened(record: dict[str, Any], cipher: FieldCipher | None) -> dict[str, Any]:
    """A record as an export shows it: fields decrypted, storage internals dropped; a record
    whose key is gone or whose fields fail to open is marked ``unreadable``, never skipped."""
    shown = {k: v for k, v in record.items() if k not in _STORAGE_ONLY}
    if cipher is not None and record.get("enc"):
        try:
            shown.update(cipher.decrypt_fields(record["id"], record["enc"]))
        except DecryptionFailed:
            shown["unreadable"] = True
    return shown
