"""The privacy console (API.md v1.1): its static files, served by the function app itself.

Serving them from the app means the console deploys with ``azd up`` and sits behind the same
App Service Authentication as the API; locally the embedded host serves it with everything
else. The files are a flat, fixed set read once from ``console/``: a request names one of them
or gets 404, so no path a caller sends can reach another file. Every answer carries the
console's security headers (a strict CSP with no inline script, no framing, no referrer).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import azure.functions as func

from shared.errors import status_problem_type

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
INDEX = "index.html"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(html|css|js|svg|png)$")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "media-src 'self'",  # call recordings play from the API's audited audio route
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

bp = func.Blueprint()


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


@functools.cache
def assets(directory: Path = CONSOLE_DIR) -> dict[str, Asset]:
    """The console's files by name, read once per process (they change only on deploy)."""
    found: dict[str, Asset] = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and _NAME.fullmatch(path.name):
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            found[path.name] = Asset(body, TYPES[path.suffix], etag)
    return found


def _answer(
    status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
) -> func.HttpResponse:
    headers = {**SECURITY_HEADERS, "Content-Type": content_type, **(extra or {})}
    return func.HttpResponse(body, status_code=status, headers=headers)


def serve(name: str, if_none_match: str | None) -> func.HttpResponse:
    """One file by name; the page itself is never cached (it names the current scripts),
    the other files are revalidated by ETag."""
    asset = assets().get(name or INDEX)
    if asset is None:
        body = json.dumps({"type": status_problem_type(404), "title": "Not Found",
                           "status": 404, "detail": "no such file of the console"})
        return _answer(404, body.encode(), "application/problem+json")
    cache = "no-store" if asset.content_type.startswith("text/html") else "no-cache"
    headers = {"Cache-Control": cache, "ETag": asset.etag}
    if if_none_match == asset.etag and cache == "no-cache":
        return _answer(304, b"", asset.content_type, headers)
    return _answer(200, asset.body, asset.content_type, headers)


@bp.route(route="console", methods=["GET"])
def console_page(req: func.HttpRequest) -> func.HttpResponse:
    """``GET /api/console/``: the page; it asks ``/.auth/me`` who is signed in."""
    return serve(INDEX, None)


@bp.route(route="console/{asset}", methods=["GET"])
def console_asset(req: func.HttpRequest) -> func.HttpResponse:
    return serve(req.route_params.get("asset", ""), req.headers.get("if-none-match"))
