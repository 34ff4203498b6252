"""What counts as a change of a breach notice: a value that differs, never a repeated PATCH or
the time stamp a repeated remediation step leaves."""

from __future__ import annotations

from shared.accountability.revisions import changed_fields

ACTION = {"id": "rem-1", "action": "revoke links", "status": "planned", "doneAt": None,
          "createdAt": "2026-11-02T09:00:00+00:00", "updatedAt": "2026-11-02T09:00:00+00:00"}
DOC = {"nature": "misrouted export", "contact": "DPO desk", "remediation": [ACTION]}


def test_a_repeated_patch_changes_nothing() -> None:
    again = ACTION | {"updatedAt": "2026-11-03T09:00:00+00:00"}
    assert changed_fields(DOC, {"contact": "DPO desk", "remediation": [again]}) == []


def test_a_new_value_or_a_moved_action_is_a_change() -> None:
    moved = ACTION | {"status": "in_progress"}
    assert changed_fields(DOC, {"contact": "security desk", "remediation": [moved]}) == [
        "contact", "remediation"]
    assert changed_fields(DOC, {"rootCause": None}) == []  # clearing what was never set
    assert changed_fields(DOC | {"rootCause": "x"}, {"rootCause": None}) == ["rootCause"]
