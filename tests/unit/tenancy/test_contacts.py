"""Contacts for staff: decrypted, masked as the reader's role requires, and a contact whose
subject was erased (its key shredded) is simply not there."""

from __future__ import annotations

import pytest

from shared.adapters.file_keys import FileKeyProvider
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import SUBJECTS
from shared.policies.masking import contact_masks
from shared.subjects.keys import SUBJECT_DOC_ID, SubjectKeys
from shared.tenancy.contacts import list_contacts
from shared.tenancy.models import SupportSees
from tests.fakes import FakeClock


@pytest.fixture
def subjects(
    region_store: SqliteDocumentStore, keys: FileKeyProvider, clock: FakeClock
) -> SubjectKeys:
    return SubjectKeys(region_store, keys, clock)


def plant(store: SqliteDocumentStore, subjects: SubjectKeys, subject_id: str, at: str) -> None:
    cipher, _, _ = subjects.cipher_or_create("t-1", subject_id)
    contact_id = f"c-{subject_id}"
    fields = {"email": "jean.dupont@example.com", "phone": "+33612345678", "name": "Jean"}
    store.create(
        SUBJECTS.name,
        {
            "id": contact_id,
            "tenantId": "t-1",
            "subjectId": subject_id,
            "type": "contact",
            "category": "contact",
            "createdAt": at,
            "callbackRequested": True,
            "enc": cipher.encrypt_fields(contact_id, fields),
        },
    )


def test_a_privacy_admin_reads_contacts_in_full_newest_first(
    region_store: SqliteDocumentStore, subjects: SubjectKeys
) -> None:
    plant(region_store, subjects, "s-1", "2026-11-01T09:00:00+00:00")
    plant(region_store, subjects, "s-2", "2026-11-02T09:00:00+00:00")
    page = list_contacts(region_store, subjects, "t-1", contact_masks(True, SupportSees()))
    assert [c.subjectId for c in page.items] == ["s-2", "s-1"]
    assert page.items[0].email == "jean.dupont@example.com" and not page.items[0].masked


def test_support_sees_masked_identifiers_and_no_name_unless_the_tenant_opts_in(
    region_store: SqliteDocumentStore, subjects: SubjectKeys
) -> None:
    plant(region_store, subjects, "s-1", "2026-11-01T09:00:00+00:00")
    [masked] = list_contacts(
        region_store, subjects, "t-1", contact_masks(False, SupportSees())
    ).items
    assert masked.masked and "jean.dupont" not in (masked.email or "") and masked.name != "Jean"
    [named] = list_contacts(
        region_store, subjects, "t-1", contact_masks(False, SupportSees(name=True))
    ).items
    assert named.name == "Jean" and "jean.dupont" not in (named.email or "")


def test_a_contact_whose_key_was_shredded_is_not_listed(
    region_store: SqliteDocumentStore, subjects: SubjectKeys
) -> None:
    plant(region_store, subjects, "s-1", "2026-11-01T09:00:00+00:00")
    plant(region_store, subjects, "s-2", "2026-11-02T09:00:00+00:00")
    region_store.delete(SUBJECTS.name, ("t-1", "s-2"), SUBJECT_DOC_ID)  # erasure's last step
    page = list_contacts(region_store, subjects, "t-1", contact_masks(True, SupportSees()))
    assert [c.subjectId for c in page.items] == ["s-1"]


def test_a_contact_stored_before_leads_carried_their_consent_shows_its_consent_record(
    region_store: SqliteDocumentStore, subjects: SubjectKeys
) -> None:
    plant(region_store, subjects, "s-1", "2026-11-01T09:00:00+00:00")
    assert list_contacts(region_store, subjects, "t-1", {}).items[0].consent is None
    region_store.create(
        SUBJECTS.name,
        {"id": "c-s-1-consent", "tenantId": "t-1", "subjectId": "s-1", "type": "consent",
         "category": "consent", "purposes": {"callback": True}, "textVersion": "v7",
         "createdAt": "2026-11-01T09:00:00+00:00"},
    )
    [contact] = list_contacts(region_store, subjects, "t-1", {}).items
    assert contact.consent is not None
    assert (contact.consent.granted, contact.consent.purposes) == (True, ["callback"])
    assert contact.consent.textVersion == "v7" and contact.consent.withdrawn == []
