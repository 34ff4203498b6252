"""Errors that become problem+json answers (RFC 9457). None carries a submitted value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str


class ApiError(Exception):
    status = 500
    title = "Internal Server Error"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra: dict[str, object] = dict(extra or {})

    @property
    def type(self) -> str:
        return f"https://errors.widget-privacy.example/{self.status}"


class BadRequest(ApiError):
    status, title = 400, "Bad Request"


class Unauthorized(ApiError):
    status, title = 401, "Unauthorized"


class Forbidden(ApiError):
    status, title = 403, "Forbidden"


class VisitorMismatch(Forbidden):
    """A widget call named a visitor id bound to another secret (or sent none): nothing of it is
    stored. Its own problem type, so the widget can tell it from a refused origin."""

    @property
    def type(self) -> str:
        return "https://errors.widget-privacy.example/visitor-mismatch"


class NotFound(ApiError):
    status, title = 404, "Not Found"


class Conflict(ApiError):
    status, title = 409, "Conflict"


class Quarantined(Conflict):
    """A stored document this request needs does not parse; it is reported to the operator."""

    @property
    def type(self) -> str:
        return "https://errors.widget-privacy.example/409/quarantined"


class Gone(ApiError):
    status, title = 410, "Gone"


class PayloadTooLarge(ApiError):
    status, title = 413, "Payload Too Large"


class MisdirectedRequest(ApiError):
    status, title = 421, "Misdirected Request"


class TooManyRequests(ApiError):
    status, title = 429, "Too Many Requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"rate limit exceeded; retry after {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
