"""The continuation token of the DSAR list: it is read in phases (open requests, then those
waiting for their requester, then closed ones), each phase with the store's own continuation
inside (opaque to clients; a forged one is a 400)."""

from __future__ import annotations

import base64
import binascii
import json

from shared.errors import BadRequest, FieldError


def encode_page(phase: int, inner: str | None) -> str:
    raw = json.dumps({"p": phase, "c": inner}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_page(token: str, phases: int = 2) -> tuple[int, str | None]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        phase, inner = data["p"], data["c"]
        valid = phase in range(phases) and (inner is None or isinstance(inner, str))
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeError):
        valid = False
    if not valid:
        raise BadRequest(
            "the continuation token is not one this query issued",
            errors=[FieldError("?continuation", "invalid continuation token")],
        )
    return int(phase), inner
