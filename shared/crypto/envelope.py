"""Field-level envelope encryption: AES-256-GCM under one data key per (tenant, subject).

The associated data names tenant, subject, item and field, so a ciphertext copied into another
record, field or tenant fails authentication instead of decrypting there.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT = "v1"
_NONCE_BYTES = 12


class DecryptionFailed(Exception):
    """A ciphertext did not authenticate (tampered, moved, or wrong key). Holds no content."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def associated_data(tenant_id: str, subject_id: str, item_id: str, field: str) -> bytes:
    return "\x1f".join((tenant_id, subject_id, item_id, field)).encode()


class FieldCipher:
    """Encrypts the fields of one subject's items; cheap to reuse, holds the AESGCM context."""

    __slots__ = ("_aead", "subject_id", "tenant_id")

    def __init__(self, data_key: bytes, tenant_id: str, subject_id: str) -> None:
        self._aead = AESGCM(data_key)
        self.tenant_id = tenant_id
        self.subject_id = subject_id

    def encrypt(self, item_id: str, field: str, value: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        aad = associated_data(self.tenant_id, self.subject_id, item_id, field)
        sealed = self._aead.encrypt(nonce, value.encode(), aad)
        return f"{FORMAT}.{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, item_id: str, field: str, token: str) -> str:
        prefix, _, payload = token.partition(".")
        if prefix != FORMAT:
            raise DecryptionFailed("unknown ciphertext format")
        try:
            raw = base64.b64decode(payload, validate=True)
            aad = associated_data(self.tenant_id, self.subject_id, item_id, field)
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad)
        except (InvalidTag, ValueError) as exc:
            raise DecryptionFailed("ciphertext did not authenticate") from exc
        return plain.decode()

    def seal_bytes(self, item_id: str, field: str, data: bytes | memoryview) -> bytes:
        """Binary AES-GCM under the subject's key (nonce prepended), bound like a field: a
        chunk of audio is bound to its recording and its place (``field`` names both)."""
        nonce = os.urandom(_NONCE_BYTES)
        aad = associated_data(self.tenant_id, self.subject_id, item_id, field)
        return nonce + self._aead.encrypt(nonce, bytes(data), aad)

    def open_bytes(self, item_id: str, field: str, sealed: bytes) -> bytes:
        aad = associated_data(self.tenant_id, self.subject_id, item_id, field)
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad)
        except (InvalidTag, ValueError) as exc:
            raise DecryptionFailed("ciphertext did not authenticate") from exc

    def encrypt_fields(self, item_id: str, fields: dict[str, str | None]) -> dict[str, str]:
        return {k: self.encrypt(item_id, k, v) for k, v in fields.items() if v is not None}

    def decrypt_fields(self, item_id: str, sealed: dict[str, str]) -> dict[str, str]:
        return {k: self.decrypt(item_id, k, v) for k, v in sealed.items()}


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Whole-payload AES-GCM (queue transit), nonce prepended."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed("payload did not authenticate") from exc
