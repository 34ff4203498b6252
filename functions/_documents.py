"""Documents served as JSON or, on request, as readable Markdown (``?format=markdown`` or
``Accept: text/markdown``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import azure.functions as func
from pydantic import BaseModel

from functions._http import json_response
from shared.errors import BadRequest, FieldError

M = TypeVar("M", bound=BaseModel)
FORMATS = ("json", "markdown")


def wants_markdown(req: func.HttpRequest) -> bool:
    """An explicit ``format`` wins over the Accept header."""
    fmt: str | None = req.params.get("format")
    if fmt is None:
        return "text/markdown" in (req.headers.get("accept") or "").lower()
    if fmt not in FORMATS:
        raise BadRequest(
            "invalid query parameter",
            errors=[FieldError("?format", "must be json or markdown")],
        )
    return fmt == "markdown"


def document_response(
    req: func.HttpRequest, document: M, render: Callable[[M], str]
) -> func.HttpResponse:
    if not wants_markdown(req):
        return json_response(document)
    return func.HttpResponse(
        render(document), status_code=200, mimetype="text/markdown", charset="utf-8"
    )
