"""Telling each affected tenant of a revised breach notice, as the contracts promise.

Seed 001, DPA 9.3: "supplemental information as it becomes available ... in phases where
complete information is not immediately available"; seed 000, TOMs 11.3: "timely status
updates"; DPA 9.3: what could not be given at once is given "immediately" once known. So every
revision of an incident that changes what its notices say raises, for each notice, an
``incident.notice`` event carrying the new ``revision``, delivered like the first one (a
delivery marks that revision ``sent``). A PATCH that changes nothing raises nothing.

The revision and what must be announced (``announcing``: the revision, the fields, whether the
counts change) are written together on the incident; each notice then gets its recount, its
``announcedRevision`` and its event in one batch, so a notice is told of a revision exactly
once. A crash half-way leaves ``announcing`` set, and the incident timer finishes the work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.accountability import documents as docs
from shared.accountability.incident_register import IncidentRegister, counts
from shared.audit.control import ControlAudit
from shared.concurrency import under_etag
from shared.containers import INCIDENTS
from shared.notify.models import EventType
from shared.notify.outbox import Outbox, event_doc, write_with_events
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Item, Query
from shared.tenancy.directory import TenantDirectory

Recount = Callable[[str, Item], dict[str, Any]]
"""The exposure of one tenant under an incident document (``Incidents._exposure``)."""


def notice_event(incident: Item, notice: Item, now: datetime) -> Item:
    """The outbox document telling a tenant of its notice: ids, dates and counts only."""
    exposure = notice["exposure"]
    data = {
        "incidentId": incident["incidentId"],
        "tenantId": notice["tenantId"],
        "revision": incident["revision"],
        "detectedAt": incident["detectedAt"],
        "notifyBy": notice["notifyBy"],
        "categories": incident["categories"],
        "approximateSubjects": exposure["subjects"],
        "approximateRecords": exposure["records"],
    }
    partition = {"incidentId": incident["incidentId"]}
    return event_doc(EventType.INCIDENT_NOTICE, data, now, partition, target=notice["tenantId"])


def changed_fields(doc: Item, fields: Item) -> list[str]:
    """The fields whose value ``fields`` would really change (a repeated PATCH changes none;
    a remediation action's ``updatedAt`` alone is no change)."""
    return sorted(k for k, v in fields.items() if _sans_times(doc.get(k)) != _sans_times(v))


def _sans_times(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(a, dict) for a in value):
        return [{k: v for k, v in a.items() if k != "updatedAt"} for a in value]
    return value


class NoticeRevisions:
    def __init__(
        self,
        register: IncidentRegister,
        directory: DocumentStore,
        tenants: TenantDirectory,
        audit: ControlAudit,
        clock: Clock,
        outbox: Outbox,
        recount: Recount,
    ) -> None:
        self._register = register
        self._directory = directory
        self._tenants = tenants
        self._audit = audit
        self._clock = clock
        self._outbox = outbox
        self._recount = recount

    def announce(self, incident: Item) -> int:
        """Tell every notice not yet told of the incident's announced revision; then the
        incident stops announcing it. Returns how many notices were told now."""
        pending = incident.get("announcing")
        if not pending:
            return 0
        revision = pending["revision"]
        told = sum(
            self._announce_one(incident, pending, notice)
            for notice in self._register.notices(incident["incidentId"])
            if notice.get("announcedRevision", 1) < revision
        )
        docs.mutate(
            self._directory, INCIDENTS.name, (incident["incidentId"],), incident["incidentId"],
            "incident",
            lambda d: {"announcing": None} if (d.get("announcing") or {}).get(
                "revision") == revision else {},
        )
        return told

    def announce_due(self, region: str) -> int:
        """The backstop (incident timer): finish announcements a crash left half-done."""
        query = Query(filters=[Filter("type", "=", "incident"), Filter("region", "=", region),
                               Filter("announcing.revision", ">", 0)])
        found = docs.read_all(self._directory, INCIDENTS.name, (), query, page=100)
        return sum(self.announce(d) for d in found if d.get("announcing"))

    def _announce_one(self, incident: Item, pending: Item, notice: Item) -> int:
        revision, incident_id = pending["revision"], incident["incidentId"]
        exposure = self._recount(notice["tenantId"], incident) if pending["recount"] else None
        now = self._clock.now()
        written: list[Item] = []

        def attempt() -> None:
            current = self._register.notice(incident_id, notice["tenantId"])
            written.clear()
            if current.get("announcedRevision", 1) >= revision:
                return  # told already (another run, or a later revision)
            after = current | {"announcedRevision": revision}
            after |= {"exposure": exposure} if exposure is not None else {}
            event = notice_event(incident, after, now)
            pk = (incident_id,)
            write_with_events(self._directory, INCIDENTS.name, pk, current, after, [event])
            written[:] = [after, event]

        under_etag(attempt, what="the notice")
        if not written:
            return 0
        after, event = written
        self._outbox.written(INCIDENTS.name, [event])
        tenant_id = notice["tenantId"]
        self._audit.tenant(
            self._tenants.get(tenant_id),
            pending["by"],
            "incident.notice.updated",
            incident_id,
            counts(after) | {"fields": pending["fields"], "revision": revision},
            idempotency_key=f"incident.notice.updated:{incident_id}:{tenant_id}:{revision}",
        )
        return 1
