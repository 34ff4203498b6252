"""An incident's remediation actions: added, moved forward through one table, never dropped.

Seed 000 (TOMs 11.2): "All Incidents are logged and subject to root cause analysis, with
remediation actions tracked and documented." Each action has an id, a status and its times;
a patch adds actions (no id) or moves named ones (checked by ``REMEDIATION``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from shared.accountability.incident_models import RemediationIn
from shared.accountability.lifecycle import REMEDIATION, RemediationState
from shared.errors import BadRequest, FieldError
from shared.lifecycle import advance


def new_action(change: RemediationIn, now: datetime) -> dict[str, Any]:
    """A new action, in whatever state it is reported (an action taken before the report is
    recorded as done)."""
    status = RemediationState(change.status)
    return {
        "id": f"rem-{uuid.uuid4().hex[:12]}",
        "action": change.action,
        "status": status.value,
        "createdAt": now.isoformat(),
        "updatedAt": now.isoformat(),
        "doneAt": now.isoformat() if status is RemediationState.DONE else None,
    }


def with_changes(
    current: list[dict[str, Any]], changes: list[RemediationIn], now: datetime
) -> list[dict[str, Any]]:
    """``current`` with ``changes`` applied: unknown ids are a 400, backward moves a 409."""
    actions = [dict(a) for a in current]
    by_id = {a["id"]: a for a in actions}
    for position, change in enumerate(changes):
        if change.id is None:
            actions.append(new_action(change, now))
            continue
        action = by_id.get(change.id)
        if action is None:
            raise BadRequest(
                "no such remediation action on this incident",
                errors=[FieldError(f"/remediation/{position}/id", "unknown action")],
            )
        target = RemediationState(change.status)
        if target != action["status"]:
            action["status"] = advance(REMEDIATION, action["status"], target).value
            action["doneAt"] = now.isoformat() if target is RemediationState.DONE else None
        action["action"] = change.action
        action["updatedAt"] = now.isoformat()
    return actions
