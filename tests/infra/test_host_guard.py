"""Loopback names and bind addresses, and a request with no Host header at all."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from infra.embedded_host.host_guard import LoopbackHostMiddleware, host_name, is_loopback


@pytest.mark.parametrize(
    ("bind", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
     ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.10", False),
     ("myhost", False), ("", False)],
)
def test_bind_addresses(bind: str, loopback: bool) -> None:
    assert is_loopback(bind) is loopback


@pytest.mark.parametrize(
    ("header", "name"),
    [("127.0.0.1:7071", "127.0.0.1"), ("[::1]:7071", "[::1]"), ("[::1]", "[::1]"),
     ("localhost", "localhost"), ("localhost:", None), ("[::1]x", None), ("h:1:2", None),
     (":7071", None)],
)
def test_host_header_names(header: str, name: str | None) -> None:
    assert host_name(header) == name


@pytest.mark.parametrize("headers", [[], [(b"host", b"")], [(b"host", b"127.0.0.1"),
                                                           (b"host", b"evil.example")]])
def test_a_request_without_exactly_one_host_header_is_400(headers: list[Any]) -> None:
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "path": "/admin/functions/x", "headers": headers}
    asyncio.run(LoopbackHostMiddleware(app)(scope, None, send))
    assert reached == [] and sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["title"] == "Bad Request"
