"""Subject data keys: one per subject, wrapped by the region's key; the latest consent choice
per purpose wins whatever order messages arrive in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.file_keys import FileKeyProvider
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import SUBJECTS
from shared.subjects.keys import (
    BEHAVIOUR_PURPOSE,
    SUBJECT_DOC_ID,
    SubjectKeys,
    consent_withdrawn,
)
from tests.fakes import FakeClock


@pytest.fixture
def subjects(
    region_store: SqliteDocumentStore, keys: FileKeyProvider, clock: FakeClock
) -> SubjectKeys:
    return SubjectKeys(region_store, keys, clock)


def test_a_subject_gets_one_wrapped_key_on_first_sight_and_keeps_it(
    subjects: SubjectKeys, region_store: SqliteDocumentStore
) -> None:
    assert subjects.cipher("t-1", "s-1") is None  # unknown subject: nothing to decrypt with
    cipher, _, created = subjects.cipher_or_create("t-1", "s-1")
    again, _, created_again = subjects.cipher_or_create("t-1", "s-1")
    assert (created, created_again) == (True, False)
    sealed = cipher.encrypt("i-1", "email", "jean@example.com")
    assert again.decrypt("i-1", "email", sealed) == "jean@example.com"
    stored = region_store.read(SUBJECTS.name, ("t-1", "s-1"), SUBJECT_DOC_ID)
    assert "dataKey" in stored and stored["dataKey"]["wrapped"] != ""


def test_the_latest_choice_per_purpose_wins_even_when_an_older_message_comes_last(
    subjects: SubjectKeys, clock: FakeClock
) -> None:
    subjects.cipher_or_create("t-1", "s-1")
    later = (clock.now() + timedelta(minutes=5)).isoformat()
    earlier = clock.now().isoformat()
    subjects.record_consents("t-1", "s-1", {BEHAVIOUR_PURPOSE: False}, later)
    subjects.record_consents("t-1", "s-1", {BEHAVIOUR_PURPOSE: True, "callback": True}, earlier)
    doc = subjects.subject("t-1", "s-1")
    assert consent_withdrawn(doc, BEHAVIOUR_PURPOSE)
    assert not consent_withdrawn(doc, "callback") and not consent_withdrawn(None, "callback")


def test_an_index_entry_is_noted_once(subjects: SubjectKeys) -> None:
    _, doc, _ = subjects.cipher_or_create("t-1", "s-1")
    subjects.remember_index("t-1", "s-1", "email:ab", doc)
    subjects.remember_index("t-1", "s-1", "email:ab", doc)  # known: no second write
    stored = subjects.subject("t-1", "s-1")
    assert stored is not None and stored["indexIds"] == ["email:ab"]
