"""Minimisation at ingest: keep only what each purpose needs before anything is stored."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import ua_parser

IpPolicy = Literal["truncate", "hash", "keep"]


def client_ip(forwarded_for: str | None) -> str | None:
    """The client address from the platform's X-Forwarded-For (first hop; port stripped)."""
    if not forwarded_for:
        return None
    first = forwarded_for.split(",")[0].strip()
    if first.startswith("["):
        first = first[1 : first.find("]")]
    elif first.count(":") == 1:
        first = first.split(":")[0]
    try:
        return str(ipaddress.ip_address(first))
    except ValueError:
        return None


def truncate_ip(ip: str) -> str:
    """IPv4 to its /24, IPv6 to its /48: enough for coarse geography, not for a household."""
    address = ipaddress.ip_address(ip)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


@lru_cache(maxsize=4096)
def user_agent_families(user_agent: str) -> tuple[str, str, str]:
    """Browser, OS and device family; the raw string (a fingerprint) is never stored."""
    result = ua_parser.parse(user_agent).with_defaults()
    return result.user_agent.family, result.os.family, result.device.family


def minimise_url(url: str | None, allowed_params: frozenset[str]) -> str | None:
    """Drop user info, fragment and every query parameter not allow-listed (they carry emails)."""
    if url is None:
        return None
    if not any(c in url for c in "?#@"):
        return url  # nothing to drop: the common case, without parsing
    if not allowed_params and "@" not in url:
        return url.split("#", 1)[0].split("?", 1)[0]
    parts = urlsplit(url)
    kept = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in allowed_params
    ]
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(kept), ""))
