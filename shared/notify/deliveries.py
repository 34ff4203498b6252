"""Planning deliveries from an event, and the retry schedule.

One event becomes one delivery per subscribed webhook, one e-mail to the tenant's privacy
contacts who asked for it, and one e-mail to the platform's on-call address for escalations.
Each delivery is a document in the tenant's ``notifications`` partition with a deterministic id
(event id + destination), so relaying an event twice plans the same deliveries once. The body
of a webhook delivery is fixed when planned: every attempt sends the same bytes.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from shared.notify.events import links
from shared.notify.lifecycle import DELIVERY
from shared.notify.models import EventType, InternalEvent
from shared.ports.document_store import Item

PLATFORM_PARTITION = "_platform"
RETRY_FOR = timedelta(hours=24)
"""Attempts go on at least this long after the first one; the attempt that fails after it is
the last (API.md v1.1: retried for at least 24 hours)."""
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=2)
LEASE = timedelta(minutes=2)
"""An attempt in flight holds its delivery this long; a crash mid-attempt frees it then."""
LOG_DAYS = 30
ATTEMPT_TIMEOUT = 10.0
ONCALL_EVENTS = frozenset(
    {EventType.DSAR_OVERDUE, InternalEvent.NOTICE_DUE, InternalEvent.DELIVERY_FAILED}
)
CONTACT_EVENTS_ALWAYS = frozenset({InternalEvent.DELIVERY_FAILED, EventType.AUTHORITY_NOTICE})
"""Mail every privacy contact gets, whatever events they chose: failed deliveries, and an
authority's request (the DPA promises to tell the customer; contacts set before the event
existed could not have chosen it, and it comes rarely)."""


def backoff(failed_attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential from 30 s, doubling, capped at 2 h, with ±20 % jitter so that deliveries
    failing together do not retry in step."""
    doubled: timedelta = FIRST_RETRY * (2 ** max(0, failed_attempts - 1))
    factor: float = (rng or random).uniform(0.8, 1.2)
    return min(LONGEST_WAIT, doubled) * factor


def payload(event: Item, tenant_id: str | None, base_url: str) -> dict[str, Any]:
    """The body every channel carries: ``{type, timestamp, data}`` with the links added."""
    data = dict(event["data"])
    if tenant_id and tenant_id != PLATFORM_PARTITION:
        data["tenantId"] = tenant_id
    found = links(event["event"], data, base_url)
    if found:
        data["links"] = found
    return {"type": event["event"], "timestamp": event["occurredAt"], "data": data}


def delivery(
    event: Item,
    tenant_id: str,
    destination: str,
    body: dict[str, Any],
    now: datetime,
    **channel: Any,
) -> Item:
    return {
        "id": f"dlv-{event['eventId']}-{destination}",
        "tenantId": tenant_id,
        "kind": "delivery",
        "eventId": event["eventId"],
        "event": event["event"],
        "body": json.dumps(body, separators=(",", ":"), sort_keys=True),
        "status": DELIVERY.initial.value,
        "attempts": 0,
        "createdAt": now.isoformat(),
        "nextAttemptAt": now.isoformat(),
        "ttl": -1,
        **channel,
    }


def plan_for_tenant(
    event: Item,
    tenant_id: str,
    webhooks: list[Item],
    contacts: list[dict[str, Any]],
    oncall: str | None,
    base_url: str,
    now: datetime,
) -> list[Item]:
    name = event["event"]
    body = payload(event, tenant_id, base_url)
    planned = [
        delivery(event, tenant_id, w["id"], body, now, channel="webhook", webhookId=w["id"])
        for w in webhooks
        if name in w["events"]
    ]
    wanted = name in CONTACT_EVENTS_ALWAYS
    mail_to = sorted({c["email"] for c in contacts if wanted or name in c["events"]})
    if mail_to:
        planned.append(delivery(event, tenant_id, "mail", body, now, channel="email",
                                recipients=mail_to))
    if oncall and name in ONCALL_EVENTS:
        planned.append(delivery(event, tenant_id, "oncall", body, now, channel="email",
                                recipients=[oncall]))
    return planned


def plan_for_platform(event: Item, oncall: str | None, base_url: str, now: datetime) -> list[Item]:
    if not oncall:
        return []
    body = payload(event, None, base_url)
    return [
        delivery(event, PLATFORM_PARTITION, "oncall", body, now, channel="email",
                 recipients=[oncall])
    ]
