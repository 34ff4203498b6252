"""The lifecycle of a data-subject request (statuses are shown to admins and kept in history).

received -> awaiting_approval (a decision is needed) -> running -> completed. Before a decision
a request may wait for the requester (``awaiting_requester``: identity documents, a
clarification; its deadline is paused) and come back where it was. An approved erasure with a
waiting period is ``approved`` until it runs, and can be ``cancelled`` meanwhile. A refusal
ends in rejected. A request whose orchestration failed is ``failed``: it has stopped, but a
Privacy.Admin may retry it (back to received), so failed is finished without being closed.
"""

from __future__ import annotations

from shared.dsar.models import DsarStatus
from shared.lifecycle import Lifecycle

S = DsarStatus
DSAR_REQUEST = Lifecycle(
    "request",
    S.RECEIVED,
    {
        S.RECEIVED: frozenset(
            {S.AWAITING_APPROVAL, S.AWAITING_REQUESTER, S.APPROVED, S.RUNNING, S.REJECTED, S.FAILED}
        ),
        S.AWAITING_APPROVAL: frozenset(
            {S.AWAITING_REQUESTER, S.APPROVED, S.RUNNING, S.REJECTED, S.FAILED}
        ),
        S.AWAITING_REQUESTER: frozenset(
            {S.RECEIVED, S.AWAITING_APPROVAL, S.REJECTED, S.FAILED}
        ),
        S.APPROVED: frozenset({S.RUNNING, S.CANCELLED, S.FAILED}),
        S.RUNNING: frozenset({S.COMPLETED, S.FAILED}),
        S.FAILED: frozenset({S.RECEIVED}),
        S.COMPLETED: frozenset(),
        S.REJECTED: frozenset(),
        S.CANCELLED: frozenset(),
    },
)
CLOSED = DSAR_REQUEST.terminal
"""Nothing more will happen to the request (completed, rejected, cancelled)."""
FINISHED = CLOSED | {S.FAILED}
"""The work has stopped: the record's time runs from here (its TTL, the minimisation of its
identifiers, the purge of its orchestration history)."""
OPEN = sorted(s.value for s in S if s not in FINISHED)
"""The statuses of a request still being worked on (the gauges count these)."""
UNDECIDED = frozenset({S.RECEIVED, S.AWAITING_APPROVAL, S.AWAITING_REQUESTER})
"""Statuses in which the requester's identity may be checked and a decision taken."""
