"""The dispatcher: relays outbox events into deliveries and makes each delivery's attempts.

Woken through the notify queue after an outbox write (``wake``), and by a timer (``sweep``)
that relays any event whose wake-up was lost and retries the deliveries that are due. An
attempt first claims its delivery under the ETag (attempt count up, next attempt pushed out by
a lease), so the queue worker and the timer never send one delivery at once; a crash during an
attempt leaves the lease to run out, and the delivery is tried again: at least once.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.concurrency import under_etag
from shared.containers import NOTIFICATIONS, TENANTS
from shared.notify.deliveries import (
    LEASE,
    PLATFORM_PARTITION,
    plan_for_platform,
    plan_for_tenant,
)
from shared.notify.lifecycle import DELIVERY, FINISHED
from shared.notify.outbox import DOC_TYPE, PK_FIELDS, OutboxRef
from shared.notify.sending import Outcome, Sending
from shared.ports.clock import Clock
from shared.ports.document_store import Conflict, DocumentStore, Filter, Item, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant

log = logging.getLogger("shared.notify")


@dataclass(frozen=True)
class Routing:
    region: str
    base_url: str
    oncall: str | None
    stores: Mapping[str, DocumentStore]
    """Container name -> the store holding it, for every container that keeps outbox events."""


@dataclass
class SweepReport:
    relayed: int = 0
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    outcomes: list[str] = field(default_factory=list)


class Dispatcher:
    def __init__(
        self,
        store: DocumentStore,
        tenants: TenantDirectory,
        sending: Sending,
        routing: Routing,
        clock: Clock,
        webhooks_of: Callable[[str], list[Item]],
    ) -> None:
        self._store = store
        self._tenants = tenants
        self._sending = sending
        self._routing = routing
        self._clock = clock
        self._webhooks_of = webhooks_of

    # -- relaying ------------------------------------------------------------------------------

    def wake(self, body: bytes) -> SweepReport:
        """A queue wake-up: relay the event it names and attempt its deliveries now."""
        report = SweepReport()
        for tenant_id, delivery_id in self.relay(OutboxRef.decode(body)):
            report.attempted += 1
            self._count(report, self.attempt(tenant_id, delivery_id))
        return report

    def relay(self, ref: OutboxRef) -> list[tuple[str, str]]:
        """Plan the deliveries of an outbox event (idempotently), then remove the event."""
        store = self._routing.stores[ref.container]
        try:
            doc = store.read(ref.container, ref.pk, ref.id)
        except ItemNotFound:
            return []  # relayed already
        if ref.container == TENANTS.name:
            return self._relay_embedded(store, doc)
        planned = self._plan(doc)
        with contextlib.suppress(ItemNotFound):
            store.delete(ref.container, ref.pk, ref.id)
        return planned

    def _relay_embedded(self, store: DocumentStore, doc: Item) -> list[tuple[str, str]]:
        """A tenant document's own ``outbox`` list (see ``shared.notify.outbox``)."""
        events = list(doc.get("outbox") or [])
        planned = [p for event in events for p in self._plan(event)]
        done = {e["eventId"] for e in events}

        def clear() -> None:
            current = store.read(TENANTS.name, (doc["tenantId"],), doc["id"])
            left = [e for e in current.get("outbox") or [] if e["eventId"] not in done]
            kept = {k: v for k, v in current.items() if k not in ("outbox", "outboxPending")}
            kept |= {"outbox": left, "outboxPending": True} if left else {}
            store.replace(TENANTS.name, kept, if_match=current["_etag"])

        if events:
            under_etag(clear, what="the tenant")
        return planned

    def _plan(self, event: Item) -> list[tuple[str, str]]:
        now = self._clock.now()
        r = self._routing
        if event["audience"] == "oncall":
            planned = plan_for_platform(event, r.oncall, r.base_url, now)
        else:
            planned = [
                d
                for tenant_id, tenant in self._audience(event)
                for d in plan_for_tenant(
                    event,
                    tenant_id,
                    self._webhooks_of(tenant_id),
                    self._contacts(tenant_id, tenant),
                    r.oncall,
                    r.base_url,
                    now,
                )
            ]
        for item in planned:
            with contextlib.suppress(Conflict):  # planned by an earlier relay of the same event
                self._store.create(NOTIFICATIONS.name, item)
        return [(d["tenantId"], d["id"]) for d in planned]

    def _audience(self, event: Item) -> list[tuple[str, Tenant | None]]:
        """Tenant ids, each with its tenant when the audience was read as tenants already."""
        if event["audience"] == "region":
            return [(t.tenantId, t) for t in self._tenants.served_in(self._routing.region)]
        if event["audience"] == "tenants":
            return [(str(t), None) for t in event["targets"]]
        return [(event["target"], None)]

    def _contacts(self, tenant_id: str, tenant: Tenant | None) -> list[dict[str, Any]]:
        try:
            tenant = tenant or self._tenants.get(tenant_id)
        except Exception:  # gone or unreadable: its webhooks still get the event
            return []
        return [c.model_dump(mode="json") for c in tenant.privacyContacts]

    # -- attempts ------------------------------------------------------------------------------

    def attempt(self, tenant_id: str, delivery_id: str) -> Outcome | None:
        """One attempt of a due delivery (None: not due, finished, or claimed by another)."""
        claimed = self._claim(tenant_id, delivery_id)
        if claimed is None:
            return None
        outcome = self._sending.send(claimed)
        self._sending.record(claimed, outcome)
        return outcome

    def _claim(self, tenant_id: str, delivery_id: str) -> Item | None:
        def attempt() -> Item | None:
            try:
                doc = self._store.read(NOTIFICATIONS.name, (tenant_id,), delivery_id)
            except ItemNotFound:
                return None
            now = self._clock.now()
            if doc["status"] in FINISHED:
                return None
            if datetime.fromisoformat(doc["nextAttemptAt"]) > now:
                return None
            claimed = doc | {
                "attempts": doc["attempts"] + 1,
                "lastAttemptAt": now.isoformat(),
                "firstAttemptAt": doc.get("firstAttemptAt") or now.isoformat(),
                "nextAttemptAt": (now + LEASE).isoformat(),
            }
            return self._store.replace(NOTIFICATIONS.name, claimed, if_match=doc["_etag"])

        return under_etag(attempt, what="the delivery")

    # -- the backstop ---------------------------------------------------------------------------

    def sweep(self, max_items: int = 500, max_seconds: float = 60.0) -> SweepReport:
        """Relay every waiting outbox event, then attempt every due delivery (bounded)."""
        report = SweepReport()
        started = time.monotonic()
        for ref in self._waiting(max_items):
            report.relayed += 1
            self.relay(ref)
        for doc in self._due(max_items):
            if time.monotonic() - started > max_seconds:
                break
            report.attempted += 1
            self._count(report, self.attempt(doc["tenantId"], doc["id"]))
        return report

    def _waiting(self, limit: int) -> list[OutboxRef]:
        refs: list[OutboxRef] = []
        for container, store in self._routing.stores.items():
            if container == TENANTS.name:
                query = Query(filters=[Filter("outboxPending", "=", True)])
                found = store.query(container, (), query, limit).items
                refs += [OutboxRef(container, (d["tenantId"],), d["id"]) for d in found]
                continue
            query = Query(filters=[Filter("docType", "=", DOC_TYPE)], order_by="occurredAt")
            found = store.query(container, (), query, limit).items
            key = PK_FIELDS[container]
            refs += [OutboxRef(container, (d[key],), d["id"]) for d in found]
        return refs

    def _due(self, limit: int) -> list[Item]:
        query = Query(
            filters=[
                Filter("kind", "=", "delivery"),
                Filter("status", "in", sorted(s.value for s in DELIVERY.states - FINISHED)),
                Filter("nextAttemptAt", "<=", self._clock.now().isoformat()),
            ],
            order_by="nextAttemptAt",
        )
        return self._store.query(NOTIFICATIONS.name, (), query, limit).items

    @staticmethod
    def _count(report: SweepReport, outcome: Outcome | None) -> None:
        if outcome is None:
            return
        report.outcomes.append(outcome.code)
        if outcome.ok:
            report.delivered += 1
        else:
            report.failed += 1


__all__ = ["PLATFORM_PARTITION", "Dispatcher", "Routing", "SweepReport"]
