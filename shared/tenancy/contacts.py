"""Contacts for staff: decrypted, and masked unless the role needs the full identifier."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shared.containers import SUBJECTS
from shared.crypto.envelope import DecryptionFailed
from shared.policies.masking import MASKING_STRATEGIES
from shared.ports.document_store import DocumentStore, Filter, Query
from shared.subjects.keys import SubjectKeys


class ContactView(BaseModel):
    contactId: str
    subjectId: str
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    message: str | None = None
    callbackRequested: bool = False
    createdAt: str
    masked: bool


class ContactPage(BaseModel):
    items: list[ContactView]
    continuation: str | None = None


def list_contacts(
    store: DocumentStore,
    subjects: SubjectKeys,
    tenant_id: str,
    masks: dict[str, str],
    limit: int = 50,
    continuation: str | None = None,
) -> ContactPage:
    """``masks`` (field -> strategy, from ``contact_masks``) says what the reader may not see."""
    query = Query(filters=[Filter("type", "=", "contact")], order_by="createdAt", descending=True)
    page = store.query(SUBJECTS.name, (tenant_id,), query, limit, continuation)
    views = [v for v in (_view(subjects, doc, masks) for doc in page.items) if v]
    return ContactPage(items=views, continuation=page.continuation)


def _view(subjects: SubjectKeys, doc: dict[str, Any], masks: dict[str, str]) -> ContactView | None:
    cipher = subjects.cipher(doc["tenantId"], doc["subjectId"])
    if cipher is None:
        return None  # key shredded: the contact is unreadable by design
    try:
        fields = cipher.decrypt_fields(doc["id"], doc.get("enc", {}))
    except DecryptionFailed:
        return None
    for name, strategy in masks.items():
        if fields.get(name):
            fields[name] = MASKING_STRATEGIES[strategy](fields[name])
    return ContactView(
        contactId=doc["id"],
        subjectId=doc["subjectId"],
        callbackRequested=doc.get("callbackRequested", False),
        createdAt=doc["createdAt"],
        masked=bool(masks),
        **fields,
    )
