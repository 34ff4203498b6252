"""Health, readiness and the OpenAPI document: no personal data, no tenant data."""

from __future__ import annotations

import azure.functions as func

from functions._http import admin, answers_problems, json_response, services
from shared.auth import Role
from shared.openapi.document import build_openapi

bp = func.Blueprint()


@bp.route(route="v1/health", methods=["GET"])
@answers_problems
def health(req: func.HttpRequest) -> func.HttpResponse:
    """Anonymous: each backend's probe (cached a few seconds); 503 when one fails, so an
    availability test or a load balancer sees a broken instance."""
    report = services().operations.health()
    degraded = report.status != "ok"
    return json_response(
        report, status=503 if degraded else 200, headers={"Cache-Control": "no-store"}
    )


@bp.route(route="v1/readiness", methods=["GET"])
@answers_problems
def readiness(req: func.HttpRequest) -> func.HttpResponse:
    """What operators watch (Platform.Admin): health, the ingest queue, deadlines, keys."""
    admin(req, {Role.PLATFORM_ADMIN})
    return json_response(services().operations.readiness(), headers={"Cache-Control": "no-store"})


@bp.route(route="v1/openapi.json", methods=["GET"])
@answers_problems
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(build_openapi())
