"""Authority requests (seed 001, DPA 9.5): the register (Platform.Admin) and each tenant's
notices of them, visible once no gag order forbids (Privacy.Admin of the tenant)."""

from __future__ import annotations

import azure.functions as func

from functions._http import admin, answers_problems, json_response, services
from shared.accountability.authority_models import AuthorityRequestCreate, AuthorityRequestPatch
from shared.auth import Role
from shared.validation import parse_model

bp = func.Blueprint()
PLATFORM = {Role.PLATFORM_ADMIN}
ROUTE = "v1/authority-requests"


@bp.route(route=ROUTE, methods=["POST"])
@answers_problems
def record_authority_request(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM, action="authority.request.record")
    cmd = parse_model(req.get_body(), AuthorityRequestCreate)
    return json_response(services().authority.record(principal, cmd), status=201)


@bp.route(route=ROUTE, methods=["GET"])
@answers_problems
def list_authority_requests(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    return json_response(services().authority.listing(principal))


@bp.route(route=ROUTE + "/{requestId}", methods=["GET"])
@answers_problems
def get_authority_request(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    return json_response(services().authority.read(principal, req.route_params["requestId"]))


@bp.route(route=ROUTE + "/{requestId}", methods=["PATCH"])
@answers_problems
def update_authority_request(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    patch = parse_model(req.get_body(), AuthorityRequestPatch)
    request_id = req.route_params["requestId"]
    return json_response(services().authority.update(principal, request_id, patch))


@bp.route(route="v1/tenants/{tenantId}/authority-notices", methods=["GET"])
@answers_problems
def list_authority_notices(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, {Role.PRIVACY_ADMIN}, tenant_id, "authority.notices.read")
    return json_response(services().authority.notices(principal, tenant_id))
