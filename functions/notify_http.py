"""A tenant's webhooks (Privacy.Admin): register, list, delete, rotate the secret, deliveries.

A secret appears in exactly two answers (registration, rotation), both ``no-store``.
"""

from __future__ import annotations

import azure.functions as func

from functions._http import admin, answers_problems, json_response, query_int, services
from shared.auth import Role
from shared.notify.models import SecretRotate, WebhookCreate
from shared.validation import parse_model

bp = func.Blueprint()
ADMINS = {Role.PRIVACY_ADMIN}
ROUTE = "v1/tenants/{tenantId}/webhooks"
NO_STORE = {"Cache-Control": "no-store"}


@bp.route(route=ROUTE, methods=["POST"])
@answers_problems
def register_webhook(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, ADMINS, tenant_id, "webhook.create")
    cmd = parse_model(req.get_body(), WebhookCreate)
    created = services().webhooks.register(principal, tenant_id, cmd)
    return json_response(created, status=201, headers=NO_STORE)


@bp.route(route=ROUTE, methods=["GET"])
@answers_problems
def list_webhooks(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, ADMINS, tenant_id, "webhook.list")
    return json_response(services().webhooks.listing(principal, tenant_id))


@bp.route(route=ROUTE + "/{webhookId}", methods=["DELETE"])
@answers_problems
def delete_webhook(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, ADMINS, tenant_id, "webhook.delete")
    services().webhooks.delete(principal, tenant_id, req.route_params["webhookId"])
    return func.HttpResponse(status_code=204)


@bp.route(route=ROUTE + "/{webhookId}/secret", methods=["POST"])
@answers_problems
def rotate_webhook_secret(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, ADMINS, tenant_id, "webhook.secret.rotate")
    body = req.get_body()
    cmd = parse_model(body, SecretRotate) if body.strip() else SecretRotate()
    webhook_id = req.route_params["webhookId"]
    rotated = services().webhooks.rotate(principal, tenant_id, webhook_id, cmd)
    return json_response(rotated, status=201, headers=NO_STORE)


@bp.route(route=ROUTE + "/{webhookId}/deliveries", methods=["GET"])
@answers_problems
def list_webhook_deliveries(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, ADMINS, tenant_id, "webhook.deliveries.read")
    limit = query_int(req, "limit", 50, 1, 200)
    page = services().webhooks.deliveries(
        principal, tenant_id, req.route_params["webhookId"], limit
    )
    return json_response(page)
