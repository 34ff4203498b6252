"""Admin endpoints of the foundation (API.md): tenants, contacts, audit. Roles per route."""

from __future__ import annotations

from datetime import datetime

import azure.functions as func

from functions._http import (
    admin,
    answers_problems,
    json_response,
    query_int,
    services,
)
from shared.audit.models import QuarantinePage
from shared.auth import ANY_ROLE, Role
from shared.errors import BadRequest, FieldError
from shared.tenancy.contacts_csv import contacts_csv
from shared.tenancy.models import TenantCreate, TenantPatch, WidgetKeyRotate
from shared.validation import parse_model

bp = func.Blueprint()
TENANT_WRITERS = {Role.PLATFORM_ADMIN, Role.PRIVACY_ADMIN}
CONTACT_READERS = {Role.SUPPORT_AGENT, Role.PRIVACY_ADMIN}
AUDIT_READERS = {Role.AUDITOR, Role.PRIVACY_ADMIN}


def _time(req: func.HttpRequest, name: str, alias: str) -> datetime | None:
    """An RFC 3339 query parameter (``alias`` accepted too, e.g. ``since`` for ``from``)."""
    raw = req.params.get(name) or req.params.get(alias)
    try:
        value = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        value = None
    if raw and (value is None or value.tzinfo is None):
        raise BadRequest(
            "invalid query parameter",
            errors=[FieldError(f"?{name}", "must be an RFC 3339 date-time")],
        )
    return value


@bp.route(route="v1/tenants", methods=["POST"])
@answers_problems
def create_tenant(req: func.HttpRequest) -> func.HttpResponse:
    principal = admin(req, {Role.PLATFORM_ADMIN}, action="tenant.create")
    cmd = parse_model(req.get_body(), TenantCreate)
    return json_response(services().tenant_admin.create_tenant(principal, cmd), status=201)


@bp.route(route="v1/tenants/{tenantId}", methods=["GET"])
@answers_problems
def get_tenant(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, ANY_ROLE, tenant_id, "tenant.read")
    return json_response(services().tenant_admin.get_tenant(principal, tenant_id))


@bp.route(route="v1/tenants/{tenantId}", methods=["PATCH"])
@answers_problems
def update_tenant(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, TENANT_WRITERS, tenant_id, "tenant.update")
    patch = parse_model(req.get_body(), TenantPatch)
    platform = principal.may(Role.PLATFORM_ADMIN, tenant_id)
    tenant = services().tenant_admin.update_tenant(principal, tenant_id, patch, platform)
    return json_response(tenant)


@bp.route(route="v1/tenants/{tenantId}/widget-key/rotate", methods=["POST"])
@answers_problems
def rotate_widget_key(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, TENANT_WRITERS, tenant_id, "widget_key.rotate")
    body = req.get_body()
    cmd = parse_model(body, WidgetKeyRotate) if body.strip() else WidgetKeyRotate()
    rotated = services().tenant_admin.rotate_widget_key(principal, tenant_id, cmd)
    return json_response(rotated, status=201, headers={"Cache-Control": "no-store"})


@bp.route(route="v1/quarantine", methods=["GET"])
@answers_problems
def list_quarantine(req: func.HttpRequest) -> func.HttpResponse:
    """Stored documents that no longer parse (operators repair or remove them)."""
    admin(req, {Role.PLATFORM_ADMIN})
    return json_response(QuarantinePage.model_validate({"items": services().quarantine.listing()}))


@bp.route(route="v1/tenants/{tenantId}/contacts", methods=["GET"])
@answers_problems
def list_contacts(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, CONTACT_READERS, tenant_id, "contacts.read")
    masked = not principal.may(Role.PRIVACY_ADMIN, tenant_id)  # the role held IN this tenant
    as_csv = _contacts_format(req) == "csv"
    page = services().tenant_admin.read_contacts(
        principal,
        tenant_id,
        masked,
        query_int(req, "limit", 50, 1, 500),
        req.params.get("continuation"),
        "csv" if as_csv else "json",
    )
    if not as_csv:
        return json_response(page)
    headers = {
        "Content-Disposition": f'attachment; filename="contacts-{tenant_id}.csv"',
        "Cache-Control": "no-store",
        **({"X-Continuation": page.continuation} if page.continuation else {}),
    }
    return func.HttpResponse(
        contacts_csv(page), mimetype="text/csv", charset="utf-8", headers=headers
    )


def _contacts_format(req: func.HttpRequest) -> str:
    fmt = req.params.get("format") or (
        "csv" if "text/csv" in (req.headers.get("accept") or "").lower() else "json"
    )
    if fmt not in ("json", "csv"):
        raise BadRequest(
            "invalid query parameter", errors=[FieldError("?format", "must be json or csv")]
        )
    return fmt


@bp.route(route="v1/tenants/{tenantId}/audit", methods=["GET"])
@answers_problems
def list_audit(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, AUDIT_READERS, tenant_id, "audit.read")
    page = services().tenant_admin.read_audit(
        principal,
        tenant_id,
        _time(req, "from", "since"),
        _time(req, "to", "until"),
        req.params.get("action"),
        query_int(req, "limit", 100, 1, 1000),
        req.params.get("continuation"),
    )
    items = [
        {k: v for k, v in e.items() if not k.startswith("_") and k not in ("ttl", "type")}
        for e in page.items
    ]
    return json_response({"items": items, "continuation": page.continuation})


@bp.route(route="v1/tenants/{tenantId}/audit/verify", methods=["GET"])
@answers_problems
def verify_audit(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, {Role.AUDITOR}, tenant_id, "audit.verify")
    result = services().tenant_admin.verify_audit(principal, tenant_id)
    body: dict[str, object] = {"valid": result.valid, "entries": result.entries}
    if result.firstBrokenAt:
        body["firstBrokenAt"] = result.firstBrokenAt
    body["outOfOrder"] = list(result.outOfOrder)
    return json_response(body)
