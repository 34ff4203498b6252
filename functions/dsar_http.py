"""DSAR endpoints (API.md): start, read, list, decide, extend, download. The Durable client
starts the orchestration (instance id = request id) and delivers what use cases signal
(``shared.dsar.signals``) as events. The steps around a decision: ``dsar_workflow_http``."""

from __future__ import annotations

import logging

import azure.durable_functions as df
import azure.functions as func

from functions._http import (
    admin,
    answers_problems,
    answers_problems_async,
    json_response,
    privileged,
    query_int,
    services,
)
from shared.auth import Role
from shared.dsar.export_package import package_as_json
from shared.dsar.models import (
    DsarAccepted,
    DsarCreate,
    DsarDecision,
    DsarExtension,
    DsarPage,
    DsarType,
)
from shared.dsar.signals import ORCHESTRATOR, START, Signal
from shared.validation import parse_model

bp = df.Blueprint()
FINAL = {
    df.OrchestrationRuntimeStatus.Completed,
    df.OrchestrationRuntimeStatus.Failed,
    df.OrchestrationRuntimeStatus.Terminated,
}
log = logging.getLogger("functions.dsar")
OPERATORS = {Role.PRIVACY_OPERATOR, Role.PRIVACY_ADMIN}
DECIDERS = {Role.PRIVACY_ADMIN}
ROUTE = "v1/tenants/{tenantId}/dsar"


async def deliver(
    client: df.DurableOrchestrationClient, tenant_id: str, request_id: str, signal: Signal
) -> None:
    """Tell the request's orchestration what a use case decided (start it, or an event)."""
    if signal.action == "start":
        await client.start_new(
            ORCHESTRATOR, request_id, {"tenantId": tenant_id, "requestId": request_id}
        )
    elif signal.action == "raise_event":
        await client.raise_event(request_id, signal.event, signal.data)


def _status_url(req: func.HttpRequest, tenant_id: str, request_id: str) -> str:
    base = req.url.split("/api/", 1)[0]
    return f"{base}/api/v1/tenants/{tenant_id}/dsar/{request_id}"


@bp.route(route=ROUTE, methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
@answers_problems_async
async def start_dsar(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, OPERATORS, tenant_id, "dsar.start")
    cmd = parse_model(req.get_body(), DsarCreate)
    if cmd.type == DsarType.ERASURE:
        privileged(principal, tenant_id, "dsar.erasure")
    request_id = services().dsar_admin.submit(principal, tenant_id, cmd)
    # The answer tells the request as accepted; read before the orchestration starts, or a
    # fast orchestrator makes the same call answer "received" one time and "running" the next.
    view = services().dsar_admin.view(tenant_id, request_id)
    await deliver(client, tenant_id, request_id, START)
    accepted = DsarAccepted(
        requestId=request_id,
        status=view.status,
        deadline=view.deadline,
        statusUrl=_status_url(req, tenant_id, request_id),
    )
    return json_response(accepted, status=202)


@bp.route(route=ROUTE, methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@answers_problems
def list_dsar(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    admin(req, OPERATORS, tenant_id, "dsar.list")
    items, token = services().dsar_admin.listing(
        tenant_id, query_int(req, "limit", 50, 1, 500), req.params.get("continuation")
    )
    return json_response(DsarPage(items=items, continuation=token))


@bp.route(route=ROUTE + "/{requestId}", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@answers_problems
def get_dsar(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    admin(req, OPERATORS, tenant_id, "dsar.read")
    return json_response(services().dsar_admin.view(tenant_id, req.route_params["requestId"]))


@bp.route(
    route=ROUTE + "/{requestId}/decision", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS
)
@bp.durable_client_input(client_name="client")
@answers_problems_async
async def decide_dsar(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    tenant_id, request_id = req.route_params["tenantId"], req.route_params["requestId"]
    principal = admin(req, DECIDERS, tenant_id, "dsar.decide")
    cmd = parse_model(req.get_body(), DsarDecision)
    signal = services().dsar_admin.decide(principal, tenant_id, request_id, cmd)
    await deliver(client, tenant_id, request_id, signal)
    return json_response(services().dsar_admin.view(tenant_id, request_id), status=202)


@bp.route(
    route=ROUTE + "/{requestId}/extension", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS
)
@answers_problems
def extend_dsar(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id, request_id = req.route_params["tenantId"], req.route_params["requestId"]
    principal = admin(req, DECIDERS, tenant_id, "dsar.extend")
    cmd = parse_model(req.get_body(), DsarExtension)
    return json_response(services().dsar_admin.extend(principal, tenant_id, request_id, cmd))


@bp.route(route=ROUTE + "/{requestId}/export", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@answers_problems
def download_dsar_export(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id, request_id = req.route_params["tenantId"], req.route_params["requestId"]
    principal = admin(req, OPERATORS, tenant_id, "dsar.export")
    if not _wants_zip(req):
        package = services().dsar_admin.download(principal, tenant_id, request_id)
        return json_response(package_as_json(package))
    if link := services().dsar_admin.download_link(principal, tenant_id, request_id):
        return func.HttpResponse(
            status_code=303, headers={"Location": link, "Cache-Control": "no-store"}
        )
    package = services().dsar_admin.download(principal, tenant_id, request_id)
    return func.HttpResponse(
        package,
        status_code=200,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{request_id}.zip"'},
    )


def _wants_zip(req: func.HttpRequest) -> bool:
    """JSON by default (API.md); the zip of JSON and CSV per category on request, which on
    Azure is a 303 to a short-lived link so the package never passes through the app."""
    return req.params.get("format") == "zip" or "application/zip" in req.headers.get("accept", "")


@bp.timer_trigger(arg_name="timer", schedule="%PRIVACY_DSAR_HOUSEKEEPING_CRON%")
@bp.durable_client_input(client_name="client")
async def purge_finished_dsar(
    timer: func.TimerRequest, client: df.DurableOrchestrationClient
) -> None:
    """Finished requests keep their certificate; their instance history is purged, their
    exports deleted after 7 days and their personal part after the tenant's dsrRecordDays."""
    work = services().dsar_housekeeping
    finished = work.finished()  # one read of the region's requests for every step
    for tenant_id, request_id in work.finished_unpurged(finished):
        status = await client.get_status(request_id)
        if status.runtime_status not in FINAL and status.runtime_status is not None:
            continue  # the request is finished but its orchestration not yet: next run
        await client.purge_instance_history(request_id)
        work.mark_purged(tenant_id, request_id)
    removed = work.expire_exports(finished)
    minimised = work.minimise(finished)
    log.info("dsar housekeeping", extra={"exportsRemoved": removed, "minimised": minimised})
