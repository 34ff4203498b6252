"""Lifecycles of accountability documents: breach notices and subprocessor register changes."""

from __future__ import annotations

from enum import StrEnum

from shared.accountability.incident_models import NoticeStatus
from shared.lifecycle import Lifecycle

NOTICE = Lifecycle(
    "notice",
    NoticeStatus.PENDING,
    {
        NoticeStatus.PENDING: frozenset({NoticeStatus.SENT}),
        NoticeStatus.SENT: frozenset({NoticeStatus.ACKNOWLEDGED, NoticeStatus.SENT}),
        NoticeStatus.ACKNOWLEDGED: frozenset({NoticeStatus.SENT}),
    },
)
"""Sending again (from sent or acknowledged) is an update: only for a newer incident revision."""


class ChangeStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"


SUBPROCESSOR_CHANGE = Lifecycle(
    "subprocessor change",
    ChangeStatus.PROPOSED,
    {ChangeStatus.PROPOSED: frozenset({ChangeStatus.ACTIVE}), ChangeStatus.ACTIVE: frozenset()},
)
"""A change is proposed (the notice period runs) and then activated; it never goes back."""


class EntryStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


SUBPROCESSOR = Lifecycle(
    "subprocessor",
    EntryStatus.ACTIVE,
    {EntryStatus.ACTIVE: frozenset({EntryStatus.REMOVED}), EntryStatus.REMOVED: frozenset()},
)
"""A register entry is active until a removal change takes effect (a replacement keeps it
active under its new terms)."""


class RemediationState(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"


REMEDIATION = Lifecycle(
    "remediation action",
    RemediationState.PLANNED,
    {
        RemediationState.PLANNED: frozenset({RemediationState.IN_PROGRESS, RemediationState.DONE}),
        RemediationState.IN_PROGRESS: frozenset({RemediationState.DONE}),
        RemediationState.DONE: frozenset(),
    },
)
"""An incident's remediation action goes forward to done and stays there (tracked, never
reopened: a new finding is a new action)."""
