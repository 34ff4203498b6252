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
from shared.dsar.workflow_models import DsarPause, DsarVerify, MatchExclusion, ReasonGiven
from shared.openapi.operation import ADMIN_ERRORS, ZIP, Link, Operation

_T = "/api/v1/tenants/{tenantId}"
_REQUEST = {"tenantId": "$request.path.tenantId", "requestId": "$response.body#/requestId"}

_ONE = f"{_T}/dsar/{{requestId}}"
_BOTH = ("Privacy.Operator", "Privacy.Admin")
_CONFLICT = (*ADMIN_ERRORS, 409)
WORKFLOW: tuple[Operation, ...] = (
    Operation(
        "post", f"{_ONE}/verification", "verify_dsar",
        "Record that the requester's identity was checked: method, verifier, time (the note "
        "sealed, never audited); answers the request with its current matches",
        200, DsarView, DsarVerify, _BOTH, errors=_CONFLICT,
    ),
    Operation(
        "post", f"{_ONE}/matches/{{matchRef}}/exclusion", "exclude_dsar_match",
        "Leave one matched subject out of the request's work, with a reason (before the "
        "decision)",
        200, DsarView, MatchExclusion, _BOTH, errors=_CONFLICT,
    ),
    Operation(
        "post", f"{_ONE}/pause", "pause_dsar",
        "Wait for the requester (status awaiting_requester): the deadline stops (before the "
        "decision)",
        200, DsarView, DsarPause, _BOTH, errors=_CONFLICT,
    ),
    Operation(
        "post", f"{_ONE}/resume", "resume_dsar",
        "The requester answered: the deadline moves by the time paused",
        200, DsarView, roles=_BOTH, errors=_CONFLICT,
    ),
    Operation(
        "post", f"{_ONE}/cancel", "cancel_dsar",
        "Cancel an approved erasure during its waiting period (status approved), with a reason",
        200, DsarView, ReasonGiven, ("Privacy.Admin",), errors=_CONFLICT,
    ),
    Operation(
        "post", f"{_ONE}/lift", "lift_dsar",
        "Lift a completed restriction or objection, with a reason: the widget accepts the "
        "subjects' data again; the certificate records it",
        200, DsarView, ReasonGiven, ("Privacy.Admin",), errors=_CONFLICT,
    ),
    Operation(
        "post", f"{_ONE}/retry", "retry_dsar",
        "Retry a failed request (a fresh orchestration; not once its record was minimised)",
        202, DsarView, roles=("Privacy.Admin",), errors=_CONFLICT,
    ),
)

DSAR: tuple[Operation, ...] = (
    Operation(
        "post",
        f"{_T}/dsar",
        "start_dsar",
        "Start a data-subject request (orchestration; deadline received + 30 days, 72 hours "
        "for an erasure with reason child)",
        202,
        DsarAccepted,
        DsarCreate,
        ("Privacy.Operator", "Privacy.Admin"),
        links=(
            Link("GetDsar", "get_dsar", _REQUEST),
            Link("VerifyDsar", "verify_dsar", _REQUEST),
            Link("DecideDsar", "decide_dsar", _REQUEST),
            Link("ExtendDsar", "extend_dsar", _REQUEST),
        ),
    ),
    Operation(
        "get",
        f"{_T}/dsar",
        "list_dsar",
        "Requests with status and deadline in pages: open ones first (a child's erasure first, "
        "then by deadline, so the overdue lead), then those waiting for their requester, then "
        "closed ones",
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
        "Approve or reject. Nobody decides a request they started; erasure, rectification and "
        "widget requests are approved only after a verification, by a Privacy.Admin who is "
        "neither the verifier nor the starter (403 with the rule in `rule`); under the "
        "request's ETag (of two concurrent decisions one is a 409)",
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
        "Extend the deadline before it passes (at most two months in total; not a child's "
        "erasure), with the reason given to the requester (GDPR 12(3))",
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
    *WORKFLOW,
)
