"""The register of authority requests, and each tenant's notice of them once the law allows.

Recorded by a platform admin at the stamp of the tenants' region (their trails live there).
A tenant is told (its notice becomes visible, and its own trail gets the entry) as soon as no
gag order forbids it: at once without one, at the order's date, or when the order is lifted.
Until then nothing of the request reaches the tenant, not even its audit trail (which the
tenant's auditors read). ``release`` is the one function where a notice becomes visible; the
timer and every read of the notices call it. The same write stores an ``authority.notice``
outbox event for the tenants it tells (ids and dates only), so their webhooks and privacy
contacts hear of it exactly when the law allows, never before. Every step is audited in the
platform's trail.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from shared.accountability import documents as docs
from shared.accountability.authority_models import (
    AUTHORITY_REQUEST,
    AuthorityNotice,
    AuthorityNoticePage,
    AuthorityRequest,
    AuthorityRequestCreate,
    AuthorityRequestPage,
    AuthorityRequestPatch,
    AuthorityStatus,
)
from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.concurrency import under_etag
from shared.containers import AUTHORITY_REQUESTS
from shared.errors import Conflict
from shared.lifecycle import advance
from shared.notify.models import EventType
from shared.notify.outbox import NO_WAKE, Outbox, event_doc, write_with_events
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Item, Query
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.listed import listed_local
from shared.tenancy.models import Tenant

SYSTEM_ACTOR = "system:authority"


def notice_allowed(doc: Item, now: datetime) -> bool:
    """No gag order, or one that has lapsed."""
    gag = doc["gag"]
    if not gag["ordered"]:
        return True
    return gag.get("until") is not None and now >= datetime.fromisoformat(gag["until"])


class AuthorityRegister:
    def __init__(
        self,
        directory: DocumentStore,
        tenants: TenantDirectory,
        audit: ControlAudit,
        clock: Clock,
        region: str,
        outbox: Outbox = NO_WAKE,
    ) -> None:
        self._outbox = outbox
        self._directory = directory
        self._tenants = tenants
        self._audit = audit
        self._clock = clock
        self._region = region

    # -- the register (Platform.Admin) ---------------------------------------------------

    def record(self, principal: Principal, cmd: AuthorityRequestCreate) -> AuthorityRequest:
        self._concerned(cmd.tenantIds)  # before dropping repeats: a 400 points at the entry sent
        tenant_ids = list(dict.fromkeys(cmd.tenantIds))
        now = self._clock.now().isoformat()
        request_id = f"auth-{uuid.uuid4().hex[:20]}"
        doc = cmd.model_dump(mode="json", exclude={"response"}) | {
            "id": request_id,
            "requestId": request_id,
            "region": self._region,
            "tenantIds": tenant_ids,
            "status": AUTHORITY_REQUEST.initial.value,
            "response": None,
            "respondedAt": None,
            "notices": [{"tenantId": t, "releasedAt": None} for t in tenant_ids],
            "pending": True,
            "recordedAt": now,
            "recordedBy": principal.actor,
            "updatedAt": now,
        }
        if cmd.response is not None:
            doc |= _answered(doc, cmd.response.model_dump(mode="json"), now)
        self._directory.create(AUTHORITY_REQUESTS.name, doc)
        details = {"tenants": len(tenant_ids), "categories": cmd.categories, "gag": cmd.gag.ordered}
        self._audit.platform(principal.actor, "authority.request.recorded", request_id, details)
        return self._after_change(doc)

    def update(
        self, principal: Principal, request_id: str, patch: AuthorityRequestPatch
    ) -> AuthorityRequest:
        def change(doc: Item) -> Item:
            now = self._clock.now().isoformat()
            fields: Item = {"updatedAt": now}
            if patch.gag is not None:
                fields["gag"] = patch.gag.model_dump(mode="json")
            if patch.response is not None:
                if doc["status"] == AuthorityStatus.ANSWERED:
                    raise Conflict("this request's answer is already recorded")
                fields |= _answered(doc, patch.response.model_dump(mode="json"), now)
            return fields

        doc = docs.mutate(
            self._directory,
            AUTHORITY_REQUESTS.name,
            (request_id,),
            request_id,
            "authority request",
            change,
        )
        fields = sorted(patch.model_dump(exclude_none=True))
        self._audit.platform(
            principal.actor, "authority.request.updated", request_id, {"fields": fields}
        )
        for notice in doc["notices"]:  # tenants already told hear of the change too
            if notice["releasedAt"] is not None:
                self._audit.tenant(
                    self._tenant(notice["tenantId"]),
                    principal.actor,
                    "authority.notice.updated",
                    request_id,
                    {"fields": fields},
                )
        return self._after_change(doc)

    def read(self, principal: Principal, request_id: str) -> AuthorityRequest:
        doc = self._doc(request_id)
        self._audit.platform(principal.actor, "authority.request.read", request_id)
        return AuthorityRequest.model_validate(doc)

    def listing(self, principal: Principal) -> AuthorityRequestPage:
        found = self._every()
        self._audit.platform(
            principal.actor, "authority.request.listed", "authority-requests", {"count": len(found)}
        )
        return AuthorityRequestPage(items=[AuthorityRequest.model_validate(d) for d in found])

    # -- the tenants' notices ----------------------------------------------------------------

    def release_due(self) -> int:
        """Release every notice of this region that no gag holds back any more (the timer)."""
        query = Query(filters=[Filter("region", "=", self._region), Filter("pending", "=", True)])
        found = docs.read_all(self._directory, AUTHORITY_REQUESTS.name, (), query)
        now = self._clock.now()
        return sum(len(self.release(d)) for d in found if notice_allowed(d, now))

    def release(self, doc: Item) -> list[str]:
        """The notice of a request becomes visible to each tenant it concerns, with the event
        that tells them in the same write (the one place). Returns the tenants newly told."""
        now = self._clock.now()
        if not notice_allowed(doc, now):
            return []
        request_id = doc["requestId"]
        released: list[str] = []
        events: list[Item] = []

        def attempt() -> None:
            current = self._doc(request_id)
            due = current["pending"] and notice_allowed(current, now)  # not told, not gagged
            notices = current["notices"]
            released[:] = [n["tenantId"] for n in notices if due and n["releasedAt"] is None]
            events[:] = [notice_event(current, released, now)] if released else []
            if not due:
                return
            stamped = [n | {"releasedAt": n["releasedAt"] or now.isoformat()} for n in notices]
            after = current | {"notices": stamped, "pending": False}
            pk = (request_id,)
            write_with_events(self._directory, AUTHORITY_REQUESTS.name, pk, current, after, events)

        under_etag(attempt, what="the authority request")
        self._outbox.written(AUTHORITY_REQUESTS.name, events)
        for tenant_id in released:
            details = {"categories": doc["categories"], "gagged": doc["gag"]["ordered"]}
            self._audit.tenant(
                self._tenant(tenant_id),
                SYSTEM_ACTOR,
                "authority.notice.released",
                request_id,
                details,
            )
        if released:
            self._audit.platform(
                SYSTEM_ACTOR, "authority.notice.released", request_id, {"tenants": len(released)}
            )
        return released

    def notices(self, principal: Principal, tenant_id: str) -> AuthorityNoticePage:
        """What this tenant has been told (a read also releases what has just become due)."""
        tenant = self._tenants.local(tenant_id)
        self.release_due()
        items = [
            _notice(doc, notice["releasedAt"])
            for doc in self._every()
            for notice in doc["notices"]
            if notice["tenantId"] == tenant_id and notice["releasedAt"] is not None
        ]
        self._audit.tenant(
            tenant, principal.actor, "authority.notices.read", tenant_id, {"count": len(items)}
        )
        return AuthorityNoticePage(items=items)

    # -- helpers -----------------------------------------------------------------------------

    def _after_change(self, doc: Item) -> AuthorityRequest:
        self.release(doc)
        return AuthorityRequest.model_validate(self._doc(doc["requestId"]))

    def _doc(self, request_id: str) -> Item:
        return docs.read(
            self._directory, AUTHORITY_REQUESTS.name, (request_id,), request_id, "authority request"
        )

    def _every(self) -> list[Item]:
        query = Query(
            filters=[Filter("region", "=", self._region)], order_by="receivedAt", descending=True
        )
        return docs.read_all(self._directory, AUTHORITY_REQUESTS.name, (), query)

    def _tenant(self, tenant_id: str) -> Tenant:
        return self._tenants.get(tenant_id)

    def _concerned(self, tenant_ids: list[str]) -> None:
        """Every tenant exists and is served here (its trail, which will hear of the request,
        lives in this region)."""
        listed_local(self._tenants, tenant_ids, "record the request there")


def _answered(doc: Item, response: dict[str, Any], now: str) -> Item:
    status = advance(AUTHORITY_REQUEST, doc["status"], AuthorityStatus.ANSWERED)
    return {"status": status.value, "response": response, "respondedAt": now}


def _notice(doc: Item, released_at: str) -> AuthorityNotice:
    return AuthorityNotice.model_validate(
        {
            k: doc[k]
            for k in (
                "requestId",
                "authority",
                "legalBasis",
                "receivedAt",
                "categories",
                "status",
                "response",
                "respondedAt",
            )
        }
        | {"releasedAt": released_at, "gagged": doc["gag"]["ordered"]}
    )


def notice_event(doc: Item, tenant_ids: list[str], now: datetime) -> Item:
    """``authority.notice`` for the tenants just told: ids and dates only (not the authority,
    its legal basis or the categories: the notice itself, behind sign-in, shows those)."""
    data = {
        "requestId": doc["requestId"],
        "receivedAt": doc["receivedAt"],
        "releasedAt": now.isoformat(),
    }
    partition = {"requestId": doc["requestId"]}
    return event_doc(
        EventType.AUTHORITY_NOTICE, data, now, partition, audience="tenants", targets=tenant_ids
    )
