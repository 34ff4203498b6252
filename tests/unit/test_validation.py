"""Inbound JSON: bounded before parsing, and errors name fields by the schema (a key the client
invented is named by its position) without repeating what was sent."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ConfigDict

from shared.errors import BadRequest, PayloadTooLarge
from shared.validation import MAX_JSON_DEPTH, parse_model


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str
    purposes: dict[str, bool] = {}


def refusal(body: bytes) -> BadRequest:
    with pytest.raises(BadRequest) as refused:
        parse_model(body, Body)
    return refused.value


def test_size_and_depth_are_refused_before_the_parser_runs() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_model(b"{" + b" " * 100 + b"}", Body, max_bytes=50)
    deep = b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)
    assert "nests deeper" in refusal(deep).detail
    assert "not valid JSON" in refusal(b'{"email": ').detail
    assert "JSON object" in refusal(b"[1]").detail


def test_an_invented_key_is_named_by_its_position_never_its_text() -> None:
    body = json.dumps({"email": "a@b.c", "jean@example.com": 1}).encode()
    [error] = refusal(body).errors
    assert error.path == "/extra[2]" and "jean" not in error.message


def test_a_wrong_value_under_a_client_key_does_not_echo_the_key_or_value() -> None:
    body = json.dumps({"email": "a@b.c", "purposes": {"jean@example.com": "jean@example.com"}})
    [error] = refusal(body.encode()).errors
    assert error.path == "/purposes/key[1]" and "jean" not in error.message
