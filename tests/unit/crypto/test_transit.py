"""Queue transit: a sealed message names its key version and opens after a newer one appears."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.adapters.file_keys import FileKeyProvider
from shared.crypto.envelope import DecryptionFailed, seal
from shared.crypto.transit import open_message, seal_message
from shared.ports.key_provider import KeyUnavailable


def test_a_message_sealed_before_a_new_version_opens_after_it(tmp_path: Path) -> None:
    keys = FileKeyProvider(tmp_path)
    body = seal_message(keys, b'{"kind": "contact"}', "m-1")
    assert body.startswith(b"tk1.1.") and b"contact" not in body
    keys.add_secret_version("transit")
    assert open_message(keys, body, "m-1") == b'{"kind": "contact"}'
    assert seal_message(keys, b"x", "m-2").startswith(b"tk1.2.")


def test_a_body_sealed_before_versions_were_named_still_opens(tmp_path: Path) -> None:
    keys = FileKeyProvider(tmp_path)
    legacy = seal((tmp_path / "transit.key").read_bytes(), b"old", b"m-1")  # earlier releases
    keys.add_secret_version("transit")
    assert open_message(keys, legacy, "m-1") == b"old"


def test_a_frame_edited_to_another_version_or_message_does_not_open(tmp_path: Path) -> None:
    keys = FileKeyProvider(tmp_path)
    keys.add_secret_version("transit")
    body = seal_message(keys, b"payload", "m-1")
    with pytest.raises(DecryptionFailed):
        open_message(keys, body.replace(b"tk1.2.", b"tk1.1.", 1), "m-1")
    with pytest.raises(DecryptionFailed):
        open_message(keys, body, "m-other")
    with pytest.raises(KeyUnavailable):
        open_message(keys, body.replace(b"tk1.2.", b"tk1.7.", 1), "m-1")
