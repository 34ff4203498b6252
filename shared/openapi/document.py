"""The OpenAPI 3.1 document, generated from the pydantic models of each operation.

``OPERATIONS`` lists what exists; a test checks it against the app's registered HTTP routes,
and an outside fuzzer (schemathesis, in the suite) checks every answer against it: status code,
content type and schema. So beside each operation's own answers, every answer it shares with
others of its kind is added here: 400/401/403 for an authenticated call, 404/409/421 for a
tenant's resource (unknown, quarantined, served in another region), 413 for a request body.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.openapi.accountability import ACCOUNTABILITY
from shared.openapi.authority import AUTHORITY
from shared.openapi.console import CONSOLE
from shared.openapi.core import CORE
from shared.openapi.models import Problem
from shared.openapi.notify import NOTIFY
from shared.openapi.operation import MARKDOWN, QUERY, Operation
from shared.openapi.recordings import RECORDINGS
from shared.version import VERSION

OPERATIONS: tuple[Operation, ...] = (
    *CORE, *ACCOUNTABILITY, *AUTHORITY, *RECORDINGS, *NOTIFY, *CONSOLE
)
_REF = "#/components/schemas/{}"
_TITLES = {
    400: "the request is malformed or does not match the schema",
    401: "authentication missing or not valid",
    403: "not allowed: role, tenant scope, origin or contract",
    404: "no such resource",
    409: "conflicts with the current state (including a quarantined tenant: type …/quarantined)",
    410: "gone: the export expired or was deleted",
    413: "the body is too large",
    416: "the range lies outside the content (Content-Range names its size)",
    421: "the tenant is served in another region (the problem names its endpoint)",
    429: "rate limit exceeded (Retry-After says when to retry)",
}


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    params += [
        {
            "name": q,
            "in": "query",
            "required": False,
            "schema": op.query_schemas.get(q) or QUERY.get(q, {"type": "string"}),
        }
        for q in op.query
    ]
    if op.widget:
        params.append(
            {"name": "X-Widget-Key", "in": "header", "required": True, "schema": {"type": "string"}}
        )
    return params


WIDGET_403 = (
    "problem details: origin not allowed or contract ended; or type ending /visitor-mismatch:"
    " the visitorId is bound to another visitorSecret, or none was sent (nothing is stored)"
)


def _error_codes(op: Operation) -> list[int]:
    codes = set(op.errors) | ({416} if op.ranges else set())
    if op.roles:
        codes |= {400, 401, 403}
    if "{tenantId}" in op.path and op.roles:
        codes |= {404, 409, 421}
    if op.request is not None:
        codes |= {400, 413}
    return sorted(codes)


def _success(op: Operation) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        ok["content"] = {op.media: {"schema": {"$ref": _REF.format(op.response.__name__)}}}
    elif op.status != 204:
        schema: dict[str, Any] = {"type": "object"}
        if op.media == MARKDOWN:
            schema = {"type": "string"}
        elif op.media != "application/json":
            schema = {"type": "string", "format": "binary"}
        ok["content"] = {op.media: {"schema": schema}}
    if op.markdown:
        ok["content"][MARKDOWN] = {"schema": {"type": "string"}}
    for media in op.also:
        ok["content"][media] = {"schema": {"type": "string", "format": "binary"}}
    if op.links:
        ok["links"] = {
            link.name: {"operationId": link.operation_id, "parameters": link.parameters}
            for link in op.links
        }
    return ok


def _responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {str(op.status): _success(op)}
    if op.redirect:
        responses["303"] = {
            "description": "See Other: a read-only storage link valid 15 minutes (Azure)",
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
        }
    if op.ranges:
        responses["206"] = _success(op) | {
            "description": "Partial Content: the byte range asked for",
            "headers": {"Content-Range": {"required": True, "schema": {"type": "string"}}},
        }
    if op.degraded and op.response is not None:
        responses["503"] = {
            "description": "degraded: at least one backend failed its probe (same body)",
            "content": {op.media: {"schema": {"$ref": _REF.format(op.response.__name__)}}},
        }
    for code in _error_codes(op):
        answer: dict[str, Any] = {
            "description": WIDGET_403
            if op.widget and code == 403
            else _TITLES.get(code, "problem details"),
            "content": {"application/problem+json": {"schema": {"$ref": _REF.format("Problem")}}},
        }
        if code == 429:
            answer["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
        responses[str(code)] = answer
    return responses


def _operation(op: Operation) -> dict[str, Any]:
    body: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "parameters": _parameters(op),
        "responses": _responses(op),
    }
    if op.roles:
        body["description"] = "Roles: " + ", ".join(op.roles)
        body["security"] = [{"appServiceAuth": []}]
    if op.request is not None:
        media: dict[str, Any] = {"schema": {"$ref": _REF.format(op.request.__name__)}}
        if op.multipart:
            media["encoding"] = {k: {"contentType": v} for k, v in op.multipart.items()}
        kind = "multipart/form-data" if op.multipart else "application/json"
        body["requestBody"] = {"required": op.body_required, "content": {kind: media}}
    return body


@cache
def build_openapi() -> dict[str, Any]:
    """The served document, built once per process (about 40 ms of pydantic schema work that
    every GET of openapi.json repeated). Shared: callers read it, never change it."""
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
            "version": VERSION,
            "description": "Widget ingest and privacy administration (API.md v1.1). Errors are "
            "application/problem+json; unknown paths answer 404 and wrong methods 405 (with "
            "Allow) in the same format.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.get("$defs", {}),
            "securitySchemes": {
                "appServiceAuth": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-MS-CLIENT-PRINCIPAL",
                    "description": (
                        "Injected by App Service Authentication (Entra ID). Grants are (role, "
                        "tenant) pairs: a roles claim with a tenants claim (a tenant id or *), "
                        "or a tenants claim <tenantId>:<Role>; tenant-less operations need the "
                        "role granted for *. A 403 names the roles that would be allowed."
                    ),
                }
            },
        },
    }
