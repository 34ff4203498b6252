"""Accountability endpoints: the subprocessor register and its changes (Platform.Admin),
tenants' objections (Privacy.Admin), and records of processing (any role in scope)."""

from __future__ import annotations

import azure.functions as func

from functions._documents import document_response
from functions._http import admin, answers_problems, json_response, services
from shared.accountability.markdown import records_markdown
from shared.accountability.subprocessor_models import (
    ObjectionCreate,
    SubprocessorChangeCreate,
    SubprocessorChangePage,
    SubprocessorPage,
    SubprocessorSpec,
)
from shared.auth import ANY_ROLE, Role
from shared.validation import parse_model

bp = func.Blueprint()
PLATFORM = {Role.PLATFORM_ADMIN}
ROUTE = "v1/subprocessors"


@bp.route(route=ROUTE, methods=["GET"])
@answers_problems
def list_subprocessors(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    return json_response(SubprocessorPage(items=services().subprocessors.listing(principal)))


@bp.route(route=ROUTE, methods=["POST"])
@answers_problems
def register_subprocessor(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    spec = parse_model(req.get_body(), SubprocessorSpec)
    return json_response(services().subprocessors.register(principal, spec), status=201)


@bp.route(route=ROUTE + "/changes", methods=["POST"])
@answers_problems
def propose_subprocessor_change(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    cmd = parse_model(req.get_body(), SubprocessorChangeCreate)
    return json_response(services().subprocessors.propose(principal, cmd), status=201)


@bp.route(route=ROUTE + "/changes", methods=["GET"])
@answers_problems
def list_subprocessor_changes(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    changes = services().subprocessors.changes(principal)
    return json_response(SubprocessorChangePage(items=changes))


@bp.route(route=ROUTE + "/changes/{changeId}", methods=["GET"])
@answers_problems
def get_subprocessor_change(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    change_id = req.route_params["changeId"]
    return json_response(services().subprocessors.change(principal, change_id))


@bp.route(route=ROUTE + "/changes/{changeId}/activate", methods=["POST"])
@answers_problems
def activate_subprocessor_change(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, PLATFORM)
    change_id = req.route_params["changeId"]
    return json_response(services().subprocessors.activate(principal, change_id))


@bp.route(route="v1/tenants/{tenantId}/subprocessor-objections", methods=["POST"])
@answers_problems
def object_to_subprocessor_change(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, {Role.PRIVACY_ADMIN}, tenant_id, "subprocessor.objection")
    cmd = parse_model(req.get_body(), ObjectionCreate)
    recorded = services().subprocessors.record_objection(principal, tenant_id, cmd)
    return json_response(recorded, status=201)


@bp.route(route="v1/tenants/{tenantId}/records-of-processing", methods=["GET"])
@answers_problems
def get_records_of_processing(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, ANY_ROLE, tenant_id, "records.read")
    records = services().processing_records.read(principal, tenant_id)
    return document_response(req, records, records_markdown)
