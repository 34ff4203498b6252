"""The SSRF guard: a webhook URL must lead to a public address, checked after DNS resolution.

Checked at registration and again at every delivery (a name may be re-pointed at an internal
address later: DNS rebinding), and the delivery then connects to an address that passed the
check, never resolving twice. Redirects are not followed (a 3xx is a failed attempt). Refused:
anything but https, credentials in the URL, and any resolved address that is not globally
routable (private, loopback, link-local such as the 169.254.169.254 metadata endpoint, shared,
reserved, multicast, unspecified; IPv4 mapped into IPv6 is judged as IPv4). With
``allow_local`` (the embedded host) ``http(s)://127.0.0.1`` and ``http(s)://localhost`` are
accepted as well, and only those two names.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from shared.errors import BadRequest, FieldError
from shared.ports.webhook_sender import Target

Resolver = Callable[[str, int], list[str]]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})


class RefusedUrl(BadRequest):
    """The URL does not lead to a public https address (nothing is sent or stored)."""


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _refuse(reason: str) -> RefusedUrl:
    return RefusedUrl("the webhook URL is not allowed", errors=[FieldError("/url", reason)])


def check_url(url: str, allow_local: bool, resolve: Resolver = system_resolve) -> Target:
    """The vetted target of ``url``, or RefusedUrl naming why (never echoing the URL)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise _refuse("is not a valid URL") from None
    host = (parts.hostname or "").lower()
    local = allow_local and host in LOCAL_HOSTS
    if parts.scheme != "https" and not (local and parts.scheme == "http"):
        raise _refuse("must use https")
    if not host or parts.username is not None or parts.password is not None:
        raise _refuse("must name a host and carry no credentials")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise _refuse("the host name does not resolve") from None
    if not addresses:
        raise _refuse("the host name does not resolve")
    if local:
        addresses = [a for a in addresses if ipaddress.ip_address(a).is_loopback]
    elif not all(is_public(a) for a in addresses):
        raise _refuse("must resolve to public addresses only")
    if not addresses:
        raise _refuse("must resolve to public addresses only")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, tuple(addresses))
