"""What minimisation deletes from a finished request: everything that holds, seals or derives
from the requester's identifiers, except the subjects of a restriction still in force."""

from __future__ import annotations

from typing import Any

from shared.dsar.housekeeping import in_force, personal_fields


def finished(**fields: Any) -> dict[str, Any]:
    return {"type": "erasure", "status": "completed", "enc": {}, "dataKey": {},
            "identifierDigests": {}, "lookupIndexIds": [], "matches": [], "subjectIds": ["s"],
            "result": {}} | fields


def test_an_erasure_loses_every_personal_field() -> None:
    assert sorted(personal_fields(finished())) == sorted(
        ["enc", "dataKey", "identifierDigests", "lookupIndexIds", "matches", "subjectIds"])


def test_a_restriction_in_force_keeps_its_subjects_until_lifted() -> None:
    restriction = finished(type="restriction")
    assert in_force(restriction) and "subjectIds" not in personal_fields(restriction)
    lifted = finished(type="objection", result={"lifted": {"by": "oid-a"}})
    assert not in_force(lifted) and "subjectIds" in personal_fields(lifted)
    assert not in_force(finished(type="restriction", status="failed"))


def test_a_minimised_request_has_nothing_left_to_delete() -> None:
    assert personal_fields({"type": "access", "status": "completed", "subjectIds": []}) == []
