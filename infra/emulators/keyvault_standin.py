"""A small HTTPS stand-in for the Key Vault secrets REST API, for tests of the secrets path.

Microsoft ships no Key Vault emulator, and the SDK's behaviour that matters here lives on the
wire: the challenge-based auth (a first unauthenticated request answered 401 with
``WWW-Authenticate: Bearer authorization=..., resource=...``, then the bearer token), the
``api-version`` query, the ``{"value", "id", "attributes"}`` shape, paged version listings
(``nextLink``), disabled versions (403 ``SecretDisabled``) and retries on 429. This server speaks
exactly that for ``GET {vault}/secrets/{name}[/{version}]`` and
``GET {vault}/secrets/{name}/versions`` and nothing else; tests add versions with
``add_version`` (a redeploy writing a new secret) and disable them with ``disable``.
It records each request (method, path, whether it carried the expected token, status) but
never a secret value, and can answer the next N authenticated requests with an error status
(``fail_next``) to prove retries. Loopback only, with a certificate the caller provides.
"""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
RESOURCE = "https://vault.azure.net"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    authorized: bool
    status: int


@dataclass
class Version:
    version: str
    value: str
    created: int
    enabled: bool = True


@dataclass
class KeyVaultStandIn:
    url: str
    token: str
    versions: dict[str, list[Version]] = field(default_factory=dict)
    page_size: int = 2
    """Versions per listing page (Key Vault's is 25): small, so paging is exercised."""
    seen: list[Seen] = field(default_factory=list)
    _faults: list[tuple[int, str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_version(self, name: str, value: str, enabled: bool = True) -> str:
        """A new version of ``name`` (created a minute after the previous one); its id."""
        with self._lock:
            history = self.versions.setdefault(name, [])
            created = history[-1].created + 60 if history else 1_700_000_000
            version = uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{len(history)}").hex
            history.append(Version(version, value, created, enabled))
            return version

    def disable(self, name: str, version: str) -> None:
        with self._lock:
            for entry in self.versions[name]:
                if entry.version == version:
                    entry.enabled = False

    def _find(self, name: str, version: str | None) -> Version | None:
        with self._lock:
            history = self.versions.get(name, [])
            if version is None:
                return max(history, key=lambda v: v.created) if history else None
            return next((v for v in history if v.version == version), None)

    def fail_next(self, status: int, times: int = 1, retry_after: str | None = None) -> None:
        """Answer the next ``times`` authenticated requests with ``status``."""
        with self._lock:
            self._faults.extend([(status, retry_after)] * times)

    def _take_fault(self) -> tuple[int, str | None] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)


def _handler(state: KeyVaultStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # requests are recorded in ``state.seen``; nothing goes to stderr

        def _answer(self, status: int, body: dict[str, Any] | None, **headers: str) -> None:
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, status: int, code: str, message: str, **headers: str) -> None:
            self._answer(status, {"error": {"code": code, "message": message}}, **headers)

        def _attributes(self, entry: Version) -> dict[str, Any]:
            return {
                "enabled": entry.enabled,
                "created": entry.created,
                "updated": entry.created,
                "recoveryLevel": "Recoverable+Purgeable",
                "recoverableDays": 90,
            }

        def _list(self, name: str, query: dict[str, list[str]]) -> int:
            with state._lock:
                history = list(state.versions[name])
            start = int(query.get("$skiptoken", ["0"])[0])
            page = history[start : start + state.page_size]
            more = start + state.page_size < len(history)
            self._answer(
                200,
                {
                    "value": [
                        {
                            "id": f"{state.url}/secrets/{name}/{v.version}",
                            "attributes": self._attributes(v),
                            "tags": {},
                        }
                        for v in page
                    ],
                    "nextLink": f"{state.url}/secrets/{name}/versions?api-version="
                    f"{query['api-version'][0]}&$skiptoken={start + state.page_size}"
                    if more
                    else None,
                },
            )
            return 200

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            authorized = self.headers.get("Authorization") == f"Bearer {state.token}"
            status = self._serve(url.path, parse_qs(url.query), authorized)
            state._record(Seen("GET", url.path, authorized, status))

        def _serve(self, path: str, query: dict[str, list[str]], authorized: bool) -> int:
            if not authorized:
                challenge = (
                    f'Bearer authorization="https://login.microsoftonline.com/{TENANT}",'
                    f' resource="{RESOURCE}"'
                )
                self._error(
                    401,
                    "Unauthorized",
                    "AKV10000: Request is missing a Bearer token.",
                    WWW_Authenticate=challenge,
                )
                return 401
            if not query.get("api-version"):
                self._error(400, "BadParameter", "api-version is required")
                return 400
            if fault := state._take_fault():
                status, retry_after = fault
                extra = {"Retry_After": retry_after} if retry_after is not None else {}
                self._error(status, "Throttled", "Operations per second limit reached", **extra)
                return status
            parts = [p for p in path.split("/") if p]
            if len(parts) not in (2, 3) or parts[0] != "secrets":
                self._error(404, "NotFound", "no such operation")
                return 404
            name = parts[1]
            if name not in state.versions:
                self._error(404, "SecretNotFound", f"A secret with (name/id) {name} was not found")
                return 404
            if len(parts) == 3 and parts[2] == "versions":
                return self._list(name, query)
            entry = state._find(name, parts[2] if len(parts) == 3 else None)
            if entry is None:
                self._error(404, "SecretNotFound", f"A secret with (name/id) {name} was not found")
                return 404
            if not entry.enabled:
                self._error(403, "Forbidden", "Operation get is not allowed on a disabled secret.")
                return 403
            self._answer(
                200,
                {
                    "value": entry.value,
                    "id": f"{state.url}/secrets/{name}/{entry.version}",
                    "attributes": self._attributes(entry),
                    "tags": {},
                },
            )
            return 200

    return Handler


@contextmanager
def keyvault_standin(
    cert: Path, key: Path, secrets: dict[str, str], token: str = "stand-in-token"
) -> Iterator[KeyVaultStandIn]:
    """Serve on 127.0.0.1 (a port the OS picks) for the duration of the block."""
    state = KeyVaultStandIn(url="", token=token)
    for name, value in secrets.items():
        state.add_version(name, value)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    state.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="keyvault-standin", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
