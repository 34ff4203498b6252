"""Endpoints the console needs beyond v1: the principal's grants, the tenants to pick from,
and the retention limits a settings form must respect.

They only read and answer any signed-in principal, even one without a grant (an empty list,
so the console can say so): they show nothing a principal could not already read tenant by
tenant (``GET /v1/tenants/{id}`` answers any role in scope).
"""

from __future__ import annotations

import azure.functions as func

from functions._http import answers_problems, json_response, principal_trusted, query_int, services
from shared.auth import Principal, principal_from_headers
from shared.tenancy import console_queries

bp = func.Blueprint()


def signed_in(req: func.HttpRequest) -> Principal:
    """401 without a principal; no role is required to ask what one may do."""
    return principal_from_headers(
        req.headers, principal_trusted(), services().settings.tenant_groups
    )


@bp.route(route="v1/me", methods=["GET"])
@answers_problems
def get_me(req: func.HttpRequest) -> func.HttpResponse:
    principal = signed_in(req)
    return json_response(
        console_queries.me(principal, req.headers.get("x-ms-client-principal-name"))
    )


@bp.route(route="v1/tenants", methods=["GET"])
@answers_problems
def list_tenants(req: func.HttpRequest) -> func.HttpResponse:
    principal = signed_in(req)
    app = services()
    page = console_queries.list_tenants(
        app.directory,
        app.tenants,
        app.control_audit,
        principal,
        query_int(req, "limit", 50, 1, 200),
        req.params.get("continuation") or None,
    )
    return json_response(page)


@bp.route(route="v1/retention-limits", methods=["GET"])
@answers_problems
def get_retention_limits(req: func.HttpRequest) -> func.HttpResponse:
    signed_in(req)
    return json_response(console_queries.retention_limits(services().settings.retention_ceilings))
