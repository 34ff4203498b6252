"""A data key as documents store it: wrapped by the region's key-encryption key, named by
key id and algorithm, the wrapped bytes as base64 text.

Subjects, requests, webhooks and the key re-wrap timer all read and write this one shape;
kept in one place because a re-wrap that wrote another spelling would make every later
unwrap fail.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping

from shared.crypto.envelope import new_data_key
from shared.ports.key_provider import KeyProvider, WrappedKey


def stored_form(wrapped: WrappedKey) -> dict[str, str]:
    """The ``dataKey`` field of a document for ``wrapped``."""
    return {
        "keyId": wrapped.key_id,
        "algorithm": wrapped.algorithm,
        "wrapped": base64.b64encode(wrapped.wrapped).decode(),
    }


def from_stored(meta: Mapping[str, str]) -> WrappedKey:
    """The wrapped key a document's ``dataKey`` field holds."""
    return WrappedKey(meta["keyId"], meta["algorithm"], base64.b64decode(meta["wrapped"]))


def new_stored_key(keys: KeyProvider) -> tuple[bytes, dict[str, str]]:
    """A fresh data key and its ``dataKey`` field."""
    data_key = new_data_key()
    return data_key, stored_form(keys.wrap_key(data_key))
