"""Key material as a port, shaped after Key Vault: wrap/unwrap with a key that never leaves it.

The region's key-encryption key (KEK) wraps each subject's data key; secrets (the blind-index
HMAC key, the ingest transit key) are fetched by name and come in *versions*, like Key Vault
secrets: the newest enabled version is current, older ones stay readable. Everything made with
a secret (a digest, a derived subject id, a visitor-secret hash, a sealed queue message) names
the version it used, and look-ups try the current version and then a bounded number of older
ones, so a new version (a deliberate rotation or an accidental redeploy) never orphans data.
Adapters: local key files (embedded) and Key Vault keys/secrets (Azure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

SecretName = Literal["blind-index", "transit"]
DEFAULT_VERSIONS_TRIED = 3
"""Current version plus two older ones: how far back look-ups go unless configured."""


@dataclass(frozen=True)
class WrappedKey:
    key_id: str
    """Which KEK (and version) wrapped it, so rotation can find stale wraps."""
    algorithm: str
    wrapped: bytes


@dataclass(frozen=True)
class SecretVersion:
    """One version of a secret. ``version`` is safe to store and log; ``value`` never is."""

    version: str
    value: bytes = field(repr=False)


class KeyUnavailable(Exception):
    """The KEK or secret cannot be reached or does not unwrap this key."""


class KeyProvider(Protocol):
    def wrap_key(self, data_key: bytes) -> WrappedKey: ...

    def unwrap_key(self, wrapped: WrappedKey) -> bytes: ...

    def secret_versions(self, name: SecretName) -> Sequence[SecretVersion]:
        """The enabled versions of a 32-byte secret, current (newest) first, at most as many as
        the provider is configured to try; never empty (KeyUnavailable instead)."""
        ...

    def secret_version(self, name: SecretName, version: str) -> bytes:
        """One named version (to open what names it), even beyond the look-up window;
        KeyUnavailable when that version is unknown or disabled."""
        ...


def current_secret(keys: KeyProvider, name: SecretName) -> SecretVersion:
    """The version new digests, hashes and sealed messages are made with."""
    return keys.secret_versions(name)[0]
