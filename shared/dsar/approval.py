"""Who may decide a request: the two-person rule of API.md v1.1, as one function.

Erasure and rectification cannot be undone, and a request that arrives through the widget can
be sent by anyone (an admin too, to aim an erasure at someone without a trace of having
started it). Such a request is approved only after the requester's identity was checked, and
only by a Privacy.Admin who neither checked it nor started the request: two people. Nobody
decides a request they started. Rejecting needs no verification. Each refusal says which rule
refused it (``detail`` for people, ``rule`` for programs).
"""

from __future__ import annotations

from typing import Any

from shared.auth import Principal
from shared.dsar.lifecycle import UNDECIDED
from shared.dsar.models import NEEDS_APPROVAL, DsarStatus, DsarType
from shared.errors import Conflict, Forbidden


def needs_two_people(doc: dict[str, Any]) -> bool:
    """Erasure, rectification and every request sent through the widget."""
    return DsarType(doc["type"]) in NEEDS_APPROVAL or doc.get("source") == "widget"


def _refuse(rule: str, detail: str) -> Forbidden:
    return Forbidden(detail, extra={"rule": rule})


def check_decision(doc: dict[str, Any], principal: Principal, approve: bool) -> DsarStatus:
    """The request's status if ``principal`` may take this decision now; else the refusal."""
    status = DsarStatus(doc["status"])
    if status not in UNDECIDED or "decision" in doc:
        raise Conflict(f"the request is {status.value}; there is nothing to decide")
    if principal.identified and doc.get("startedBy") == principal.actor:
        raise _refuse("starter", "the operator who started a request cannot decide it")
    if not approve:
        return status
    if status == DsarStatus.AWAITING_REQUESTER:
        raise Conflict("the request is waiting for its requester; resume it before approving")
    if needs_two_people(doc):
        _check_two_people(doc, principal)
    return status


def _check_two_people(doc: dict[str, Any], principal: Principal) -> None:
    if not principal.identified:
        raise _refuse(
            "identified-approver",
            "approving this request needs two people, so the approver must carry an identity "
            "(an object id or a name claim) that can be told apart from the verifier's",
        )
    verification = doc.get("verification")
    if not verification:
        raise _refuse(
            "verification-first",
            "this request can be approved only after the requester's identity was checked: "
            "record it with POST …/verification, then another Privacy.Admin approves",
        )
    if verification.get("by") == principal.actor:
        raise _refuse(
            "not-the-verifier",
            "the person who checked the requester's identity cannot approve the request: "
            "another Privacy.Admin must (two-person rule)",
        )
