"""App Service Authentication ("Easy Auth"), emulated for browsers (API.md v1.1).

In Azure the platform, not the app, owns ``/.auth/*``: it signs people in, keeps a session
cookie and injects ``X-MS-CLIENT-PRINCIPAL`` into every request it forwards, overwriting any
copy the client sent. This wrapper does the same in front of the embedded host, so the console
runs unchanged here and there. Signing in is a form where a developer names themselves and
picks roles and tenant grants: it is as trusting as dev auth (which it requires), no more.

Sessions live in this process only (a restart signs everyone out); the cookie holds a random
token, never a name or claim, and is ``HttpOnly`` and ``SameSite=Strict``.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from infra.embedded_host.easy_auth_page import SignIn, sign_in_page
from infra.embedded_host.http_conversion import problem
from shared.policies.same_origin import is_cross_site

COOKIE = "AppServiceAuthSession"
SESSION_SECONDS = 8 * 3600
MAX_SESSIONS = 10_000
DEFAULT_REDIRECT = "/api/console/"
OID_CLAIM = "http://schemas.microsoft.com/identity/claims/objectidentifier"
_PRINCIPAL_HEADERS = (
    b"x-ms-client-principal",
    b"x-ms-client-principal-name",
    b"x-ms-client-principal-id",
    b"x-ms-client-principal-idp",
)
_MAX_FORM_BYTES = 16_384


@dataclass(frozen=True)
class Session:
    name: str
    oid: str
    claims: tuple[tuple[str, str], ...]
    expires: float

    def principal_header(self) -> str:
        """Base64 JSON exactly as App Service sends it."""
        body = {
            "auth_typ": "aad",
            "claims": [{"typ": t, "val": v} for t, v in self.claims],
            "name_typ": "name",
            "role_typ": "roles",
        }
        return base64.b64encode(json.dumps(body).encode()).decode()


def dev_object_id(name: str) -> str:
    """A stable object id per name: the same developer is the same actor at each sign-in, and
    two names are two people (the two-person rules of DSAR decisions depend on it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "embedded-host-dev-user:" + name.casefold()))


def local_redirect(target: str | None) -> str:
    """Only a path on this host: an absolute or scheme-relative URL would be an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return DEFAULT_REDIRECT
    parts = urlsplit(target)
    return DEFAULT_REDIRECT if parts.scheme or parts.netloc else target


class Sessions:
    def __init__(self) -> None:
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, form: SignIn) -> str:
        oid = dev_object_id(form.name)
        claims = [("name", form.name), (OID_CLAIM, oid)]
        claims += [("roles", role) for role in form.roles]
        claims += [("tenants", grant) for grant in form.tenants]
        claims += [("amr", "pwd")] + ([("amr", "mfa")] if form.mfa else [])
        token = secrets.token_urlsafe(32)
        session = Session(form.name, oid, tuple(claims), time.monotonic() + SESSION_SECONDS)
        with self._lock:
            if len(self._by_token) >= MAX_SESSIONS:
                self._drop_expired()
            self._by_token[token] = session
        return token

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._by_token.get(token)
            if session is not None and session.expires <= time.monotonic():
                del self._by_token[token]
                return None
        return session

    def close(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)

    def _drop_expired(self) -> None:
        now = time.monotonic()
        for token in [t for t, s in self._by_token.items() if s.expires <= now]:
            del self._by_token[token]
        while len(self._by_token) >= MAX_SESSIONS:
            self._by_token.pop(next(iter(self._by_token)))


def _token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:
                continue
            if COOKIE in cookie:
                return cookie[COOKIE].value
    return None


class EasyAuth:
    """ASGI wrapper: serves ``/.auth/*`` and injects the session's principal elsewhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.sessions = Sessions()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/.auth" or scope["path"].startswith("/.auth/"):
            response = await self._auth_endpoint(Request(scope, receive))
            await response(scope, receive, send)
            return
        session = self.sessions.get(_token(scope))
        if session is not None:
            scope = dict(scope)
            headers = [(k, v) for k, v in scope["headers"] if k not in _PRINCIPAL_HEADERS]
            scope["headers"] = headers
            injected = MutableHeaders(scope=scope)
            injected["x-ms-client-principal"] = session.principal_header()
            injected["x-ms-client-principal-name"] = session.name
            injected["x-ms-client-principal-id"] = session.oid
            injected["x-ms-client-principal-idp"] = "aad"
        await self.app(scope, receive, send)

    async def _auth_endpoint(self, request: Request) -> Response:
        path, method = request.url.path.rstrip("/"), request.method
        if path in ("/.auth/login/aad", "/.auth/login/dev") and method == "GET":
            redirect = local_redirect(request.query_params.get("post_login_redirect_uri"))
            return sign_in_page(SignIn(redirect=redirect))
        if path == "/.auth/login/dev" and method == "POST":
            return await self._sign_in(request)
        if path == "/.auth/me" and method == "GET":
            return self._me(request)
        if path == "/.auth/logout" and method == "GET":
            self.sessions.close(request.cookies.get(COOKIE))
            target = local_redirect(request.query_params.get("post_logout_redirect_uri"))
            response = RedirectResponse(target, status_code=302)
            response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
            return response
        return problem(404, "Not Found", detail="this host emulates /.auth/login/aad, "
                       "/.auth/login/dev, /.auth/me and /.auth/logout")

    async def _sign_in(self, request: Request) -> Response:
        if _cross_site(request):
            return problem(403, "Forbidden", detail="sign in from this host's own sign-in page")
        body = await request.body()
        fields = parse_qs(body[:_MAX_FORM_BYTES].decode("utf-8", "replace"))
        redirect = local_redirect((fields.get("post_login_redirect_uri") or [""])[0])
        form = SignIn.from_fields(fields, redirect)
        if form.errors:
            return sign_in_page(form, status=400)
        token = self.sessions.open(form)
        response = RedirectResponse(form.redirect, status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    def _me(self, request: Request) -> Response:
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is None:
            return JSONResponse([], headers={"Cache-Control": "no-store"})
        me = {
            "provider_name": "aad",
            "user_id": session.name,
            "user_claims": [{"typ": t, "val": v} for t, v in session.claims],
        }
        return JSONResponse([me], headers={"Cache-Control": "no-store"})


def _cross_site(request: Request) -> bool:
    """A sign-in posted from another site would sign the victim in as the attacker."""
    headers = request.headers
    return is_cross_site(
        headers.get("sec-fetch-site"), headers.get("origin"), [headers.get("host", "")]
    )
