"""Parse inbound JSON into models, turning failures into errors that never echo the input."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.errors import BadRequest, FieldError

M = TypeVar("M", bound=BaseModel)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")
_SAFE_MESSAGES = {
    "uuid_parsing": "Input should be a valid UUID",
    "uuid_type": "Input should be a valid UUID",
    "datetime_from_date_parsing": "Input should be an RFC 3339 date-time",
    "datetime_parsing": "Input should be an RFC 3339 date-time",
    "timezone_aware": "Input should have a timezone (RFC 3339, e.g. Z)",
}


def _path(loc: tuple[int | str, ...]) -> str:
    """JSON pointer of the failing field; keys that are not plain names (maybe data) become *."""
    parts = [str(p) if isinstance(p, int) or _NAME.match(p) else "*" for p in loc if p != "[key]"]
    return "/" + "/".join(parts)


def _message(error: Any) -> str:
    message = str(_SAFE_MESSAGES.get(error["type"], error["msg"]))
    value = error.get("input")
    if isinstance(value, str | int | float) and len(str(value)) >= 3 and str(value) in message:
        return "Input is not valid here"
    return message


def field_errors(exc: ValidationError) -> list[FieldError]:
    return [FieldError(_path(e["loc"]), _message(e)) for e in exc.errors(include_url=False)]


def parse_model(body: bytes, model: type[M]) -> M:
    try:
        data = json.loads(body) if body else None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest("the body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise BadRequest("the body does not match the schema", errors=field_errors(exc)) from None
