"""``GET /.local/mailbox`` and ``/.local/mailbox/{id}``: the e-mails the embedded mailer wrote.

Locally nothing is sent: every message is an ``.eml`` file under ``<data dir>/mailbox``. These
routes let the console's Mailbox page list and open them. They belong to the embedded host, not
to the app (the app in Azure has no mailbox, so there they answer 404 and the console hides the
page). The mail goes to every tenant's privacy contacts and to the platform's on-call address,
so reading it takes what the platform's own views take: Platform.Admin granted for every
tenant, computed by the app's own grant function from the principal that dev auth trusts (the
Easy Auth session's, locally; its roles and tenants claims, as no Entra group reaches a local
sign-in), or the host's master key for scripts. With dev auth off, only the key opens it.

A message is named by its file's stem and found among the listed files: no path is ever built
from what the caller sends. Only the text part and attachment names, types and sizes are
returned, never a file's bytes; nothing of a message is logged.
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from infra.embedded_host.admin_routes import presented_key
from infra.embedded_host.host_keys import HostKeys
from infra.embedded_host.http_conversion import problem
from shared.auth import Role, authorize
from shared.errors import ApiError

PATH = "/.local/mailbox"
DEFAULT_LIMIT, MAX_LIMIT = 100, 500
_LIMIT = re.compile(r"^[0-9]{1,4}$")
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _messages(directory: Path) -> list[Path]:
    """The message files as listed (a message is found among them, never by a path)."""
    if not directory.is_dir():
        return []
    return [p for p in directory.iterdir() if p.suffix == ".eml" and p.is_file()]


def _files(directory: Path) -> list[Path]:
    """The messages, newest first (by the time each file was last written)."""
    return sorted(_messages(directory), key=lambda p: p.stat().st_mtime_ns, reverse=True)


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return BytesParser(EmailMessage, policy=policy.default).parse(handle)


def _addresses(value: str | None) -> list[str]:
    return [a.strip() for a in (value or "").split(",") if a.strip()]


def _date(value: str | None) -> str | None:
    try:
        return parsedate_to_datetime(value).isoformat() if value else None
    except (TypeError, ValueError):
        return None


def summary(path: Path, mail: EmailMessage | None = None) -> dict[str, Any]:
    """What the listing shows of a message (``mail``: the message already parsed)."""
    mail = mail or _parse(path)
    return {
        "id": path.stem,
        "subject": str(mail.get("Subject", "")),
        "from": str(mail.get("From", "")),
        "to": _addresses(mail.get("To")),
        "date": _date(mail.get("Date")),
        "attachments": [part.get_filename() or "" for part in mail.iter_attachments()],
    }


def message(path: Path) -> dict[str, Any]:
    mail = _parse(path)
    body = mail.get_body(preferencelist=("plain",))
    attachments = [
        {
            "name": part.get_filename() or "",
            "contentType": part.get_content_type(),
            "bytes": len(part.get_payload(decode=True) or b""),
        }
        for part in mail.iter_attachments()
    ]
    text = str(body.get_content()) if body is not None else ""
    return summary(path, mail) | {"text": text, "attachments": attachments}


def _denied(request: Request, keys: HostKeys, trusted: bool) -> Response | None:
    """None for the master key or a Platform.Admin for every tenant; a problem otherwise."""
    if keys.allows("admin", presented_key(request)):
        return None
    try:
        authorize(request.headers, trusted, [Role.PLATFORM_ADMIN])
    except ApiError as exc:
        return problem(exc.status, exc.title, _HEADERS, detail=exc.detail)
    return None


def mailbox_routes(directory: Path, keys: HostKeys, *, trusted: bool) -> list[BaseRoute]:
    """``trusted``: whether the principal header is believed (dev auth), as for the API."""

    # plain functions: Starlette runs them in its thread pool, so reading and parsing files
    # never holds up the host's event loop
    def listing(request: Request) -> Response:
        if denied := _denied(request, keys, trusted):
            return denied
        raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
        if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
            return problem(400, "Bad Request", _HEADERS, detail=f"limit is 1 to {MAX_LIMIT}")
        items = [summary(p) for p in _files(directory)[: int(raw)]]
        return JSONResponse({"items": items}, headers=_HEADERS)

    def one(request: Request) -> Response:
        if denied := _denied(request, keys, trusted):
            return denied
        wanted = request.path_params["id"]
        found = next((p for p in _messages(directory) if p.stem == wanted), None)
        if found is None:
            return problem(404, "Not Found", _HEADERS, detail="no such message in the mailbox")
        return JSONResponse(message(found), headers=_HEADERS)

    return [
        Route(PATH, listing, methods=["GET"]),
        Route(PATH + "/{id}", one, methods=["GET"]),
    ]
