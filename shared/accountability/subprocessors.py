"""The subprocessor register and its changes: notice period, objections, activation.

Tenants hear of a change at least 14 days before it takes effect (seed 000, DPA 6.2) and may
object within the window of the DPA they signed (``objectionWindowDays`` on the tenant: 14 days
under the current DPA, seed 001 6.3; 7 under the older appendix D, seed 000 6.2), counted from
learning of it (the proposal, or onboarding for a newer tenant); silence is consent. A change
is applied only by an explicit activation once the 14 days have run; an objection does not
block it (the vendor follows up with the tenant) but stays on the record.
The register is global (directory store), so every step is audited in the platform's trail and
in the trail of every tenant of every region (counts and ids, never the free texts).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from shared.accountability import documents as docs
from shared.accountability.lifecycle import (
    SUBPROCESSOR,
    SUBPROCESSOR_CHANGE,
    ChangeStatus,
    EntryStatus,
)
from shared.accountability.subprocessor_models import (
    Objection,
    ObjectionCreate,
    ObjectionRecorded,
    Subprocessor,
    SubprocessorChange,
    SubprocessorChangeCreate,
    SubprocessorSpec,
)
from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.containers import SUBPROCESSOR_CHANGES, SUBPROCESSORS
from shared.errors import Conflict
from shared.lifecycle import advance
from shared.notify.models import EventType
from shared.notify.outbox import NO_WAKE, Outbox, event_doc, write_with_events
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Item, Query
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import DEFAULT_OBJECTION_WINDOW_DAYS, Tenant

CHANGE_EVENT_FIELDS = (
    "changeId", "subprocessorId", "kind", "proposedAt", "effectiveFrom", "objectionsCloseAt"
)
"""What tenants are told of a proposed change: ids and dates (the console shows the rest)."""

NOTICE_PERIOD = timedelta(days=14)
DEFAULT_WINDOW = timedelta(days=DEFAULT_OBJECTION_WINDOW_DAYS)


def object_by(change: Item, tenant: Tenant) -> datetime:
    """The end of this tenant's window: it learns of a change when it is proposed, or when it
    joins if that is later, and has the days its contract gives it."""
    proposed = datetime.fromisoformat(change["proposedAt"])
    return max(proposed, tenant.createdAt) + timedelta(days=tenant.objectionWindowDays)


class Subprocessors:
    def __init__(
        self,
        directory: DocumentStore,
        tenants: TenantDirectory,
        audit: ControlAudit,
        clock: Clock,
        regions: list[str],
        outbox: Outbox = NO_WAKE,
    ) -> None:
        self._outbox = outbox
        self._directory = directory
        self._tenants = tenants
        self._audit = audit
        self._clock = clock
        self._regions = regions

    def _all_tenants(self) -> list[Tenant]:
        return [t for region in self._regions for t in self._tenants.served_in(region)]

    # -- the register ------------------------------------------------------------------------

    def entries(self, active_only: bool = False) -> list[Subprocessor]:
        filters = [Filter("status", "=", "active")] if active_only else []
        query = Query(filters=filters, order_by="name")
        found = docs.read_all(self._directory, SUBPROCESSORS.name, (), query)
        return [Subprocessor.model_validate(d) for d in found]

    def listing(self, principal: Principal) -> list[Subprocessor]:
        entries = self.entries()
        self._audit.platform(
            principal.actor, "subprocessor.listed", "subprocessors", {"count": len(entries)}
        )
        return entries

    def register(self, principal: Principal, spec: SubprocessorSpec) -> Subprocessor:
        """Record an entry of the list tenants agreed to in their DPA (new ones: ``propose``)."""
        doc = self._entry(f"sp-{uuid.uuid4().hex[:16]}", spec, None)
        self._directory.create(SUBPROCESSORS.name, doc)
        self._audit.everywhere(
            self._all_tenants(), principal.actor, "subprocessor.registered", doc["id"]
        )
        return Subprocessor.model_validate(doc)

    def _entry(self, subprocessor_id: str, spec: SubprocessorSpec, change_id: str | None) -> Item:
        return spec.model_dump(mode="json") | {
            "id": subprocessor_id,
            "subprocessorId": subprocessor_id,
            "status": SUBPROCESSOR.initial.value,
            "activeSince": self._clock.now().isoformat(),
            "removedAt": None,
            "changeId": change_id,
        }

    def _active(self, subprocessor_id: str) -> Item:
        doc = docs.read(
            self._directory, SUBPROCESSORS.name, (subprocessor_id,), subprocessor_id, "subprocessor"
        )
        if doc["status"] != EntryStatus.ACTIVE:
            raise Conflict("this subprocessor was already removed")
        return doc

    # -- changes -------------------------------------------------------------------------------

    def propose(self, principal: Principal, cmd: SubprocessorChangeCreate) -> SubprocessorChange:
        previous = None
        if cmd.subprocessorId:
            current = self._active(cmd.subprocessorId)
            previous = SubprocessorSpec.model_validate(
                {k: current[k] for k in SubprocessorSpec.model_fields}
            ).model_dump(mode="json")
        now = self._clock.now()
        change_id = f"spc-{uuid.uuid4().hex[:16]}"
        tenants = self._all_tenants()
        doc = cmd.model_dump(mode="json") | {
            "id": change_id,
            "changeId": change_id,
            "subprocessorId": cmd.subprocessorId or f"sp-{uuid.uuid4().hex[:16]}",
            "previous": previous,
            "status": SUBPROCESSOR_CHANGE.initial.value,
            "proposedAt": now.isoformat(),
            "proposedBy": principal.actor,
            "effectiveFrom": (now + NOTICE_PERIOD).isoformat(),
            "objectionWindowDays": DEFAULT_WINDOW.days,
            "objectionsCloseAt": (now + DEFAULT_WINDOW).isoformat(),
            "tenantsNotified": len(tenants),
            "objections": [],
        }
        event = event_doc(
            EventType.SUBPROCESSOR_CHANGE_PROPOSED,
            {k: doc[k] for k in CHANGE_EVENT_FIELDS},
            now,
            {"changeId": change_id},
            audience="region",
        )
        pk = (change_id,)
        write_with_events(self._directory, SUBPROCESSOR_CHANGES.name, pk, None, doc, [event])
        self._outbox.written(SUBPROCESSOR_CHANGES.name, [event])
        details = {"kind": cmd.kind, "subprocessorId": doc["subprocessorId"]}
        self._audit.everywhere(
            tenants, principal.actor, "subprocessor.change.proposed", change_id, details
        )
        return SubprocessorChange.model_validate(doc)

    def _change(self, change_id: str) -> Item:
        return docs.read(
            self._directory, SUBPROCESSOR_CHANGES.name, (change_id,), change_id, "change"
        )

    def change(self, principal: Principal, change_id: str) -> SubprocessorChange:
        doc = self._change(change_id)
        self._audit.platform(principal.actor, "subprocessor.change.read", change_id)
        return SubprocessorChange.model_validate(doc)

    def changes(self, principal: Principal) -> list[SubprocessorChange]:
        query = Query(
            filters=[Filter("docType", "exists", False)], order_by="proposedAt", descending=True
        )
        found = docs.read_all(self._directory, SUBPROCESSOR_CHANGES.name, (), query)
        self._audit.platform(
            principal.actor, "subprocessor.change.listed", "changes", {"count": len(found)}
        )
        return [SubprocessorChange.model_validate(d) for d in found]

    def pending(self) -> list[Item]:
        """Changes still in their notice period or awaiting activation (records of processing)."""
        query = Query(filters=[Filter("status", "=", "proposed")], order_by="proposedAt")
        return docs.read_all(self._directory, SUBPROCESSOR_CHANGES.name, (), query)

    def record_objection(
        self, principal: Principal, tenant_id: str, cmd: ObjectionCreate
    ) -> ObjectionRecorded:
        tenant = self._tenants.get(tenant_id)
        change = self._change(cmd.changeId)
        deadline = object_by(change, tenant)
        now = self._clock.now()
        if change["status"] != ChangeStatus.PROPOSED or now > deadline:
            self._audit.tenant(
                tenant,
                principal.actor,
                "subprocessor.objection.refused",
                cmd.changeId,
                {"status": change["status"], "windowDays": tenant.objectionWindowDays},
                outcome="denied",
            )
            raise Conflict(f"the objection window closed at {deadline.isoformat()}")
        objection = Objection(tenantId=tenant_id, at=now, by=principal.actor, reason=cmd.reason)

        def add(doc: Item) -> Item:
            if any(o["tenantId"] == tenant_id for o in doc["objections"]):
                raise Conflict("this tenant already objected to this change")
            return {"objections": [*doc["objections"], objection.model_dump(mode="json")]}

        docs.mutate(
            self._directory, SUBPROCESSOR_CHANGES.name, (cmd.changeId,), cmd.changeId, "change", add
        )
        self._audit.platform(principal.actor, "subprocessor.objection.recorded", cmd.changeId)
        self._audit.tenant(tenant, principal.actor, "subprocessor.objection.recorded", cmd.changeId)
        return ObjectionRecorded(
            changeId=cmd.changeId, tenantId=tenant_id, at=now, objectBy=deadline
        )

    def activate(self, principal: Principal, change_id: str) -> SubprocessorChange:
        """Apply the change once its notice period has run (idempotent until it is marked)."""
        change = self._change(change_id)
        effective = datetime.fromisoformat(change["effectiveFrom"])
        if change["status"] != ChangeStatus.PROPOSED:
            raise Conflict("this change is already in effect")
        if self._clock.now() < effective:
            raise Conflict(f"the notice period runs until {effective.isoformat()}")
        self._apply(change)

        def mark(doc: Item) -> Item:
            if doc["status"] != ChangeStatus.PROPOSED:
                raise Conflict("this change is already in effect")
            now = self._clock.now().isoformat()
            status = advance(SUBPROCESSOR_CHANGE, doc["status"], ChangeStatus.ACTIVE)
            return {"status": status.value, "activatedAt": now, "activatedBy": principal.actor}

        doc = docs.mutate(
            self._directory, SUBPROCESSOR_CHANGES.name, (change_id,), change_id, "change", mark
        )
        details = {"kind": doc["kind"], "objections": len(doc["objections"])}
        self._audit.everywhere(
            self._all_tenants(),
            principal.actor,
            "subprocessor.change.activated",
            change_id,
            details,
        )
        return SubprocessorChange.model_validate(doc)

    def _apply(self, change: Item) -> None:
        sp_id, change_id = change["subprocessorId"], change["changeId"]
        if change["kind"] == "add":
            spec = SubprocessorSpec.model_validate(change["subprocessor"])
            self._directory.upsert(SUBPROCESSORS.name, self._entry(sp_id, spec, change_id))
            return
        now = self._clock.now().isoformat()
        fields: Item = {"changeId": change_id}
        if change["kind"] == "replace":
            fields |= change["subprocessor"] | {"activeSince": now}

        def apply(entry: Item) -> Item:
            if change["kind"] != "remove":
                return fields
            removed = advance(SUBPROCESSOR, entry["status"], EntryStatus.REMOVED)
            return fields | {"status": removed.value, "removedAt": now}

        docs.mutate(self._directory, SUBPROCESSORS.name, (sp_id,), sp_id, "subprocessor", apply)
