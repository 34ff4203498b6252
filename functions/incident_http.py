"""Incident endpoints: report a breach, refine it, read it, and move each tenant's notice.

Platform.Admin only; a notice route also needs the tenant in the principal's scope.
"""

from __future__ import annotations

import azure.functions as func

from functions._documents import document_response
from functions._http import admin, answers_problems, json_response, query_int, services
from shared.accountability.incident_models import (
    AffectedSubjectsRequest,
    IncidentCreate,
    IncidentPatch,
    NoticeMove,
    NoticeStatus,
)
from shared.accountability.markdown import notice_markdown
from shared.auth import Role
from shared.validation import parse_model

bp = func.Blueprint()
PLATFORM = {Role.PLATFORM_ADMIN}
ROUTE = "v1/incidents"
NOTICE = ROUTE + "/{incidentId}/notices/{tenantId}"


@bp.route(route=ROUTE, methods=["POST"])
@answers_problems
def report_incident(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM, action="incident.report")
    cmd = parse_model(req.get_body(), IncidentCreate)
    return json_response(services().incidents.report(principal, cmd), status=201)


@bp.route(route=ROUTE, methods=["GET"])
@answers_problems
def list_incidents(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    limit = query_int(req, "limit", 50, 1, 500)
    page = services().incident_register.listing(principal, limit, req.params.get("continuation"))
    return json_response(page)


@bp.route(route=ROUTE + "/{incidentId}", methods=["GET"])
@answers_problems
def get_incident(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    incident_id = req.route_params["incidentId"]
    return json_response(services().incident_register.view(principal, incident_id))


@bp.route(route=ROUTE + "/{incidentId}", methods=["PATCH"])
@answers_problems
def update_incident(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    patch = parse_model(req.get_body(), IncidentPatch)
    incident_id = req.route_params["incidentId"]
    return json_response(services().incidents.update(principal, incident_id, patch))


@bp.route(route=NOTICE, methods=["POST"])
@answers_problems
def move_incident_notice(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, PLATFORM, tenant_id, "incident.notice.move")
    cmd = parse_model(req.get_body(), NoticeMove)
    notice = services().incident_notices.move(
        principal, req.route_params["incidentId"], tenant_id, NoticeStatus(cmd.status)
    )
    return json_response(notice)


@bp.route(route=NOTICE + "/affected-subjects", methods=["POST"])
@answers_problems
def list_affected_subjects(req: func.HttpRequest) -> func.HttpResponse:
    """The controller asked who exactly was affected: the pseudonymous ids, audited."""
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, PLATFORM, tenant_id, "incident.subjects.listed")
    cmd = parse_model(req.get_body(), AffectedSubjectsRequest)
    incident_id = req.route_params["incidentId"]
    found = services().incidents.affected_subjects(
        principal, incident_id, tenant_id, cmd.instruction
    )
    return json_response(found, headers={"Cache-Control": "no-store"})


@bp.route(route=NOTICE, methods=["GET"])
@answers_problems
def get_incident_notice(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, PLATFORM, tenant_id, "incident.notice.read")
    notice = services().incident_notices.read(principal, req.route_params["incidentId"], tenant_id)
    return document_response(req, notice, notice_markdown)


TENANT_NOTICE = "v1/tenants/{tenantId}/incident-notices/{incidentId}"
TENANT_ADMINS = {Role.PRIVACY_ADMIN}


@bp.route(route=TENANT_NOTICE, methods=["GET"])
@answers_problems
def get_own_incident_notice(req: func.HttpRequest) -> func.HttpResponse:
    """A tenant's Privacy.Admin reads its own breach notice (JSON, or Markdown)."""
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, TENANT_ADMINS, tenant_id, "incident.notice.read")
    notice = services().incident_notices.read(principal, req.route_params["incidentId"], tenant_id)
    return document_response(req, notice, notice_markdown)


@bp.route(route=TENANT_NOTICE + "/acknowledgement", methods=["POST"])
@answers_problems
def acknowledge_incident_notice(req: func.HttpRequest) -> func.HttpResponse:
    """The tenant confirms it received its notice: sent -> acknowledged (409 while pending)."""
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, TENANT_ADMINS, tenant_id, "incident.notice.acknowledge")
    notice = services().incident_notices.move(
        principal, req.route_params["incidentId"], tenant_id, NoticeStatus.ACKNOWLEDGED
    )
    return json_response(notice)
