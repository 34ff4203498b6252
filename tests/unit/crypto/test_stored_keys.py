"""The ``dataKey`` field every document with a data key carries: one shape, which unwraps."""

from __future__ import annotations

import base64
from pathlib import Path

from shared.adapters.file_keys import FileKeyProvider
from shared.crypto.stored_keys import from_stored, new_stored_key, stored_form


def test_a_stored_key_has_the_documented_shape_and_unwraps_to_the_same_key(
    tmp_path: Path,
) -> None:
    keys = FileKeyProvider(tmp_path)
    data_key, stored = new_stored_key(keys)
    assert set(stored) == {"keyId", "algorithm", "wrapped"}
    assert base64.b64decode(stored["wrapped"]) != data_key  # wrapped, not the key itself
    assert keys.unwrap_key(from_stored(stored)) == data_key
    assert stored_form(from_stored(stored)) == stored
