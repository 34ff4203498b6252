"""Guards of a host meant for one developer's machine: loopback names, and dev auth off the net.

DNS rebinding: a web page on ``evil.example`` can make its own name resolve to 127.0.0.1 and
then call the host as a same-origin page, reading every answer. The browser still sends
``Host: evil.example``, so a host bound to loopback answers only requests that name a loopback
host (``127.0.0.1``, ``localhost``, ``[::1]``, any port): others get 421, a missing Host 400.
"""

from __future__ import annotations

import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from infra.embedded_host.http_conversion import problem

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    """Whether a bind address or host name means this machine only (``0.0.0.0`` does not)."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str | None:
    """The name of a Host header without its port (``[::1]:7071`` -> ``[::1]``), or None."""
    header = header.strip()
    if header.startswith("["):
        end = header.find("]")
        rest = header[end + 1:] if end > 0 else "?"
        return header[: end + 1] if rest == "" or (rest[:1] == ":" and rest[1:].isdigit()) else None
    name, colon, port = header.partition(":")
    if colon and not port.isdigit():
        return None
    return name or None


class LoopbackHostMiddleware:
    """Answers only requests whose Host names a loopback host (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [v.decode("latin-1") for k, v in scope["headers"] if k == b"host"]
        if len(headers) != 1 or not headers[0].strip():
            await problem(400, "Bad Request", detail="a single Host header is required")(
                scope, receive, send
            )
            return
        name = host_name(headers[0])
        if name is None or not is_loopback(name):
            await problem(421, "Misdirected Request", detail="this host is bound to loopback and "
                          "answers only to 127.0.0.1, localhost or [::1] (DNS rebinding guard)")(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)
