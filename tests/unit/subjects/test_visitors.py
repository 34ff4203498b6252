"""A visitor id is not a password: the first call binds its secret, a later call with another
secret (or none) is refused, and only a keyed hash of the secret is kept."""

from __future__ import annotations

import pytest

from shared.adapters.file_keys import FileKeyProvider
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.errors import VisitorMismatch
from shared.subjects.keys import SubjectKeys
from shared.subjects.visitors import VisitorBinding
from tests.fakes import FakeClock

SECRET = "k3J9xQ2mVb7LpT4nRz8wYc"


@pytest.fixture
def visitors(
    region_store: SqliteDocumentStore, keys: FileKeyProvider, clock: FakeClock
) -> VisitorBinding:
    return VisitorBinding(region_store, keys, SubjectKeys(region_store, keys, clock))


def test_the_first_call_binds_the_secret_and_the_same_secret_is_admitted_again(
    visitors: VisitorBinding,
) -> None:
    first = visitors.admit("t-1", "v-42", SECRET)
    again = visitors.admit("t-1", "v-42", SECRET)
    assert first.subject_id == again.subject_id and first.doc is not None
    assert SECRET not in str(first.doc) and first.doc["visitorSecret"]["hmac"]


@pytest.mark.parametrize("other", ["another-secret-of-22-chars", None, ""])
def test_another_or_no_secret_is_refused(visitors: VisitorBinding, other: str | None) -> None:
    visitors.admit("t-1", "v-42", SECRET)
    with pytest.raises(VisitorMismatch) as refused:
        visitors.admit("t-1", "v-42", other)
    assert refused.value.status == 403 and refused.value.type.endswith("/visitor-mismatch")


def test_the_same_visitor_id_in_two_tenants_is_two_subjects(visitors: VisitorBinding) -> None:
    assert (
        visitors.admit("t-1", "v-42", SECRET).subject_id
        != visitors.admit("t-2", "v-42", SECRET).subject_id
    )
    assert visitors.find("t-3", "v-42").doc is None  # never seen there: not created by a find
