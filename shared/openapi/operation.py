"""One documented HTTP operation: what ``shared.openapi.document`` turns into a path item.

An operation lists what it can answer besides its success: the generator adds what every
operation of its kind answers (authentication, validation, body size, a quarantined tenant),
so the document describes every status code and content type the app really sends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

WIDGET_ERRORS = (400, 401, 403, 409, 413, 421, 429)
ADMIN_ERRORS = (400, 401, 403, 404)
ZIP = "application/zip"
MARKDOWN = "text/markdown"

QUERY: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 500},
    "continuation": {"type": "string", "description": "opaque token from the previous page"},
    "from": {"type": "string", "format": "date-time"},
    "to": {"type": "string", "format": "date-time"},
    "action": {"type": "string", "maxLength": 100},
    "format": {"type": "string", "enum": ["json", "markdown"]},
}
"""Query parameters by name (an operation may override one in ``Operation.query_schemas``)."""


@dataclass(frozen=True)
class Link:
    """An OpenAPI link from this operation's success answer to another operation."""

    name: str
    operation_id: str
    parameters: dict[str, str]
    """Target parameter -> runtime expression, e.g. ``{"tenantId": "$response.body#/tenantId"}``."""


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    status: int
    response: type[BaseModel] | None
    request: type[BaseModel] | None = None
    roles: tuple[str, ...] = ()
    widget: bool = False
    errors: tuple[int, ...] = ADMIN_ERRORS
    query: tuple[str, ...] = field(default=())
    query_schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: str = "application/json"
    markdown: bool = False
    """Also served as ``text/markdown`` (``?format=markdown`` or ``Accept: text/markdown``)."""
    also: tuple[str, ...] = ()
    """Other media types of the success answer (e.g. the zip of an export), schema binary."""
    redirect: bool = False
    """May answer 303 See Other with a ``Location`` (a short-lived storage link on Azure)."""
    body_required: bool = True
    degraded: bool = False
    """Also answers 503 with the success schema (health: a backend's probe failed)."""
    links: tuple[Link, ...] = ()
    ranges: bool = False
    """Answers a ``Range`` request with 206 Partial Content (and 416 outside the content)."""
    multipart: dict[str, str] | None = None
    """The request is ``multipart/form-data`` (schema: ``request``): part -> its media type."""
