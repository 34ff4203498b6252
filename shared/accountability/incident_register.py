"""Reading the incident register: one incident with its notices, or the list of incidents.

Layout (directory store, container ``incidents``, one partition per incident): the incident
document (``id`` = incident id, ``type`` incident) and one notice per affected tenant (``id``
``notice-<tenantId>``, ``type`` notice), so an incident and its notices are one partition read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.accountability import documents as docs
from shared.accountability.incident_models import (
    AffectedTenant,
    Exposure,
    IncidentPage,
    IncidentSummary,
    IncidentView,
    NoticeState,
    NoticeStatus,
)
from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.containers import INCIDENTS
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Item, Query

NOTIFY_WITHIN = timedelta(hours=48)
"""DPA 9.1: notice without undue delay, at the latest 48 hours after detection."""
ESCALATE_BEFORE = timedelta(hours=12)


def notice_id(tenant_id: str) -> str:
    return f"notice-{tenant_id}"


def counts(notice: Item) -> dict[str, Any]:
    """What an audit entry may say about a notice: its scale, nothing else."""
    exposure = notice["exposure"]
    return {"records": exposure["records"], "subjects": exposure["subjects"]}


def notice_state(notice: Item, revision: int) -> NoticeState:
    state = NoticeState.model_validate(notice)
    sent = notice.get("sentRevision")
    state.outdated = sent is not None and sent < revision
    return state


class IncidentRegister:
    def __init__(self, directory: DocumentStore, audit: ControlAudit, clock: Clock) -> None:
        self._directory = directory
        self._audit = audit
        self._clock = clock

    def incident(self, incident_id: str) -> Item:
        return docs.read(self._directory, INCIDENTS.name, (incident_id,), incident_id, "incident")

    def notice(self, incident_id: str, tenant_id: str) -> Item:
        return docs.read(
            self._directory, INCIDENTS.name, (incident_id,), notice_id(tenant_id), "notice"
        )

    def notices(self, incident_id: str) -> list[Item]:
        query = Query(filters=[Filter("type", "=", "notice")], order_by="tenantId")
        return docs.read_all(self._directory, INCIDENTS.name, (incident_id,), query)

    def view(self, principal: Principal, incident_id: str) -> IncidentView:
        doc = self.incident(incident_id)
        affected = [
            AffectedTenant(
                tenantId=n["tenantId"],
                region=n["region"],
                exposure=Exposure.model_validate(n["exposure"]),
                notice=notice_state(n, doc["revision"]),
            )
            for n in self.notices(incident_id)
        ]
        self._audit.platform(principal.actor, "incident.read", incident_id)
        pending = sum(1 for a in affected if a.notice.status == NoticeStatus.PENDING)
        late = self._clock.now() >= datetime.fromisoformat(doc["notifyBy"])
        return IncidentView.model_validate(
            doc
            | {
                "approximateSubjects": sum(a.exposure.subjects for a in affected),
                "approximateRecords": sum(a.exposure.records for a in affected),
                "noticesPending": pending,
                "overdue": pending > 0 and late,
                "affectedTenants": affected,
            }
        )

    def listing(self, principal: Principal, limit: int, continuation: str | None) -> IncidentPage:
        """Newest detection first, paged (a cross-partition query: admin use, not a hot path)."""
        query = Query(
            filters=[Filter("type", "=", "incident")], order_by="detectedAt", descending=True
        )
        page = self._directory.query(INCIDENTS.name, (), query, limit, continuation)
        self._audit.platform(
            principal.actor, "incident.listed", "incidents", {"count": len(page.items)}
        )
        items = [IncidentSummary.model_validate(d) for d in page.items]
        return IncidentPage(items=items, continuation=page.continuation)
