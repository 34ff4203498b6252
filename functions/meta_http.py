"""Health and the OpenAPI document: anonymous, no personal data, no tenant data."""

from __future__ import annotations

import azure.functions as func

from functions._http import answers_problems, json_response, services
from shared.openapi.document import build_openapi
from shared.openapi.models import Health

bp = func.Blueprint()


@bp.route(route="v1/health", methods=["GET"])
@answers_problems
def health(req: func.HttpRequest) -> func.HttpResponse:
    settings = services().settings
    backends = {
        "store": settings.store_backend,
        "bus": settings.bus_backend,
        "keys": settings.keys_backend,
    }
    quarantined = len(services().quarantine.listing())
    return json_response(
        Health(status="ok", region=settings.region, backends=backends, quarantined=quarantined)
    )


@bp.route(route="v1/openapi.json", methods=["GET"])
@answers_problems
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(build_openapi())
