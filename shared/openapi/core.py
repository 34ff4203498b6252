"""The operations of the core API: widget ingest, tenants, retention, data-subject requests
and meta. ``shared.openapi.document`` builds the document from these and the accountability ones."""

from __future__ import annotations

from shared.audit.models import AuditPage, AuditVerification, QuarantinePage
from shared.ingest.models import (
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
from shared.openapi.dsar import DSAR
from shared.openapi.models import Health, Readiness
from shared.openapi.operation import ADMIN_ERRORS, MARKDOWN, WIDGET_ERRORS, ZIP, Link, Operation
from shared.retention.models import (
    LegalHoldCreate,
    LegalHoldCreated,
    Offboarding,
    OffboardingCreate,
)
from shared.tenancy.contacts import ContactPage
from shared.tenancy.models import (
    Tenant,
    TenantCreate,
    TenantCreated,
    TenantPatch,
    WidgetKeyRotate,
    WidgetKeyRotated,
)

_T = "/api/v1/tenants/{tenantId}"
_TENANT = {"tenantId": "$response.body#/tenantId"}
CORE: tuple[Operation, ...] = (
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
        links=(
            Link("GetTenant", "get_tenant", _TENANT),
            Link("UpdateTenant", "update_tenant", _TENANT),
            Link("RotateWidgetKey", "rotate_widget_key", _TENANT),
        ),
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
        links=(Link("GetTenant", "get_tenant", {"tenantId": "$request.path.tenantId"}),),
    ),
    Operation(
        "post",
        f"{_T}/widget-key/rotate",
        "rotate_widget_key",
        "A new widget key (shown once); the current one keeps working for overlapHours "
        "(default 24, at most 168), then stops",
        201,
        WidgetKeyRotated,
        WidgetKeyRotate,
        ("Platform.Admin", "Privacy.Admin"),
        body_required=False,
    ),
    Operation(
        "get",
        "/api/v1/quarantine",
        "list_quarantine",
        "Stored documents that no longer parse (ids and field paths): skipped by every timer, "
        "answered 409 until repaired",
        200,
        QuarantinePage,
        roles=("Platform.Admin",),
    ),
    Operation(
        "get",
        f"{_T}/contacts",
        "list_contacts",
        "Contacts (masked for Support.Agent) with the consent each lead gave; format=csv "
        "(or Accept: text/csv) gives the same page as CSV, the next page's token in "
        "X-Continuation",
        200,
        ContactPage,
        roles=("Support.Agent", "Privacy.Admin"),
        query=("limit", "continuation", "format"),
        query_schemas={"format": {"type": "string", "enum": ["json", "csv"]}},
        also=("text/csv",),
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
        query_schemas={"limit": {"type": "integer", "minimum": 1, "maximum": 1000}},
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
        media=ZIP,
        redirect=True,
    ),
    *DSAR,
    Operation(
        "get", "/api/v1/health", "health", "Each backend's state from a cheap probe; 503 when "
        "one fails", 200, Health, errors=(), degraded=True,
    ),
    Operation(
        "get", "/api/v1/readiness", "readiness", "Health plus the ingest queue (depth, dead "
        "letters, oldest message age), open and overdue requests, notices due soon, key "
        "versions", 200, Readiness, roles=("Platform.Admin",),
    ),
    Operation("get", "/api/v1/openapi.json", "openapi", "This document", 200, None, errors=()),
    Operation(
        "get",
        "/api/v1/problems/{name}",
        "problem_page",
        "What a problem type means and what to do (the type URI of every error resolves here)",
        200,
        None,
        errors=(404,),
        media=MARKDOWN,
    ),
)


