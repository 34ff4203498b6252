"""Per-tenant breach notices: the document each tenant gets, its status, and escalation.

A notice moves through one transition table (pending -> sent -> acknowledged; after a revision
of the incident, sending again records the update). Each move is audited in the tenant's trail.
A timer escalates every notice still pending 12 hours before its deadline, once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from shared.accountability import documents as docs
from shared.accountability.incident_models import (
    BreachNotice,
    CategoryExposure,
    Exposure,
    NoticeStatus,
)
from shared.accountability.incident_register import IncidentRegister, counts, notice_id
from shared.accountability.lifecycle import NOTICE
from shared.accountability.markdown import notice_markdown
from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.containers import INCIDENTS
from shared.errors import Conflict, Quarantined
from shared.lifecycle import advance
from shared.notify.models import InternalEvent
from shared.notify.outbox import NO_WAKE, Outbox, event_doc, write_with_events
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Item, PreconditionFailed, Query
from shared.ports.mailer import Attachment
from shared.tenancy.directory import TenantDirectory

SYSTEM_ACTOR = "system:incidents"
DELIVERY_ACTOR = "system:notify"
NOTE = (
    "Numbers are approximate: items and distinct data subjects whose data was collected in the "
    "breach window, counted from storage metadata without decrypting anything; data already "
    "deleted under retention is not counted. This notice contains no personal data; the "
    "specific data subjects can be identified on the controller's instruction."
)
log = logging.getLogger("shared.incidents")


def iso_duration(span: timedelta) -> str:
    """ISO 8601 duration (``P1DT2H30M``) of a non-negative span, to the minute."""
    minutes = max(0, int(span.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    time = (f"{hours}H" if hours else "") + (f"{mins}M" if mins or not (days or hours) else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


class IncidentNotices:
    def __init__(
        self,
        register: IncidentRegister,
        directory: DocumentStore,
        tenants: TenantDirectory,
        audit: ControlAudit,
        clock: Clock,
        region: str,
        outbox: Outbox = NO_WAKE,
    ) -> None:
        self._outbox = outbox
        self._register = register
        self._directory = directory
        self._tenants = tenants
        self._audit = audit
        self._clock = clock
        self._region = region

    def read(self, principal: Principal, incident_id: str, tenant_id: str) -> BreachNotice:
        incident = self._register.incident(incident_id)
        notice = self._register.notice(incident_id, tenant_id)
        tenant = self._tenants.get(tenant_id)
        self._audit.tenant(
            tenant, principal.actor, "incident.notice.read", incident_id, counts(notice)
        )
        return self._document(incident, notice, tenant.name)

    def move(
        self, principal: Principal, incident_id: str, tenant_id: str, target: NoticeStatus
    ) -> BreachNotice:
        incident = self._register.incident(incident_id)
        revision = incident["revision"]

        def moved(doc: Item) -> Item:
            advance(NOTICE, doc["status"], target)
            if target == NoticeStatus.SENT and doc.get("sentRevision") == revision:
                raise Conflict("this revision of the notice was already sent")
            now = self._clock.now().isoformat()
            step = {"status": target.value, "at": now, "by": principal.actor, "revision": revision}
            fields: Item = {"status": target.value, "history": [*doc["history"], step]}
            if target == NoticeStatus.SENT:
                fields |= {"sentAt": now, "sentRevision": revision, "acknowledgedAt": None}
            else:
                fields["acknowledgedAt"] = now
            return fields

        notice = docs.mutate(
            self._directory, INCIDENTS.name, (incident_id,), notice_id(tenant_id), "notice", moved
        )
        tenant = self._tenants.get(tenant_id)
        details = counts(notice) | {"revision": revision}
        self._audit.platform(principal.actor, f"incident.notice.{target}", incident_id, details)
        self._audit.tenant(
            tenant, principal.actor, f"incident.notice.{target}", incident_id, details
        )
        return self._document(incident, notice, tenant.name)

    def delivered(self, data: dict[str, Any], channel: str) -> None:
        """The notice reached the tenant (a webhook's 2xx or a mail accepted): it is ``sent``,
        once per revision; a revision sent already (by an admin, or another channel) stays."""
        incident_id, tenant_id, revision = data["incidentId"], data["tenantId"], data["revision"]

        wrote = [False]  # set by the attempt that stored (a retry under the ETag re-decides)

        def moved(doc: Item) -> Item:
            wrote[0] = (doc.get("sentRevision") or 0) < revision
            if not wrote[0]:
                return {}
            advance(NOTICE, doc["status"], NoticeStatus.SENT)
            now = self._clock.now().isoformat()
            step = {"status": "sent", "at": now, "by": DELIVERY_ACTOR, "revision": revision,
                    "channel": channel}
            return {"status": "sent", "history": [*doc["history"], step], "sentAt": now,
                    "sentRevision": revision, "acknowledgedAt": None}

        notice = docs.mutate(
            self._directory, INCIDENTS.name, (incident_id,), notice_id(tenant_id), "notice", moved
        )
        if not wrote[0]:  # this revision was sent already: told once
            return
        details = counts(notice) | {"revision": revision, "channel": channel}
        self._audit.platform(DELIVERY_ACTOR, "incident.notice.sent", incident_id, details)
        self._audit.tenant(
            self._tenants.get(tenant_id), DELIVERY_ACTOR, "incident.notice.sent", incident_id,
            details, idempotency_key=f"incident.notice.sent:{incident_id}:{tenant_id}:{revision}",
        )

    def attachments(self, data: dict[str, Any]) -> tuple[Attachment, ...]:
        """The notice itself for its e-mail: the JSON and the readable (Markdown) document."""
        incident = self._register.incident(data["incidentId"])
        notice = self._register.notice(data["incidentId"], data["tenantId"])
        document = self._document(incident, notice, self._tenants.get(data["tenantId"]).name)
        name = f"breach-notice-{data['incidentId']}"
        return (
            Attachment(f"{name}.json", "application/json", document.model_dump_json().encode()),
            Attachment(f"{name}.md", "text/markdown", notice_markdown(document).encode()),
        )

    def _document(self, incident: Item, notice: Item, tenant_name: str) -> BreachNotice:
        exposure = Exposure.model_validate(notice["exposure"])
        started = datetime.fromisoformat(incident["startedAt"])
        ended = datetime.fromisoformat(incident["endedAt"]) if incident.get("endedAt") else None
        by_category = exposure.byCategory
        return BreachNotice(
            incidentId=incident["incidentId"],
            tenantId=notice["tenantId"],
            tenantName=tenant_name,
            status=notice["status"],
            notifyBy=notice["notifyBy"],
            sentAt=notice.get("sentAt"),
            acknowledgedAt=notice.get("acknowledgedAt"),
            escalated=notice["escalated"],
            revision=incident["revision"],
            date=incident["detectedAt"],
            startedAt=started,
            endedAt=ended,
            ongoing=ended is None,
            duration=iso_duration((ended or self._clock.now()) - started),
            location=f"region '{notice['region']}': the tenant's data is stored and processed "
            "only in this region",
            nature=incident["nature"],
            scale=CategoryExposure(records=exposure.records, subjects=exposure.subjects),
            categories=incident["categories"],
            approximateSubjects={c: e.subjects for c, e in by_category.items()},
            approximateRecords={c: e.records for c, e in by_category.items()},
            systems=incident["systems"],
            measures=incident["measures"],
            contact=incident["contact"],
            subjectCategories=incident.get("subjectCategories", []),
            consequences=incident.get("consequences"),
            rootCause=incident.get("rootCause"),
            remediation=incident.get("remediation", []),
            countedAt=exposure.countedAt,
            note=NOTE,
        )

    # -- escalation ------------------------------------------------------------------------------

    def escalate_due(self) -> int:
        """Flag and audit each notice of this region still pending 12 h before its deadline."""
        now = self._clock.now()
        query = Query(
            filters=[
                Filter("type", "=", "notice"),
                Filter("region", "=", self._region),
                Filter("status", "=", NoticeStatus.PENDING.value),
                Filter("escalated", "=", False),
                Filter("escalateAt", "<=", now.isoformat()),
            ]
        )
        due = docs.read_all(self._directory, INCIDENTS.name, (), query, page=200)
        return sum(self._escalate(notice, now) for notice in due)

    def _escalate(self, notice: Item, now: datetime) -> int:
        """Flag the notice and, in the same batch, the event that mails on-call."""
        flagged = notice | {"escalated": True, "escalatedAt": now.isoformat()}
        data = {
            "incidentId": notice["incidentId"],
            "tenantId": notice["tenantId"],
            "notifyBy": notice["notifyBy"],
        }
        partition = {"incidentId": notice["incidentId"]}
        event = event_doc(InternalEvent.NOTICE_DUE, data, now, partition, audience="oncall")
        pk = (notice["incidentId"],)
        try:
            write_with_events(self._directory, INCIDENTS.name, pk, notice, flagged, [event])
        except PreconditionFailed:
            return 0  # moved meanwhile (sent, or escalated by another run): next run re-checks
        self._outbox.written(INCIDENTS.name, [event])
        left = datetime.fromisoformat(notice["notifyBy"]) - now
        details: dict[str, Any] = counts(notice) | {"hoursLeft": round(left / timedelta(hours=1))}
        incident_id = notice["incidentId"]
        self._audit.platform(SYSTEM_ACTOR, "incident.notice.escalated", incident_id, details)
        try:
            tenant = self._tenants.get(notice["tenantId"])
        except Quarantined:  # reported there; the platform trail has the escalation
            tenant = None
        if tenant is not None:
            self._audit.tenant(
                tenant,
                SYSTEM_ACTOR,
                "incident.notice.escalated",
                incident_id,
                details,
                idempotency_key=f"incident.notice.escalated:{incident_id}:{notice['tenantId']}",
            )
        log.warning(
            "breach notice escalated",
            extra={"incidentId": incident_id, "tenantId": notice["tenantId"]},
        )
        return 1
