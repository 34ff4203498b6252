"""Contacts for staff: decrypted, masked unless the role needs the full identifier, each with
the consent given with it (seed 003: which lead consented to what shows in reports)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from shared.containers import SUBJECTS
from shared.crypto.envelope import DecryptionFailed
from shared.policies.masking import MASKING_STRATEGIES
from shared.ports.document_store import DocumentStore, Filter, NotFound, Query
from shared.subjects.keys import SubjectKeys


class LeadConsent(BaseModel):
    """The consent a contact form carried, and which of its purposes were withdrawn since."""

    consentId: str
    granted: bool
    purposes: list[str]
    textVersion: str
    recordedAt: str | None = None
    withdrawn: list[str] = Field(
        default_factory=list, description="purposes the visitor withdrew after this consent"
    )


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
    consent: LeadConsent | None = None
    """None only for a contact whose consent record is gone (its proof period ended)."""


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
    views = [v for v in (_view(store, subjects, doc, masks) for doc in page.items) if v]
    return ContactPage(items=views, continuation=page.continuation)


def _view(
    store: DocumentStore, subjects: SubjectKeys, doc: dict[str, Any], masks: dict[str, str]
) -> ContactView | None:
    subject = subjects.subject(doc["tenantId"], doc["subjectId"])
    if subject is None:
        return None  # key shredded: the contact is unreadable by design
    try:
        fields = subjects.cipher_for(subject).decrypt_fields(doc["id"], doc.get("enc", {}))
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
        consent=_consent(store, doc, subject),
        **fields,
    )


def _consent(
    store: DocumentStore, doc: dict[str, Any], subject: dict[str, Any]
) -> LeadConsent | None:
    """What the contact carries (read from its consent record for contacts stored before it
    did), with the purposes withdrawn since by a later choice on the subject."""
    given = doc.get("consent")
    if given is None:
        try:
            proof = store.read(SUBJECTS.name, (doc["tenantId"], doc["subjectId"]),
                               f"{doc['id']}-consent")
        except NotFound:
            return None
        purposes = proof.get("purposes", {})
        given = {"consentId": proof["id"], "granted": any(purposes.values()),
                 "purposes": sorted(purposes), "textVersion": proof.get("textVersion", "")}
    consent = LeadConsent.model_validate(given | {"recordedAt": doc["createdAt"]})
    now = subject.get("consents", {})
    consent.withdrawn = [
        p for p in consent.purposes
        if now.get(p, {}).get("granted") is False and now[p].get("at", "") >= doc["createdAt"]
    ]
    return consent
