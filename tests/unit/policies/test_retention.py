from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.policies.retention import (
    DEFAULT_RETENTION_DAYS,
    Category,
    RetentionRejected,
    remaining_ttl,
    shortens,
    validate_overrides,
)

BASE = datetime(2026, 1, 1, tzinfo=UTC)


def test_defaults_match_the_published_retention_table() -> None:
    assert DEFAULT_RETENTION_DAYS == {
        Category.BEHAVIOUR: 30,
        Category.TECHNICAL: 30,
        Category.CONTACT: None,
        Category.CONVERSATION: 90,
        Category.RECORDING: 90,
        Category.CONSENT: None,
        Category.AUDIT: 365,
    }


@pytest.mark.parametrize(
    ("before", "after", "shorter"),
    [
        ({}, {"behaviour": 10}, True),
        ({"behaviour": 10}, {}, False),
        ({}, {"contact": 400}, True),  # until contract end becomes a period
        ({"recording": 30}, {"recording": 60}, False),
        ({"recording": 60}, {"recording": 30}, True),
        ({"behaviour": 10}, {"behaviour": 10}, False),
    ],
)
def test_shortening_is_any_category_whose_data_would_go_sooner(
    before: dict[str, int], after: dict[str, int], shorter: bool
) -> None:
    assert shortens(before, after) is shorter


def test_a_fresh_item_gets_its_full_period() -> None:
    assert remaining_ttl(30, BASE, BASE) == 30 * 86400


def test_contract_bound_categories_never_expire_by_ttl() -> None:
    assert remaining_ttl(None, BASE, BASE + timedelta(days=900)) == -1


def test_an_item_past_its_period_gets_zero_meaning_delete() -> None:
    assert remaining_ttl(30, BASE, BASE + timedelta(days=31)) == 0


@settings(max_examples=200, deadline=None)
@given(days=st.integers(1, 3650), age=st.floats(0, 4000 * 86400, allow_nan=False))
def test_no_write_ever_extends_an_items_expiry(days: int, age: float) -> None:
    now = BASE + timedelta(seconds=age)
    ttl = remaining_ttl(days, BASE, now)
    written = int(now.timestamp())  # Cosmos _ts: whole seconds of the write
    deadline = (BASE + timedelta(days=days)).timestamp()
    if ttl:
        assert written + ttl <= deadline
        assert written + ttl > deadline - 1
    else:
        assert written >= deadline - 1


def test_tenant_may_shorten_but_not_pass_the_ceiling() -> None:
    validate_overrides({"behaviour": 7}, {"behaviour": 60})
    with pytest.raises(RetentionRejected) as caught:
        validate_overrides({"behaviour": 61}, {"behaviour": 60})
    assert caught.value.category == "behaviour"


def test_audit_never_below_90_days() -> None:
    with pytest.raises(RetentionRejected):
        validate_overrides({"audit": 30}, {})
