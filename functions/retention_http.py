"""Admin endpoints of retention (API.md): legal holds and offboarding."""

from __future__ import annotations

import azure.functions as func

from functions._http import admin, answers_problems, json_response, services
from shared.auth import Role
from shared.retention.models import LegalHoldCreate, LegalHoldCreated, OffboardingCreate
from shared.validation import parse_model

bp = func.Blueprint()
PRIVACY_ADMIN = {Role.PRIVACY_ADMIN}
OFFBOARDING_READERS = {Role.PRIVACY_ADMIN, Role.PLATFORM_ADMIN}


@bp.route(route="v1/tenants/{tenantId}/legal-holds", methods=["POST"])
@answers_problems
def create_legal_hold(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, PRIVACY_ADMIN, tenant_id, "hold.create")
    cmd = parse_model(req.get_body(), LegalHoldCreate)
    hold = services().retention_admin.create_hold(principal, tenant_id, cmd)
    created = LegalHoldCreated(holdId=hold.holdId, subjectCount=len(hold.subjectIds))
    return json_response(created, status=201)


@bp.route(route="v1/tenants/{tenantId}/legal-holds/{holdId}", methods=["DELETE"])
@answers_problems
def release_legal_hold(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, PRIVACY_ADMIN, tenant_id, "hold.release")
    services().retention_admin.release_hold(principal, tenant_id, req.route_params["holdId"])
    return func.HttpResponse(status_code=204)


@bp.route(route="v1/tenants/{tenantId}/offboarding", methods=["POST"])
@answers_problems
def start_offboarding(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, PRIVACY_ADMIN, tenant_id, "offboarding.start")
    cmd = parse_model(req.get_body(), OffboardingCreate)
    plan = services().retention_admin.start_offboarding(principal, tenant_id, cmd)
    return json_response(plan, status=202)


@bp.route(route="v1/tenants/{tenantId}/offboarding", methods=["GET"])
@answers_problems
def get_offboarding(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    admin(req, OFFBOARDING_READERS, tenant_id, "offboarding.read")
    return json_response(services().retention_admin.offboarding_status(tenant_id))


@bp.route(route="v1/tenants/{tenantId}/offboarding/export", methods=["GET"])
@answers_problems
def download_offboarding_export(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, PRIVACY_ADMIN, tenant_id, "offboarding.download")
    if link := services().retention_admin.offboarding_export_link(principal, tenant_id):
        return func.HttpResponse(
            status_code=303, headers={"Location": link, "Cache-Control": "no-store"}
        )
    package = services().retention_admin.offboarding_export(principal, tenant_id)
    return func.HttpResponse(
        package,
        status_code=200,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{tenant_id}-export.zip"'},
    )
