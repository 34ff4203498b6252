"""Operations of the privacy console (API.md v1.1): its files, its principal, the tenant list."""

from __future__ import annotations

from shared.openapi.operation import Operation
from shared.tenancy.console_models import Me, RetentionLimits, TenantSummaryPage

CONSOLE: tuple[Operation, ...] = (
    Operation(
        "get",
        "/api/console",
        "console_page",
        "The privacy console (HTML); it signs in through App Service Authentication",
        200,
        None,
        errors=(),
        media="text/html",
    ),
    Operation(
        "get",
        "/api/console/{asset}",
        "console_asset",
        "One of the console's files (stylesheet, scripts, images)",
        200,
        None,
        errors=(404,),
        media="text/javascript",
        also=("text/css", "image/svg+xml"),
    ),
    Operation(
        "get",
        "/api/v1/me",
        "get_me",
        "The signed-in principal's actor id and (role, tenant) grants, as the API decides them",
        200,
        Me,
        roles=("any signed-in principal",),
        errors=(401,),
    ),
    Operation(
        "get",
        "/api/v1/tenants",
        "list_tenants",
        "Tenants the principal holds a grant in, by name (every tenant, paged, for '*')",
        200,
        TenantSummaryPage,
        roles=("any signed-in principal",),
        errors=(400, 401),
        query=("limit", "continuation"),
    ),
    Operation(
        "get",
        "/api/v1/retention-limits",
        "get_retention_limits",
        "Default, ceiling and minimum retention per data category (days)",
        200,
        RetentionLimits,
        roles=("any signed-in principal",),
        errors=(401,),
    ),
)
