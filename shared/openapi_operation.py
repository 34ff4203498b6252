"""One documented HTTP operation: what ``shared.openapi`` turns into a path item."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

WIDGET_ERRORS = (400, 401, 403, 409, 413, 421, 429)
ADMIN_ERRORS = (400, 401, 403, 404)


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
    media: str = "application/json"
    markdown: bool = False
    """Also served as ``text/markdown`` (``?format=markdown`` or ``Accept: text/markdown``)."""
