"""What a use case asks the function layer to tell a request's orchestration.

The domain does not hold the Durable client: a use case that changes a request returns a
``Signal`` and the HTTP function delivers it (start the orchestration, or raise one of these
events on the instance named after the request). A request the widget sent is not orchestrated
until its decision, so events for it are dropped (``to_instance``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ORCHESTRATOR = "dsar_orchestrator"
DECISION_EVENT = "Decision"
"""A Privacy.Admin decided (``{"approve": bool}``)."""
WAKE_EVENT = "Wake"
"""The request's clock moved (it resumed after waiting for its requester): re-read it now."""
CANCEL_EVENT = "Cancel"
"""An approved erasure was cancelled in its waiting period."""


@dataclass(frozen=True)
class Signal:
    action: Literal["raise_event", "start", "none"] = "none"
    event: str = ""
    data: dict[str, Any] = field(default_factory=dict)


NOTHING = Signal()
START = Signal("start")


def to_instance(doc: dict[str, Any], event: str, data: dict[str, Any] | None = None) -> Signal:
    """Raise ``event`` on the request's orchestration, if it has one."""
    if not doc.get("orchestrated"):
        return NOTHING
    return Signal("raise_event", event, dict(data or {}))
