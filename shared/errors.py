"""Errors that become problem+json answers (RFC 9457). None carries a submitted value.

Each problem type is a name (``forbidden``, ``visitor-mismatch``, ...) whose ``type`` URI is
``/api/v1/problems/<name>``: a relative reference with the full path (RFC 9457 3.1.1), the same
string in every deployment, and it resolves, against the API's own origin, to a page the app
serves from ``docs/errors.md`` (what the problem means and what to do). A test checks that
every name the app and the embedded host can emit has its section there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PROBLEMS_PATH = "/api/v1/problems/"
STATUS_PROBLEMS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    410: "gone",
    413: "payload-too-large",
    421: "misdirected-request",
    429: "too-many-requests",
    500: "internal-server-error",
    503: "service-unavailable",
}
"""The problem name of each status that has no more precise type (hosts use it too)."""


def problem_type(name: str) -> str:
    return PROBLEMS_PATH + name


def status_problem_type(status: int) -> str:
    """The type of a plain status answer (a host's 404 or 405, say)."""
    name = STATUS_PROBLEMS.get(status)
    return problem_type(name) if name else "about:blank"


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str


class ApiError(Exception):
    status = 500
    title = "Internal Server Error"
    problem = "internal-server-error"
    """The problem type's name: its section in docs/errors.md and its page's path."""

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
        return problem_type(self.problem)


class BadRequest(ApiError):
    status, title, problem = 400, "Bad Request", "bad-request"


class Unauthorized(ApiError):
    status, title, problem = 401, "Unauthorized", "unauthorized"


class Forbidden(ApiError):
    status, title, problem = 403, "Forbidden", "forbidden"


class VisitorMismatch(Forbidden):
    """A widget call named a visitor id bound to another secret (or sent none): nothing of it is
    stored. Its own problem type, so the widget can tell it from a refused origin."""

    problem, title = "visitor-mismatch", "Visitor Mismatch"


class NotFound(ApiError):
    status, title, problem = 404, "Not Found", "not-found"


class Conflict(ApiError):
    status, title, problem = 409, "Conflict", "conflict"


class Quarantined(Conflict):
    """A stored document this request needs does not parse; it is reported to the operator."""

    problem, title = "quarantined", "Stored Document Quarantined"


class Gone(ApiError):
    status, title, problem = 410, "Gone", "gone"


class PayloadTooLarge(ApiError):
    status, title, problem = 413, "Payload Too Large", "payload-too-large"


class MisdirectedRequest(ApiError):
    status, title, problem = 421, "Misdirected Request", "misdirected-request"


class TooManyRequests(ApiError):
    status, title, problem = 429, "Too Many Requests", "too-many-requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"rate limit exceeded; retry after {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
