"""A small HTTPS stand-in for the Key Vault secrets REST API, for tests of the secrets path.

Microsoft ships no Key Vault emulator, and the SDK's behaviour that matters here lives on the
wire: the challenge-based auth (a first unauthenticated request answered 401 with
``WWW-Authenticate: Bearer authorization=..., resource=...``, then the bearer token), the
``api-version`` query, the ``{"value", "id", "attributes"}`` shape, and retries on 429. This
server speaks exactly that for ``GET {vault}/secrets/{name}[/{version}]`` and nothing else.
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
class KeyVaultStandIn:
    url: str
    token: str
    secrets: dict[str, str]
    seen: list[Seen] = field(default_factory=list)
    _faults: list[tuple[int, str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
            if name not in state.secrets:
                self._error(404, "SecretNotFound", f"A secret with (name/id) {name} was not found")
                return 404
            version = parts[2] if len(parts) == 3 else uuid.uuid5(uuid.NAMESPACE_URL, name).hex
            self._answer(
                200,
                {
                    "value": state.secrets[name],
                    "id": f"{state.url}/secrets/{name}/{version}",
                    "attributes": {
                        "enabled": True,
                        "created": 1700000000,
                        "updated": 1700000000,
                        "recoveryLevel": "Recoverable+Purgeable",
                        "recoverableDays": 90,
                    },
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
    state = KeyVaultStandIn(url="", token=token, secrets=dict(secrets))
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
