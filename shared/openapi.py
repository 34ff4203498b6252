"""The OpenAPI 3.1 document, generated from the pydantic models of each operation.

``OPERATIONS`` lists what exists; a test checks it against the app's registered HTTP routes.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.models.admin import AuditPage, AuditVerification, Health, Problem
from shared.models.dsar import (
    DsarAccepted,
    DsarCreate,
    DsarDecision,
    DsarExtension,
    DsarPage,
    DsarView,
)
from shared.models.tenant import (
    LegalHoldCreate,
    LegalHoldCreated,
    Offboarding,
    OffboardingCreate,
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantPatch,
)
from shared.models.widget import (
    CollectAccepted,
    CollectRequest,
    ConsentAccepted,
    ConsentRequest,
    ContactAccepted,
    ContactRequest,
    MessageAccepted,
    MessageRequest,
    PrivacyRequestAccepted,
    PrivacyRequestIn,
)
from shared.openapi_accountability import ACCOUNTABILITY
from shared.openapi_console import CONSOLE
from shared.openapi_operation import ADMIN_ERRORS, WIDGET_ERRORS, Operation
from shared.services.contacts_view import ContactPage

_T = "/api/v1/tenants/{tenantId}"
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/api/v1/collect",
        "collect",
        "Behaviour events and technical context",
        202,
        CollectAccepted,
        CollectRequest,
        widget=True,
        errors=WIDGET_ERRORS,
    ),
    Operation(
        "post",
        "/api/v1/contacts",
        "submit_contact",
        "Contact details with consent",
        202,
        ContactAccepted,
        ContactRequest,
        widget=True,
        errors=WIDGET_ERRORS,
    ),
    Operation(
        "post",
        "/api/v1/consents",
        "submit_consent",
        "Consent choices",
        202,
        ConsentAccepted,
        ConsentRequest,
        widget=True,
        errors=WIDGET_ERRORS,
    ),
    Operation(
        "post",
        "/api/v1/conversations/{conversationId}/messages",
        "submit_message",
        "A chat message",
        202,
        MessageAccepted,
        MessageRequest,
        widget=True,
        errors=WIDGET_ERRORS,
    ),
    Operation(
        "post",
        "/api/v1/privacy-requests",
        "submit_privacy_request",
        "A visitor's own privacy request, registered for the tenant",
        202,
        PrivacyRequestAccepted,
        PrivacyRequestIn,
        widget=True,
        errors=WIDGET_ERRORS,
    ),
    Operation(
        "post",
        "/api/v1/tenants",
        "create_tenant",
        "Create a tenant (key shown once)",
        201,
        TenantCreated,
        TenantCreate,
        ("Platform.Admin",),
    ),
    Operation(
        "get", _T, "get_tenant", "A tenant's settings", 200, Tenant, roles=("any role in scope",)
    ),
    Operation(
        "patch",
        _T,
        "update_tenant",
        "Change settings",
        200,
        Tenant,
        TenantPatch,
        ("Platform.Admin", "Privacy.Admin"),
    ),
    Operation(
        "get",
        f"{_T}/contacts",
        "list_contacts",
        "Contacts (masked for Support.Agent)",
        200,
        ContactPage,
        roles=("Support.Agent", "Privacy.Admin"),
        query=("limit", "continuation"),
    ),
    Operation(
        "get",
        f"{_T}/audit",
        "list_audit",
        "Audit entries, newest first",
        200,
        AuditPage,
        roles=("Auditor", "Privacy.Admin"),
        query=("from", "to", "action", "limit", "continuation"),
    ),
    Operation(
        "get",
        f"{_T}/audit/verify",
        "verify_audit",
        "Recompute the hash chain",
        200,
        AuditVerification,
        roles=("Auditor",),
    ),
    Operation(
        "post",
        f"{_T}/legal-holds",
        "create_legal_hold",
        "Pause deletion for the tenant or for subjects (found through the blind index)",
        201,
        LegalHoldCreated,
        LegalHoldCreate,
        ("Privacy.Admin",),
    ),
    Operation(
        "delete",
        f"{_T}/legal-holds/{{holdId}}",
        "release_legal_hold",
        "Release a hold; held items resume their remaining retention",
        204,
        None,
        roles=("Privacy.Admin",),
    ),
    Operation(
        "post",
        f"{_T}/offboarding",
        "start_offboarding",
        "Contract end: export window of 30 days, then purge",
        202,
        Offboarding,
        OffboardingCreate,
        ("Privacy.Admin",),
        errors=(*ADMIN_ERRORS, 409),
    ),
    Operation(
        "get",
        f"{_T}/offboarding",
        "get_offboarding",
        "Offboarding phase, export manifest and deletion certificate",
        200,
        Offboarding,
        roles=("Privacy.Admin", "Platform.Admin"),
    ),
    Operation(
        "get",
        f"{_T}/offboarding/export",
        "download_offboarding_export",
        "The export package (zip: manifest.json and JSON lines per category); "
        "on Azure: 303 See Other to a read-only link valid 15 minutes",
        200,
        None,
        roles=("Privacy.Admin",),
        errors=(*ADMIN_ERRORS, 409, 410),
        media="application/zip",
    ),
    Operation(
        "post",
        f"{_T}/dsar",
        "start_dsar",
        "Start a data-subject request (orchestration; deadline received + 30 days)",
        202,
        DsarAccepted,
        DsarCreate,
        ("Privacy.Operator", "Privacy.Admin"),
    ),
    Operation(
        "get",
        f"{_T}/dsar",
        "list_dsar",
        "Requests with status and deadline, overdue first",
        200,
        DsarPage,
        roles=("Privacy.Operator", "Privacy.Admin"),
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
    ),
    Operation("get", "/api/v1/health", "health", "Liveness and backends", 200, Health, errors=()),
    Operation("get", "/api/v1/openapi.json", "openapi", "This document", 200, None, errors=()),
    *ACCOUNTABILITY,
    *CONSOLE,
)


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    params += [
        {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
        for q in op.query
    ]
    if op.widget:
        params.append(
            {"name": "X-Widget-Key", "in": "header", "required": True, "schema": {"type": "string"}}
        )
    return params


def _operation(op: Operation) -> dict[str, Any]:
    ref = "#/components/schemas/{}"
    ok: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        ok["content"] = {op.media: {"schema": {"$ref": ref.format(op.response.__name__)}}}
        if op.markdown:
            ok["content"]["text/markdown"] = {"schema": {"type": "string"}}
    elif op.status != 204:
        schema = (
            {"type": "string", "format": "binary"}
            if op.media != "application/json"
            else {"type": "object"}
        )
        ok["content"] = {op.media: {"schema": schema}}
    responses: dict[str, Any] = {str(op.status): ok}
    for code in op.errors:
        responses[str(code)] = {
            "description": "problem details",
            "content": {"application/problem+json": {"schema": {"$ref": ref.format("Problem")}}},
        }
    body: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "parameters": _parameters(op),
        "responses": responses,
    }
    if op.roles:
        body["description"] = "Roles: " + ", ".join(op.roles)
        body["security"] = [{"appServiceAuth": []}]
    if op.request is not None:
        body["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": ref.format(op.request.__name__)}}},
        }
    return body


def build_openapi() -> dict[str, Any]:
    models = {m for op in OPERATIONS for m in (op.request, op.response) if m} | {Problem}
    _, schemas = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Engagement widget privacy backbone",
            "version": "1.0.0",
            "description": "Widget ingest and privacy administration (API.md v1).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "appServiceAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-MS-CLIENT-PRINCIPAL",
                    "description": "Injected by App Service Authentication (Entra ID)",
                }
            },
        },
    }
