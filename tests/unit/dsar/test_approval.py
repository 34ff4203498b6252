"""The two-person rule as one function: every way a decision is refused names its rule."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import Principal
from shared.dsar.approval import check_decision, needs_two_people
from shared.dsar.models import DsarStatus
from shared.errors import Conflict, Forbidden

ALICE = Principal("oid-alice", frozenset())
BOB = Principal("oid-bob", frozenset())
NOBODY = Principal("principal-anon", frozenset(), identified=False)


def request(**fields: Any) -> dict[str, Any]:
    return {"type": "erasure", "source": "admin", "status": "awaiting_approval",
            "startedBy": "oid-carol", "verification": {"by": "oid-dave"}} | fields


def rule(doc: dict[str, Any], who: Principal, approve: bool = True) -> str:
    with pytest.raises(Forbidden) as refused:
        check_decision(doc, who, approve)
    return str(refused.value.extra["rule"])


def test_which_requests_need_two_people() -> None:
    assert needs_two_people(request()) and needs_two_people(request(type="rectification"))
    assert needs_two_people(request(type="access", source="widget"))
    assert not needs_two_people(request(type="access"))


def test_an_approval_by_a_third_person_after_a_verification_passes() -> None:
    assert check_decision(request(), ALICE, True) == DsarStatus.AWAITING_APPROVAL


def test_each_refusal_names_its_rule() -> None:
    assert rule(request(startedBy="oid-alice"), ALICE) == "starter"
    assert rule(request(startedBy="oid-alice"), ALICE, approve=False) == "starter"
    assert rule(request(verification=None), ALICE) == "verification-first"
    assert rule(request(verification={"by": "oid-alice"}), ALICE) == "not-the-verifier"
    assert rule(request(), NOBODY) == "identified-approver"


def test_rejecting_needs_no_verification_and_the_verifier_may_reject() -> None:
    assert check_decision(request(verification=None), ALICE, False)
    assert check_decision(request(verification={"by": "oid-bob"}), BOB, False)


def test_a_request_not_needing_two_people_is_approved_without_a_verification() -> None:
    assert check_decision(request(type="access", verification=None), ALICE, True)


@pytest.mark.parametrize(
    "fields",
    [{"status": "running"}, {"status": "completed"}, {"decision": {"approve": True}},
     {"status": "awaiting_requester"}],
)
def test_nothing_to_decide_or_the_requester_awaited_is_a_conflict(fields: dict[str, Any]) -> None:
    with pytest.raises(Conflict):
        check_decision(request(**fields), ALICE, True)
