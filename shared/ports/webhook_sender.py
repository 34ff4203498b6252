"""The outbound HTTP port of webhook deliveries: one POST to a vetted address.

The caller has already vetted the target (``shared.notify.ssrf``); the adapter connects to one
of ``target.addresses`` only (no second DNS look-up), presents the host name for TLS (SNI and
certificate check) and in ``Host``, follows no redirect, and gives up after ``timeout`` seconds.
It returns the status code; it reads no more of the answer than it must and keeps none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Target:
    """A vetted destination: connect to ``addresses`` only, presenting ``host`` (SNI, Host)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


class SendFailed(Exception):
    """No answer: connection refused or reset, TLS failure, or the timeout. The message is a
    short code (``timeout``, ``connection``, ``tls``), never the URL or a body."""


class WebhookSender(Protocol):
    def post(self, target: Target, body: bytes, headers: dict[str, str], timeout: float) -> int:
        ...
