"""Queue transit: a widget payload sealed under one version of the region's transit key, and a
frame that names that version, so a message sealed before a key change still opens after it.

Frame: ``tk1.<version>.`` + nonce + AES-GCM ciphertext. The associated data binds the message id
and the version, so a frame edited to name another version fails to authenticate. Bodies without
the frame were sealed before versions existed (associated data: the message id alone); they are
opened with each readable version in turn.
"""

from __future__ import annotations

import re

from shared.crypto.envelope import DecryptionFailed, seal, unseal
from shared.ports.key_provider import KeyProvider, current_secret

_PREFIX = b"tk1."
_FRAME = re.compile(rb"tk1\.([A-Za-z0-9]{1,64})\.")


def _aad(message_id: str, version: str) -> bytes:
    return f"{message_id}\x1f{version}".encode()


def seal_message(keys: KeyProvider, plaintext: bytes, message_id: str) -> bytes:
    """Seal under the current transit version and name it in the frame."""
    transit = current_secret(keys, "transit")
    sealed = seal(transit.value, plaintext, _aad(message_id, transit.version))
    return _PREFIX + transit.version.encode() + b"." + sealed


def open_message(keys: KeyProvider, body: bytes, message_id: str) -> bytes:
    """The plaintext of a sealed message, under the version its frame names (KeyUnavailable
    when that version is gone, DecryptionFailed when the body does not authenticate)."""
    frame = _FRAME.match(body)
    if frame is not None:
        version = frame.group(1).decode()
        key = keys.secret_version("transit", version)
        return unseal(key, body[frame.end() :], _aad(message_id, version))
    for transit in keys.secret_versions("transit"):  # sealed before versions were named
        try:
            return unseal(transit.value, body, message_id.encode())
        except DecryptionFailed:
            continue
    raise DecryptionFailed("the message opens under no readable transit key version")
