"""The world the grant matrix runs in: for every admin route, a call that succeeds when the
caller is allowed (fresh resources for one-shot actions), so an allowed cell must answer its
exact 2xx and a refused one 403, and neither can be an accident of missing data."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import azure.functions as func

from shared.auth import ANY_ROLE, Role
from shared.composition import App
from tests.app_client import FUNCTIONS, AppClient, principal
from tests.conftest import ORIGIN, PLATFORM, PRIVACY_ADMIN
from tests.fakes import FakeClock
from tests.functions.test_dsar import OPERATOR, Dsar, RecordingClient
from tests.recording_upload import metadata, multipart, telephony

PUBLIC_ROUTES = frozenset(
    {
        "collect",
        "submit_contact",
        "submit_consent",
        "submit_message",
        "submit_privacy_request",
        "health",
        "openapi",
        "problem_page",
        "console_page",
        "console_asset",
    }
)
"""HTTP functions that take no principal (widget calls, health, the OpenAPI document, the
problem type pages, the console's static files: the API it calls decides)."""

SIGNED_IN_ROUTES = frozenset({"get_me", "list_tenants", "get_retention_limits"})
"""HTTP functions any signed-in principal may call (they answer within its own grants)."""

SUBPROCESSOR = {
    "name": "Mailer Inc",
    "purpose": "sending callback confirmations",
    "location": "EU (Ireland)",
    "dataCategories": ["contact"],
    "transferSafeguard": "none needed: processing in the EU",
}
ALL, PLATFORM_ONLY, PRIVACY_ONLY = ANY_ROLE, {Role.PLATFORM_ADMIN}, {Role.PRIVACY_ADMIN}
OPERATORS = {Role.PRIVACY_OPERATOR, Role.PRIVACY_ADMIN}
Params = dict[str, str]
ASYNC_ROUTES = {"start_dsar", "decide_dsar", "resume_dsar", "cancel_dsar", "retry_dsar"}
"""Routes holding a Durable client (called with a recording one)."""


@dataclass(frozen=True)
class Raw:
    """A body that is not JSON (the multipart upload of a recording)."""

    data: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class RouteSpec:
    method: str
    allowed: frozenset[Role]
    success: int
    tenant_scoped: bool = True
    body: Callable[[World, Params], Any] | None = None
    prepare: Callable[[World], Params] | None = None
    """Fresh route parameters for a one-shot action (a hold to release, a request to decide)."""


def spec(method: str, allowed: set[Role] | frozenset[Role], success: int, **kw: Any) -> RouteSpec:
    return RouteSpec(method, frozenset(allowed), success, **kw)


class World:
    """Tenants T (the one acted on), O (another tenant) and E (offboarded, export ready), an
    incident affecting T, subprocessor changes, DSARs: everything the routes act on."""

    def __init__(self, services: App, clock: FakeClock) -> None:
        self.client, self.clock = AppClient(services), clock
        self.durable = RecordingClient()
        self.tenant, self.other = self.new_tenant("T"), self.new_tenant("O")
        self.ripe_changes = [self.propose() for _ in range(60)]
        clock.advance(timedelta(days=15))  # their notice period has run: they can be activated
        self.change, self.incident = self.propose(), self.report()
        self.ok("update_tenant", PRIVACY_ADMIN, self.at(), {"erasureWaitingDays": 3})
        self.dsar = Dsar(self.client, {"tenantId": self.tenant}, clock)
        self.access = self.completed_access()
        self.pending = self.erasure()
        self.offboarded = self.exported_tenant()
        self.webhook = self.new_webhook()
        self.recording = self.recorded()
        self.authority = str(self.ok("record_authority_request", PLATFORM, {},
                                     self.authority_body())["requestId"])

    def call(self, name: str, method: str, headers: dict[str, str], params: Params,
             body: Any = None) -> tuple[int, dict[str, str], bytes]:
        if isinstance(body, Raw):
            answer = self.client.call(name, method, raw=body.data, route=params,
                                      headers={**headers, **body.headers})
            return answer.status, answer.headers, answer.body
        if name not in ASYNC_ROUTES:
            answer = self.client.call(name, method, body=body, headers=headers, route=params)
            return answer.status, answer.headers, answer.body
        request = func.HttpRequest(method, f"http://localhost/api/{name}", headers=headers,
                                   route_params=params, body=json.dumps(body).encode())
        handler = FUNCTIONS[name].get_user_function().__wrapped__
        response = asyncio.run(handler(request, client=self.durable))
        headers = {**dict(response.headers), "Content-Type": response.mimetype}
        return response.status_code, headers, response.get_body()

    def ok(self, name: str, headers: dict[str, str], params: Params, body: Any = None) -> Any:
        status, _, raw = self.call(name, "POST", headers, params, body)
        assert 200 <= status < 300, (name, status, raw)
        return json.loads(raw) if raw else None

    def new_tenant(self, name: str) -> str:
        body = {"name": name, "region": "eu", "allowedOrigins": [ORIGIN]}
        return str(self.ok("create_tenant", PLATFORM, {}, body)["tenantId"])

    def propose(self) -> str:
        body = {"kind": "add", "subprocessor": SUBPROCESSOR}
        return str(self.ok("propose_subprocessor_change", PLATFORM, {}, body)["changeId"])

    def report(self) -> str:
        return str(self.ok("report_incident", PLATFORM, {}, self.incident_body())["incidentId"])

    def incident_body(self) -> dict[str, Any]:
        now = self.clock.now()
        return {
            "detectedAt": now.isoformat(),
            "startedAt": (now - timedelta(hours=2)).isoformat(),
            "nature": "misdirected support export",
            "systems": ["support console"],
            "categories": ["contact"],
            "measures": {"taken": ["recipient deleted it"], "proposed": []},
            "contact": "DPO desk",
            "tenantIds": [self.tenant],
        }

    def hold(self) -> str:
        body = {"scope": "tenant", "reason": "claim 2026-17"}
        return str(self.ok("create_legal_hold", PRIVACY_ADMIN, self.at(), body)["holdId"])

    def erasure(self, verified: bool = False) -> str:
        body = {"type": "erasure", "identifiers": {"email": "nobody@example.org"}}
        request_id = str(self.ok("start_dsar", OPERATOR, self.at(), body)["requestId"])
        if verified:
            self.ok("verify_dsar", OPERATOR, self.at(requestId=request_id), {"method": "email"})
        return request_id

    def driven(self, body: dict[str, Any]) -> str:
        """A request run by its orchestration (in-process) until it waits or ends."""
        answer = self.dsar.start(body)
        return str(json.loads(answer.get_body())["requestId"])

    def with_match(self) -> Params:
        """An undecided erasure whose identifier matched one subject: the match to exclude."""
        request_id = self.driven({"type": "erasure", "identifiers": {"visitorId": "v-matrix"}})
        [match] = self.dsar.status(request_id)["matches"]
        return self.at(requestId=request_id, matchRef=match["subjectRef"])

    def paused(self) -> Params:
        request_id = self.erasure()
        body = {"reason": "identity_documents"}
        self.ok("pause_dsar", OPERATOR, self.at(requestId=request_id), body)
        return self.at(requestId=request_id)

    def waiting(self) -> Params:
        """An approved erasure in the tenant's 3-day waiting period."""
        request_id = self.driven({"type": "erasure", "identifiers": {"visitorId": "v-matrix"}})
        self.dsar.verify(request_id)
        self.dsar.decide(request_id, True)
        assert self.dsar.status(request_id)["status"] == "approved"
        return self.at(requestId=request_id)

    def restricted(self) -> Params:
        request_id = self.driven({"type": "restriction", "identifiers": {"visitorId": "v-r"}})
        return self.at(requestId=request_id)

    def failed(self) -> Params:
        request_id = self.erasure()
        self.client.services.dsar_steps.fail(self.tenant, request_id, "category_failed")
        return self.at(requestId=request_id)

    def completed_access(self) -> str:
        dsar = Dsar(self.client, {"tenantId": self.tenant}, self.clock)
        answer = dsar.start({"type": "access", "identifiers": {"email": "nobody@example.org"}})
        request_id = str(json.loads(answer.get_body())["requestId"])
        assert dsar.status(request_id)["status"] == "completed"
        return request_id

    def exported_tenant(self) -> str:
        tenant_id = self.new_tenant("E")
        end = (self.clock.now() + timedelta(hours=1)).isoformat()
        self.ok("start_offboarding", PRIVACY_ADMIN, self.at(tenant_id), {"contractEnd": end})
        self.clock.advance(timedelta(hours=2))
        self.client.run_timer("advance_offboarding")
        return tenant_id

    def new_webhook(self, tenant_id: str | None = None) -> str:
        body = {"url": "http://127.0.0.1:9/hook", "events": ["dsar.received"]}
        params = self.at(tenant_id)
        return str(self.ok("register_webhook", PRIVACY_ADMIN, params, body)["webhookId"])

    def webhook_elsewhere(self) -> Params:
        """A webhook of a fresh tenant (T would reach its limit of 20 across the matrix)."""
        tenant_id = self.new_tenant("W")
        return self.at(tenant_id, webhookId=self.new_webhook(tenant_id))

    def sent_notice(self) -> Params:
        """A fresh incident whose notice to T was sent: the tenant may acknowledge it."""
        params = self.at(incidentId=self.report())
        self.ok("move_incident_notice", PLATFORM, params, {"status": "sent"})
        return params

    def authority_body(self) -> dict[str, Any]:
        return {"authority": "Public prosecutor", "legalBasis": "Art. 60-1 CPP",
                "receivedAt": self.clock.now().isoformat(), "tenantIds": [self.tenant],
                "categories": ["contact"]}

    def recorded(self) -> str:
        """T records calls; one recording of it to listen to."""
        self.ok("update_tenant", PLATFORM, self.at(), {"recordingEnabled": True})
        created = self.ok("store_recording", telephony(self.tenant), self.at(), recording())
        return str(created["recordingId"])

    def at(self, tenant_id: str | None = None, **ids: str) -> Params:
        return {"tenantId": tenant_id or self.tenant, **ids}

    def params(self) -> Params:
        """Route parameters naming existing resources (extra ones are ignored by routes)."""
        return self.at(requestId=self.access, incidentId=self.incident, changeId=self.change,
                       recordingId=self.recording, webhookId=self.webhook)


def recording(world: World | None = None, params: Params | None = None) -> Raw:
    data, headers = multipart(metadata(), b"\x00audio\x01" * 50)
    return Raw(data, headers)


def _objection(world: World, params: Params) -> dict[str, str]:
    return {"changeId": params["changeId"], "reason": "EU-only mail promised"}


ADMIN_ROUTES: dict[str, RouteSpec] = {
    "create_tenant": spec("POST", PLATFORM_ONLY, 201, tenant_scoped=False, body=lambda w, p: {
        "name": "N", "region": "eu", "allowedOrigins": [ORIGIN]}),
    "get_tenant": spec("GET", ALL, 200),
    "update_tenant": spec("PATCH", {Role.PLATFORM_ADMIN, Role.PRIVACY_ADMIN}, 200,
                          body=lambda w, p: {"name": "Renamed"}),
    "list_contacts": spec("GET", {Role.SUPPORT_AGENT, Role.PRIVACY_ADMIN}, 200),
    "list_audit": spec("GET", {Role.AUDITOR, Role.PRIVACY_ADMIN}, 200),
    "verify_audit": spec("GET", {Role.AUDITOR}, 200),
    "create_legal_hold": spec("POST", PRIVACY_ONLY, 201,
                              body=lambda w, p: {"scope": "tenant", "reason": "claim"}),
    "release_legal_hold": spec("DELETE", PRIVACY_ONLY, 204,
                               prepare=lambda w: w.at(holdId=w.hold())),
    "start_offboarding": spec("POST", PRIVACY_ONLY, 202,
                              prepare=lambda w: w.at(w.new_tenant("Leaving")),
                              body=lambda w, p: {"contractEnd": "2031-01-01T00:00:00Z"}),
    "get_offboarding": spec("GET", {Role.PRIVACY_ADMIN, Role.PLATFORM_ADMIN}, 200,
                            prepare=lambda w: w.at(w.offboarded)),
    "download_offboarding_export": spec("GET", PRIVACY_ONLY, 200,
                                        prepare=lambda w: w.at(w.offboarded)),
    "start_dsar": spec("POST", OPERATORS, 202, body=lambda w, p: {
        "type": "access", "identifiers": {"email": "nobody@example.org"}}),
    "list_dsar": spec("GET", OPERATORS, 200),
    "get_dsar": spec("GET", OPERATORS, 200),
    "decide_dsar": spec("POST", PRIVACY_ONLY, 202,
                        prepare=lambda w: w.at(requestId=w.erasure(verified=True)),
                        body=lambda w, p: {"approve": True, "reason": "identity checked"}),
    "verify_dsar": spec("POST", OPERATORS, 200, prepare=lambda w: w.at(requestId=w.erasure()),
                        body=lambda w, p: {"method": "document"}),
    "exclude_dsar_match": spec("POST", OPERATORS, 200, prepare=lambda w: w.with_match(),
                               body=lambda w, p: {"reason": "another family member"}),
    "pause_dsar": spec("POST", OPERATORS, 200, prepare=lambda w: w.at(requestId=w.erasure()),
                       body=lambda w, p: {"reason": "identity_documents"}),
    "resume_dsar": spec("POST", OPERATORS, 200, prepare=lambda w: w.paused()),
    "cancel_dsar": spec("POST", PRIVACY_ONLY, 200, prepare=lambda w: w.waiting(),
                        body=lambda w, p: {"reason": "the requester changed their mind"}),
    "lift_dsar": spec("POST", PRIVACY_ONLY, 200, prepare=lambda w: w.restricted(),
                      body=lambda w, p: {"reason": "the dispute is settled"}),
    "retry_dsar": spec("POST", PRIVACY_ONLY, 202, prepare=lambda w: w.failed()),
    "extend_dsar": spec("POST", PRIVACY_ONLY, 200, prepare=lambda w: w.at(requestId=w.pending),
                        body=lambda w, p: {"days": 1, "reason": "complex request"}),
    "download_dsar_export": spec("GET", OPERATORS, 200),
    "report_incident": spec("POST", PLATFORM_ONLY, 201, tenant_scoped=False,
                            body=lambda w, p: w.incident_body()),
    "list_incidents": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
    "get_incident": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
    "update_incident": spec("PATCH", PLATFORM_ONLY, 200, tenant_scoped=False,
                            body=lambda w, p: {"nature": "misdirected support export, refined"}),
    "move_incident_notice": spec("POST", PLATFORM_ONLY, 200,
                                 prepare=lambda w: w.at(incidentId=w.report()),
                                 body=lambda w, p: {"status": "sent"}),
    "get_incident_notice": spec("GET", PLATFORM_ONLY, 200),
    "list_affected_subjects": spec("POST", PLATFORM_ONLY, 200,
                                   body=lambda w, p: {"instruction": "controller ticket 42"}),
    "list_subprocessors": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
    "register_subprocessor": spec("POST", PLATFORM_ONLY, 201, tenant_scoped=False,
                                  body=lambda w, p: SUBPROCESSOR),
    "propose_subprocessor_change": spec("POST", PLATFORM_ONLY, 201, tenant_scoped=False,
                                        body=lambda w, p: {"kind": "add",
                                                           "subprocessor": SUBPROCESSOR}),
    "list_subprocessor_changes": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
    "get_subprocessor_change": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
    "activate_subprocessor_change": spec("POST", PLATFORM_ONLY, 200, tenant_scoped=False,
                                         prepare=lambda w: w.at(changeId=w.ripe_changes.pop())),
    "object_to_subprocessor_change": spec("POST", PRIVACY_ONLY, 201,
                                          prepare=lambda w: w.at(changeId=w.propose()),
                                          body=_objection),
    "get_records_of_processing": spec("GET", ALL, 200),
    "rotate_widget_key": spec("POST", {Role.PLATFORM_ADMIN, Role.PRIVACY_ADMIN}, 201,
                              prepare=lambda w: w.at(w.new_tenant("Rotating")),
                              body=lambda w, p: {"overlapHours": 1}),
    "list_quarantine": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
    "register_webhook": spec("POST", PRIVACY_ONLY, 201,
                             prepare=lambda w: w.at(w.new_tenant("W")),
                             body=lambda w, p: {"url": "http://127.0.0.1:9/hook",
                                                "events": ["incident.notice"]}),
    "list_webhooks": spec("GET", PRIVACY_ONLY, 200),
    "delete_webhook": spec("DELETE", PRIVACY_ONLY, 204, prepare=lambda w: w.webhook_elsewhere()),
    "rotate_webhook_secret": spec("POST", PRIVACY_ONLY, 201,
                                  body=lambda w, p: {"overlapHours": 1}),
    "list_webhook_deliveries": spec("GET", PRIVACY_ONLY, 200),
    "get_own_incident_notice": spec("GET", PRIVACY_ONLY, 200),
    "acknowledge_incident_notice": spec("POST", PRIVACY_ONLY, 200,
                                        prepare=lambda w: w.sent_notice()),
    "record_authority_request": spec("POST", PLATFORM_ONLY, 201, tenant_scoped=False,
                                     body=lambda w, p: w.authority_body()),
    "list_authority_requests": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
    "get_authority_request": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False,
                                  prepare=lambda w: w.at(requestId=w.authority)),
    "update_authority_request": spec("PATCH", PLATFORM_ONLY, 200, tenant_scoped=False,
                                     prepare=lambda w: w.at(requestId=w.authority),
                                     body=lambda w, p: {"gag": {"ordered": False}}),
    "list_authority_notices": spec("GET", PRIVACY_ONLY, 200),
    "store_recording": spec("POST", {Role.TELEPHONY_INGEST}, 201, body=recording),
    "download_recording_audio": spec("GET", PRIVACY_ONLY, 200),
    "readiness": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
}


def claims_principal(oid: str, roles: tuple[str, ...] = (), tenants: tuple[str, ...] = (),
                     groups: tuple[str, ...] = ()) -> dict[str, str]:
    """The header as App Service Authentication builds it."""
    raw = json.loads(base64.b64decode(principal(*roles, tenants=tenants, oid=oid)))
    raw["claims"] += [{"typ": "groups", "val": g} for g in groups]
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(raw).encode()).decode()}
