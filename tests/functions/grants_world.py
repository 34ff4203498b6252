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

from shared.auth import Role
from shared.composition import App
from tests.app_client import FUNCTIONS, AppClient, principal
from tests.conftest import ORIGIN, PLATFORM, PRIVACY_ADMIN
from tests.fakes import FakeClock
from tests.functions.test_dsar import OPERATOR, Dsar, RecordingClient

PUBLIC_ROUTES = frozenset(
    {
        "collect",
        "submit_contact",
        "submit_consent",
        "submit_message",
        "submit_privacy_request",
        "health",
        "openapi",
        "console_page",
        "console_asset",
    }
)
"""HTTP functions that take no principal (widget calls, health, the OpenAPI document, the
console's static files: the API it calls decides)."""

SIGNED_IN_ROUTES = frozenset({"get_me", "list_tenants", "get_retention_limits"})
"""HTTP functions any signed-in principal may call (they answer within its own grants)."""

SUBPROCESSOR = {
    "name": "Mailer Inc",
    "purpose": "sending callback confirmations",
    "location": "EU (Ireland)",
    "dataCategories": ["contact"],
    "transferSafeguard": "none needed: processing in the EU",
}
ALL, PLATFORM_ONLY, PRIVACY_ONLY = frozenset(Role), {Role.PLATFORM_ADMIN}, {Role.PRIVACY_ADMIN}
OPERATORS = {Role.PRIVACY_OPERATOR, Role.PRIVACY_ADMIN}
Params = dict[str, str]


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
        self.access = self.completed_access()
        self.pending = self.erasure()
        self.offboarded = self.exported_tenant()

    def call(self, name: str, method: str, headers: dict[str, str], params: Params,
             body: Any = None) -> tuple[int, dict[str, str], bytes]:
        if name not in ("start_dsar", "decide_dsar"):
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

    def erasure(self) -> str:
        body = {"type": "erasure", "identifiers": {"email": "nobody@example.org"}}
        return str(self.ok("start_dsar", OPERATOR, self.at(), body)["requestId"])

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

    def at(self, tenant_id: str | None = None, **ids: str) -> Params:
        return {"tenantId": tenant_id or self.tenant, **ids}

    def params(self) -> Params:
        """Route parameters naming existing resources (extra ones are ignored by routes)."""
        return self.at(requestId=self.access, incidentId=self.incident, changeId=self.change)


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
    "decide_dsar": spec("POST", PRIVACY_ONLY, 202, prepare=lambda w: w.at(requestId=w.erasure()),
                        body=lambda w, p: {"approve": True, "reason": "identity checked"}),
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
    "readiness": spec("GET", PLATFORM_ONLY, 200, tenant_scoped=False),
}


def claims_principal(oid: str, roles: tuple[str, ...] = (), tenants: tuple[str, ...] = (),
                     groups: tuple[str, ...] = ()) -> dict[str, str]:
    """The header as App Service Authentication builds it."""
    raw = json.loads(base64.b64decode(principal(*roles, tenants=tenants, oid=oid)))
    raw["claims"] += [{"typ": "groups", "val": g} for g in groups]
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(raw).encode()).decode()}
