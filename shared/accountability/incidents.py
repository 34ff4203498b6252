"""Reporting a breach and refining it as the investigation goes.

Reporting resolves the affected tenants (those listed, all of this stamp's region, or else every
active tenant of the region), counts each one's exposure from item metadata, and writes the
incident with one pending notice per tenant; the 48-hour deadline runs from detection. Every
step is audited in the platform's trail and in each affected tenant's trail (counts only).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.accountability import documents as docs
from shared.accountability.exposure import affected_subject_ids, count_exposure
from shared.accountability.incident_models import (
    AffectedSubjects,
    IncidentCreate,
    IncidentCreated,
    IncidentPatch,
    IncidentView,
)
from shared.accountability.incident_register import (
    ESCALATE_BEFORE,
    NOTIFY_WITHIN,
    IncidentRegister,
    counts,
    notice_id,
)
from shared.accountability.lifecycle import NOTICE
from shared.accountability.remediation import new_action, with_changes
from shared.accountability.revisions import NoticeRevisions, changed_fields, notice_event
from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.containers import INCIDENTS
from shared.errors import BadRequest, FieldError
from shared.notify.outbox import NO_WAKE, Outbox
from shared.ports.clock import Clock
from shared.ports.document_store import BatchOp, DocumentStore, Item
from shared.settings import Settings
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.listed import listed_local
from shared.tenancy.models import Tenant

CLOCK_SKEW = timedelta(minutes=5)
RECOUNTED_BY = frozenset({"startedAt", "endedAt", "categories"})


class Incidents:
    def __init__(
        self,
        register: IncidentRegister,
        directory: DocumentStore,
        store: DocumentStore,
        tenants: TenantDirectory,
        audit: ControlAudit,
        clock: Clock,
        settings: Settings,
        outbox: Outbox = NO_WAKE,
    ) -> None:
        self._outbox = outbox
        self._register = register
        self._directory = directory
        self._store = store
        self._tenants = tenants
        self._audit = audit
        self._clock = clock
        self._settings = settings
        self.revisions = NoticeRevisions(
            register, directory, tenants, audit, clock, outbox, self._exposure
        )

    # -- reporting -------------------------------------------------------------------------------

    def report(self, principal: Principal, cmd: IncidentCreate) -> IncidentCreated:
        self._check_window(cmd.detectedAt, cmd.startedAt, cmd.endedAt)
        tenants = self._affected(cmd.tenantIds)
        now = self._clock.now()
        incident_id = f"inc-{uuid.uuid4().hex[:20]}"
        notify_by = cmd.detectedAt + NOTIFY_WITHIN
        doc = cmd.model_dump(mode="json", exclude={"tenantIds"}) | {
            "remediation": [new_action(r, now) for r in cmd.remediation],
            "id": incident_id,
            "incidentId": incident_id,
            "type": "incident",
            "region": self._settings.region,
            "scope": "listed" if cmd.tenantIds else "region",
            "notifyBy": notify_by.isoformat(),
            "tenantCount": len(tenants),
            "revision": 1,
            "reportedAt": now.isoformat(),
            "reportedBy": principal.actor,
            "updatedAt": now.isoformat(),
        }
        notices = [self._notice(incident_id, doc, t, notify_by) for t in tenants]
        events = [notice_event(doc, n, now) for n in notices]
        self._write(incident_id, [x for pair in zip(notices, events, strict=True) for x in pair])
        self._write(incident_id, [doc])
        self._outbox.written(INCIDENTS.name, events)
        self._audit.platform(
            principal.actor,
            "incident.reported",
            incident_id,
            {"tenants": len(tenants), "categories": cmd.categories, "scope": doc["scope"]},
        )
        for tenant, notice in zip(tenants, notices, strict=True):
            self._audit.tenant(
                tenant,
                principal.actor,
                "incident.notice.created",
                incident_id,
                counts(notice),
            )
        return IncidentCreated(
            incidentId=incident_id, notifyBy=notify_by, affectedTenants=len(tenants)
        )

    def _check_window(self, detected: datetime, started: datetime, ended: datetime | None) -> None:
        errors = []
        if started > detected:
            errors.append(FieldError("/startedAt", "must not be after detectedAt"))
        if ended is not None and ended < started:
            errors.append(FieldError("/endedAt", "must not be before startedAt"))
        if detected > self._clock.now() + CLOCK_SKEW:
            errors.append(FieldError("/detectedAt", "must not be in the future"))
        if errors:
            raise BadRequest("the incident's times are inconsistent", errors=errors)

    def _affected(self, tenant_ids: list[str] | None) -> list[Tenant]:
        """The listed tenants (all of this stamp's region), else every active tenant here."""
        region = self._settings.region
        if tenant_ids is None:
            return self._tenants.served_in(region)
        return listed_local(
            self._tenants, tenant_ids, "report the incident there, where its data can be counted"
        )

    def _notice(self, incident_id: str, doc: Item, tenant: Tenant, notify_by: datetime) -> Item:
        now = self._clock.now()
        return {
            "id": notice_id(tenant.tenantId),
            "incidentId": incident_id,
            "type": "notice",
            "tenantId": tenant.tenantId,
            "region": tenant.region,
            "status": NOTICE.initial.value,
            "escalated": False,
            "escalateAt": (notify_by - ESCALATE_BEFORE).isoformat(),
            "notifyBy": notify_by.isoformat(),
            "createdAt": now.isoformat(),
            "history": [],
            "exposure": self._exposure(tenant.tenantId, doc),
            "announcedRevision": 1,
        }

    def _exposure(self, tenant_id: str, doc: Item) -> dict[str, Any]:
        now = self._clock.now()
        end = datetime.fromisoformat(doc["endedAt"]) if doc.get("endedAt") else now
        exposure = count_exposure(
            self._store,
            tenant_id,
            doc["categories"],
            datetime.fromisoformat(doc["startedAt"]),
            end,
            now,
        )
        return exposure.model_dump(mode="json")

    def _write(self, incident_id: str, items: list[Item]) -> None:
        """Notices first, each with its ``incident.notice`` event in the same batch, then the
        incident document: it appears complete."""
        for start in range(0, len(items), 100):
            ops = [BatchOp("create", item=i) for i in items[start : start + 100]]
            self._directory.batch(INCIDENTS.name, (incident_id,), ops)

    # -- refining --------------------------------------------------------------------------------

    def update(self, principal: Principal, incident_id: str, patch: IncidentPatch) -> IncidentView:
        """A revision when something changes: the incident and what each notice must be told
        (``announcing``) in one write, then each tenant told (``revisions``)."""
        changes = patch.model_dump(mode="json", exclude_unset=True)
        current = self._register.incident(incident_id)
        merged = current | changes
        self._check_window(
            datetime.fromisoformat(merged["detectedAt"]),
            datetime.fromisoformat(merged["startedAt"]),
            datetime.fromisoformat(merged["endedAt"]) if merged.get("endedAt") else None,
        )
        changed: list[str] = []

        def revise(doc: Item) -> Item:
            now = self._clock.now()
            fields = {k: v for k, v in changes.items() if k != "remediation"}
            if patch.remediation is not None:
                fields["remediation"] = with_changes(
                    doc.get("remediation", []), patch.remediation, now
                )
            changed[:] = changed_fields(doc, fields)
            if not changed:
                return {}
            revision = doc["revision"] + 1
            announcing = {"revision": revision, "fields": changed, "by": principal.actor,
                          "recount": bool(RECOUNTED_BY & set(changed))}
            return fields | {"revision": revision, "updatedAt": now.isoformat(),
                             "announcing": announcing}

        doc = docs.mutate(
            self._directory, INCIDENTS.name, (incident_id,), incident_id, "incident", revise
        )
        self._audit.platform(
            principal.actor,
            "incident.updated",
            incident_id,
            {"fields": list(changed), "revision": doc["revision"]},
        )
        if changed or doc.get("announcing"):  # a retry after a crash finishes the telling
            self.revisions.announce(doc)
        return self._register.view(principal, incident_id)

    def announce_due(self) -> int:
        """Revisions of this region's incidents not yet told to every tenant (the timer)."""
        return self.revisions.announce_due(self._settings.region)

    # -- the specific persons, on the controller's instruction ---------------------------

    def affected_subjects(
        self, principal: Principal, incident_id: str, tenant_id: str, instruction: str
    ) -> AffectedSubjects:
        """Seed 001, 9.2.2: "if possible, an indication of the specific persons". The ids of
        the tenant's subjects with data of the incident's categories in its window (metadata
        only, nothing decrypted), for the controller, who asked for them."""
        doc = self._register.incident(incident_id)
        self._register.notice(incident_id, tenant_id)  # 404 unless the tenant is affected
        tenant = self._tenants.local(tenant_id)
        now = self._clock.now()
        start = datetime.fromisoformat(doc["startedAt"])
        end = datetime.fromisoformat(doc["endedAt"]) if doc.get("endedAt") else now
        ids = affected_subject_ids(self._store, tenant_id, doc["categories"], start, end)
        details = {"tenantId": tenant_id, "subjects": len(ids)}
        self._audit.platform(principal.actor, "incident.subjects.listed", incident_id, details)
        self._audit.tenant(
            tenant, principal.actor, "incident.subjects.listed", incident_id, {"subjects": len(ids)}
        )
        return AffectedSubjects(
            incidentId=incident_id,
            tenantId=tenant_id,
            instruction=instruction,
            categories=doc["categories"],
            windowStart=start,
            windowEnd=end,
            count=len(ids),
            subjectIds=ids,
            generatedAt=now,
        )
