"""Which change raises which event, what its data holds, and the links a delivery adds.

Data is ids, counts, dates and links only: a request's type and status, never an identifier,
a name, a message or a reason (free texts may quote a person). The links are added when an
event is delivered, from ``PRIVACY_CONSOLE_BASE_URL``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.notify.models import EventType
from shared.notify.outbox import event_doc
from shared.ports.document_store import Item

DSAR_STATUS_EVENTS = {
    "received": EventType.DSAR_RECEIVED,
    "awaiting_approval": EventType.DSAR_AWAITING_APPROVAL,
    "completed": EventType.DSAR_COMPLETED,
}
DSAR_FLAG_EVENTS = {
    "escalated": EventType.DSAR_DEADLINE_APPROACHING,
    "overdue": EventType.DSAR_OVERDUE,
}
"""Flags the deadline check sets once: 7 days before the deadline, and at the deadline."""


def dsar_data(doc: Item) -> dict[str, Any]:
    data = {
        "tenantId": doc["tenantId"],
        "requestId": doc["id"],
        "requestType": doc["type"],
        "status": doc["status"],
        "source": doc.get("source"),
        "receivedAt": doc["receivedAt"],
        "deadline": doc["deadline"],
    }
    counts = (doc.get("result") or {}).get("categories")
    if doc["status"] == "completed" and isinstance(counts, list):
        data["categories"] = len(counts)
    return data


def events_for_dsar(before: Item | None, after: Item, now: datetime) -> list[Item]:
    """The outbox documents a request write raises: a new status that tenants are told of, or
    a deadline flag set for the first time (``before`` None: the request is being created)."""
    raised: list[EventType] = []
    if before is None or before.get("status") != after.get("status"):
        event = DSAR_STATUS_EVENTS.get(str(after.get("status")))
        if event is not None:
            raised.append(event)
    old = before or {}
    raised += [e for flag, e in DSAR_FLAG_EVENTS.items() if after.get(flag) and not old.get(flag)]
    pk = {"tenantId": after["tenantId"]}
    data = dsar_data(after)
    return [event_doc(e, data, now, pk, target=after["tenantId"]) for e in raised]


def links(event: str, data: dict[str, Any], base: str) -> dict[str, str]:
    """Console (and, for a notice, API) links for an event's data."""
    tenant = data.get("tenantId")
    console = f"{base}/api/console/#"
    if event.startswith("dsar.") and tenant:
        return {"console": f"{console}/t/{tenant}/requests/{data['requestId']}"}
    if event == EventType.INCIDENT_NOTICE and tenant:
        notice = f"{base}/api/v1/tenants/{tenant}/incident-notices/{data['incidentId']}"
        return {
            "notice": notice,
            "document": f"{notice}?format=markdown",
            "acknowledge": f"{notice}/acknowledgement",
        }
    if event == EventType.SUBPROCESSOR_CHANGE_PROPOSED and tenant:
        return {"console": f"{console}/t/{tenant}/subprocessors"}
    if event == EventType.OFFBOARDING_EXPORT_READY and tenant:
        return {
            "console": f"{console}/t/{tenant}/offboarding",
            "export": f"{base}/api/v1/tenants/{tenant}/offboarding/export",
        }
    if event == EventType.AUTHORITY_NOTICE and tenant:
        return {"notices": f"{base}/api/v1/tenants/{tenant}/authority-notices"}
    if tenant and event.startswith("webhook."):
        return {"console": f"{console}/t/{tenant}"}
    return {}


