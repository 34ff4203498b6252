"""Key material as a port, shaped after Key Vault: wrap/unwrap with a key that never leaves it.

The region's key-encryption key (KEK) wraps each subject's data key; secrets (the blind-index
HMAC key, the ingest transit key) are fetched by name. Adapters: local key files (embedded) and
Key Vault keys/secrets (Azure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

SecretName = Literal["blind-index", "transit"]


@dataclass(frozen=True)
class WrappedKey:
    key_id: str
    """Which KEK (and version) wrapped it, so rotation can find stale wraps."""
    algorithm: str
    wrapped: bytes


class KeyUnavailable(Exception):
    """The KEK or secret cannot be reached or does not unwrap this key."""


class KeyProvider(Protocol):
    def wrap_key(self, data_key: bytes) -> WrappedKey: ...

    def unwrap_key(self, wrapped: WrappedKey) -> bytes: ...

    def secret(self, name: SecretName) -> bytes:
        """A 32-byte secret of the region (cached by callers, never logged)."""
        ...
