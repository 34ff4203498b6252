"""The steps around a DSAR decision (API.md v1.1, issue 13): verification, excluding a match,
pausing for the requester and resuming, cancelling in the waiting period, lifting a
restriction or objection, retrying a failed request. Thin: authorise, parse, one use case,
deliver its signal to the orchestration, answer the request as it now stands."""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from functions._http import admin, answers_problems, answers_problems_async, json_response, services
from functions.dsar_http import DECIDERS, OPERATORS, ROUTE, deliver
from shared.dsar.workflow_models import DsarPause, DsarVerify, MatchExclusion, ReasonGiven
from shared.validation import parse_model

bp = df.Blueprint()
ONE = ROUTE + "/{requestId}"
ANON = func.AuthLevel.ANONYMOUS


def _ids(req: func.HttpRequest) -> tuple[str, str]:
    return req.route_params["tenantId"], req.route_params["requestId"]


@bp.route(route=ONE + "/verification", methods=["POST"], auth_level=ANON)
@answers_problems
def verify_dsar(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id, request_id = _ids(req)
    who = admin(req, OPERATORS, tenant_id, "dsar.verify")
    cmd = parse_model(req.get_body(), DsarVerify)
    return json_response(services().dsar_workflow.verify(who, tenant_id, request_id, cmd))


@bp.route(route=ONE + "/matches/{matchRef}/exclusion", methods=["POST"], auth_level=ANON)
@answers_problems
def exclude_dsar_match(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id, request_id = _ids(req)
    who = admin(req, OPERATORS, tenant_id, "dsar.exclude_match")
    cmd = parse_model(req.get_body(), MatchExclusion)
    ref = req.route_params["matchRef"]
    return json_response(services().dsar_workflow.exclude(who, tenant_id, request_id, ref, cmd))


@bp.route(route=ONE + "/pause", methods=["POST"], auth_level=ANON)
@answers_problems
def pause_dsar(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id, request_id = _ids(req)
    who = admin(req, OPERATORS, tenant_id, "dsar.pause")
    cmd = parse_model(req.get_body(), DsarPause)
    return json_response(services().dsar_workflow.pause(who, tenant_id, request_id, cmd))


@bp.route(route=ONE + "/resume", methods=["POST"], auth_level=ANON)
@bp.durable_client_input(client_name="client")
@answers_problems_async
async def resume_dsar(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    tenant_id, request_id = _ids(req)
    who = admin(req, OPERATORS, tenant_id, "dsar.resume")
    view, signal = services().dsar_workflow.resume(who, tenant_id, request_id)
    await deliver(client, tenant_id, request_id, signal)
    return json_response(view)


@bp.route(route=ONE + "/cancel", methods=["POST"], auth_level=ANON)
@bp.durable_client_input(client_name="client")
@answers_problems_async
async def cancel_dsar(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    tenant_id, request_id = _ids(req)
    who = admin(req, DECIDERS, tenant_id, "dsar.cancel")
    cmd = parse_model(req.get_body(), ReasonGiven)
    view, signal = services().dsar_workflow.cancel(who, tenant_id, request_id, cmd)
    await deliver(client, tenant_id, request_id, signal)
    return json_response(view)


@bp.route(route=ONE + "/lift", methods=["POST"], auth_level=ANON)
@answers_problems
def lift_dsar(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id, request_id = _ids(req)
    who = admin(req, DECIDERS, tenant_id, "dsar.lift")
    cmd = parse_model(req.get_body(), ReasonGiven)
    return json_response(services().dsar_workflow.lift(who, tenant_id, request_id, cmd))


@bp.route(route=ONE + "/retry", methods=["POST"], auth_level=ANON)
@bp.durable_client_input(client_name="client")
@answers_problems_async
async def retry_dsar(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    tenant_id, request_id = _ids(req)
    who = admin(req, DECIDERS, tenant_id, "dsar.retry")
    view, signal = services().dsar_workflow.retry(who, tenant_id, request_id)
    await deliver(client, tenant_id, request_id, signal)
    return json_response(view, status=202)
