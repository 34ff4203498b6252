"""The operations of data-subject requests (Durable orchestrations behind HTTP starters)."""

from __future__ import annotations

from shared.dsar.models import (
    DsarAccepted,
    DsarCreate,
    DsarDecision,
    DsarExtension,
    DsarPage,
    DsarView,
)
from shared.openapi.operation import ADMIN_ERRORS, ZIP, Link, Operation

_T = "/api/v1/tenants/{tenantId}"
_REQUEST = {"tenantId": "$request.path.tenantId", "requestId": "$response.body#/requestId"}

DSAR: tuple[Operation, ...] = (
    Operation(
        "post",
        f"{_T}/dsar",
        "start_dsar",
        "Start a data-subject request (orchestration; deadline received + 30 days)",
        202,
        DsarAccepted,
        DsarCreate,
        ("Privacy.Operator", "Privacy.Admin"),
        links=(
            Link("GetDsar", "get_dsar", _REQUEST),
            Link("DecideDsar", "decide_dsar", _REQUEST),
            Link("ExtendDsar", "extend_dsar", _REQUEST),
        ),
    ),
    Operation(
        "get",
        f"{_T}/dsar",
        "list_dsar",
        "Requests with status and deadline, overdue first (then by deadline; finished last), "
        "in pages",
        200,
        DsarPage,
        roles=("Privacy.Operator", "Privacy.Admin"),
        query=("limit", "continuation"),
    ),
    Operation(
        "get",
        f"{_T}/dsar/{{requestId}}",
        "get_dsar",
        "Status, deadline, progress and result (certificate)",
        200,
        DsarView,
        roles=("Privacy.Operator", "Privacy.Admin"),
    ),
    Operation(
        "post",
        f"{_T}/dsar/{{requestId}}/decision",
        "decide_dsar",
        "Approve or reject (not by the operator who started it)",
        202,
        DsarView,
        DsarDecision,
        ("Privacy.Admin",),
        errors=(*ADMIN_ERRORS, 409),
    ),
    Operation(
        "post",
        f"{_T}/dsar/{{requestId}}/extension",
        "extend_dsar",
        "Extend the deadline (at most two months in total), with a reason",
        200,
        DsarView,
        DsarExtension,
        ("Privacy.Admin",),
        errors=(*ADMIN_ERRORS, 409),
    ),
    Operation(
        "get",
        f"{_T}/dsar/{{requestId}}/export",
        "download_dsar_export",
        "The subject's data in every category, decrypted, as JSON (7 days); "
        "?format=zip or Accept: application/zip gives the zip of JSON and CSV per category "
        "(on Azure: 303 See Other to a read-only link valid 15 minutes)",
        200,
        None,
        roles=("Privacy.Operator", "Privacy.Admin"),
        errors=(*ADMIN_ERRORS, 409, 410),
        query=("format",),
        query_schemas={"format": {"type": "string", "enum": ["json", "zip"]}},
        also=(ZIP,),
        redirect=True,
    ),
)
