"""Operations of the authority-request register and the tenants' notices (seed 001, 9.5)."""

from __future__ import annotations

from shared.accountability.authority_models import (
    AuthorityNoticePage,
    AuthorityRequest,
    AuthorityRequestCreate,
    AuthorityRequestPage,
    AuthorityRequestPatch,
)
from shared.openapi.operation import ADMIN_ERRORS, Link, Operation

PLATFORM = ("Platform.Admin",)
_A = "/api/v1/authority-requests"
_ID = {"requestId": "$response.body#/requestId"}

AUTHORITY: tuple[Operation, ...] = (
    Operation(
        "post",
        _A,
        "record_authority_request",
        "Record a request of a public authority for customer data: each tenant concerned is "
        "told at once, or when its gag order lapses or is lifted",
        201,
        AuthorityRequest,
        AuthorityRequestCreate,
        PLATFORM,
        errors=(*ADMIN_ERRORS, 421),
        links=(Link("GetAuthorityRequest", "get_authority_request", _ID),),
    ),
    Operation(
        "get",
        _A,
        "list_authority_requests",
        "The register, newest first",
        200,
        AuthorityRequestPage,
        roles=PLATFORM,
    ),
    Operation(
        "get",
        _A + "/{requestId}",
        "get_authority_request",
        "A request with its gag order, answer and each tenant's notice",
        200,
        AuthorityRequest,
        roles=PLATFORM,
    ),
    Operation(
        "patch",
        _A + "/{requestId}",
        "update_authority_request",
        "Change the gag order (lifting it tells the tenants) or record the answer (once)",
        200,
        AuthorityRequest,
        AuthorityRequestPatch,
        PLATFORM,
        errors=(*ADMIN_ERRORS, 409),
    ),
    Operation(
        "get",
        "/api/v1/tenants/{tenantId}/authority-notices",
        "list_authority_notices",
        "The authority requests concerning this tenant that no gag order keeps from it",
        200,
        AuthorityNoticePage,
        roles=("Privacy.Admin",),
        errors=(*ADMIN_ERRORS, 421),
    ),
)
