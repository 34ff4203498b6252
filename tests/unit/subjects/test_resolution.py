"""From identifiers to digests: normalised first, under every readable key version, and an
invalid identifier is a 400 that does not repeat it."""

from __future__ import annotations

import pytest

from shared.adapters.file_keys import FileKeyProvider
from shared.errors import BadRequest
from shared.subjects.models import HoldIdentifiers
from shared.subjects.resolution import identifier_digests, normalised
from tests.fakes import FakeClock
from tests.unit.conftest import a_tenant


def test_identifiers_are_normalised_as_the_index_sees_them(clock: FakeClock) -> None:
    tenant = a_tenant(clock, defaultCountry="FR")
    ids = HoldIdentifiers(email=" Jean@Example.COM ", phone="06 12 34 56 78", visitorId="v-1")
    assert normalised(tenant, ids) == [
        ("email", "jean@example.com"),
        ("phone", "+33612345678"),
        ("visitor", "v-1"),
    ]


def test_an_invalid_identifier_is_a_400_without_its_value(clock: FakeClock) -> None:
    with pytest.raises(BadRequest) as refused:
        normalised(a_tenant(clock), HoldIdentifiers(email="jean@"))
    assert "jean@" not in refused.value.detail


def test_digests_are_made_under_the_current_version_first_and_never_hold_the_value(
    clock: FakeClock, keys: FileKeyProvider
) -> None:
    digests = identifier_digests(keys, a_tenant(clock), HoldIdentifiers(email="jean@example.com"))
    assert digests.version == digests.by_version[0][0]
    assert set(digests.current) == {"email"} and "jean" not in str(digests.by_version)
    assert digests.index_ids() == [f"email:{digests.current['email']}"]
    assert digests.pairs() == [("email", digests.current["email"])]
