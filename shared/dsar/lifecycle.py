"""The lifecycle of a data-subject request (statuses are shown to admins and kept in history).

received -> awaiting_approval (a decision is needed) -> running -> completed; a refusal ends in
rejected; a request that cannot be carried out ends in failed (``OrchestrationSteps.fail``).
"""

from __future__ import annotations

from shared.dsar.models import DsarStatus
from shared.lifecycle import Lifecycle

DSAR_REQUEST = Lifecycle(
    "request",
    DsarStatus.RECEIVED,
    {
        DsarStatus.RECEIVED: frozenset(
            {
                DsarStatus.AWAITING_APPROVAL,
                DsarStatus.RUNNING,
                DsarStatus.REJECTED,
                DsarStatus.FAILED,
            }
        ),
        DsarStatus.AWAITING_APPROVAL: frozenset(
            {DsarStatus.RUNNING, DsarStatus.REJECTED, DsarStatus.FAILED}
        ),
        DsarStatus.RUNNING: frozenset({DsarStatus.COMPLETED, DsarStatus.FAILED}),
        DsarStatus.COMPLETED: frozenset(),
        DsarStatus.REJECTED: frozenset(),
        DsarStatus.FAILED: frozenset(),
    },
)
FINISHED = DSAR_REQUEST.terminal
