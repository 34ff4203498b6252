"""KeyProvider on Azure Key Vault: the region's KEK is a vault key, secrets are vault secrets.

Why this shape:
- Data keys are wrapped with RSA-OAEP-256 by ``CryptographyClient``. Unwrapping runs in the
  vault (the private key never leaves it); wrapping may run locally with the public key when
  the identity can read it. ``WrappedKey.key_id`` is always the *versioned* key id, so a
  rotation sweep can find wraps made by older versions; the current version is re-read every
  ``current_key_max_age``, so a rotated key is picked up without a restart.
- Unwrapped data keys are cached in memory, bounded by entry count and age: Key Vault crypto
  calls are slow and rate-limited, and a bound keeps plaintext keys from living forever.
- Throttling (429) and transient 5xx are retried by the SDK's retry policy, configured here
  with a small bound (``RETRY_OPTIONS``: 4 retries, exponential back-off from 0.5 s capped at
  8 s, honouring ``Retry-After``); what still fails becomes ``KeyUnavailable``.
- Secrets (``blind-index``, ``transit``) hold **32 random bytes, standard base64 with padding**
  (``openssl rand -base64 32``); anything else is refused. A secret has versions: the newest
  *enabled* version (by creation time) is current, and the ``versions_tried`` newest enabled
  ones are what look-ups try (the provider lists versions, it never writes one). The list is
  cached for ``secret_max_age`` and, if a refresh fails, the last list is served for up to
  ``secret_max_stale`` so a short vault outage does not stop ingest; a version's value never
  changes in Key Vault, so values are cached by version. A named version (a queued message
  sealed under it) is read even when it is older than the look-up window.
Roles for the app identity: *Key Vault Crypto Service Encryption User* on the key (get, wrap,
unwrap) and *Key Vault Secrets User* on the two secrets (get, and list versions through its
metadata read). No key material, secret value or wrapped key is ever put in a log line or an
exception message.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, HttpResponseError
from azure.keyvault.keys.crypto import CryptographyClient, KeyWrapAlgorithm
from azure.keyvault.secrets import SecretClient

from shared.ports.clock import Clock, SystemClock
from shared.ports.key_provider import (
    DEFAULT_VERSIONS_TRIED,
    KeyUnavailable,
    SecretName,
    SecretVersion,
    WrappedKey,
)

logger = logging.getLogger(__name__)

ALGORITHM = KeyWrapAlgorithm.rsa_oaep_256
RETRY_OPTIONS: dict[str, Any] = {
    "retry_total": 4,  # every kind of retry together
    "retry_status": 4,  # 429/5xx answers (azure-core's own default is 3)
    "retry_backoff_factor": 0.5,  # 0.5, 1, 2, 4 s unless the vault sends Retry-After
    "retry_backoff_max": 8,
}
CryptoFactory = Callable[[str], CryptographyClient]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _reason(exc: BaseException) -> str:
    """What may be said about a failure: its type and HTTP status, never its payload."""
    status = exc.status_code if isinstance(exc, HttpResponseError) else None
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")


class _AgedCache:
    """LRU bounded by size, entries dropped once older than ``max_age``."""

    def __init__(self, max_entries: int, max_age: timedelta) -> None:
        self._entries: OrderedDict[tuple[str, bytes], tuple[datetime, bytes]] = OrderedDict()
        self._max_entries, self._max_age = max_entries, max_age
        self._lock = threading.Lock()

    def get(self, key: tuple[str, bytes], now: datetime) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if now - entry[0] >= self._max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[str, bytes], value: bytes, now: datetime) -> None:
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class KeyVaultKeyProvider:
    def __init__(
        self,
        vault_url: str,
        key_name: str,
        secret_names: Mapping[SecretName, str],
        credential: TokenCredential,
        *,
        crypto_client_factory: CryptoFactory | None = None,
        secret_client: SecretClient | None = None,
        clock: Clock | None = None,
        cache_size: int = 10_000,
        cache_max_age: timedelta = timedelta(minutes=30),
        current_key_max_age: timedelta = timedelta(hours=1),
        secret_max_age: timedelta = timedelta(hours=1),
        secret_max_stale: timedelta = timedelta(hours=24),
        versions_tried: int = DEFAULT_VERSIONS_TRIED,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``client_options`` go to the SDK clients this provider builds itself (on top of
        ``RETRY_OPTIONS``), e.g. ``connection_verify`` for a local stand-in."""
        self._vault = vault_url.rstrip("/")
        self._key_url = f"{self._vault}/keys/{key_name}"
        self._secret_names = dict(secret_names)
        options = {**RETRY_OPTIONS, **(client_options or {})}
        self._factory: CryptoFactory = crypto_client_factory or (
            lambda key_id: CryptographyClient(key_id, credential, **options)
        )
        self._owns_secret_client = secret_client is None
        self._secrets = secret_client or SecretClient(self._vault, credential, **options)
        self._clock = clock or SystemClock()
        self._cache = _AgedCache(cache_size, cache_max_age)
        self._current_max_age = current_key_max_age
        self._secret_max_age, self._secret_max_stale = secret_max_age, secret_max_stale
        self._wrapper: tuple[CryptographyClient, datetime] | None = None
        self._retired: CryptographyClient | None = None
        self._unwrappers: dict[str, CryptographyClient] = {}
        self._tried = max(1, versions_tried)
        self._secret_cache: dict[SecretName, tuple[list[SecretVersion], datetime]] = {}
        self._values: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def _wrap_client(self, now: datetime) -> CryptographyClient:
        """A client on the key's current version, renewed every ``current_key_max_age``; the
        one it replaces is closed at the next renewal, once no caller can still hold it."""
        retired = None
        with self._lock:
            if self._wrapper is None or now - self._wrapper[1] >= self._current_max_age:
                retired, self._retired = self._retired, self._wrapper and self._wrapper[0]
                self._wrapper = (self._factory(self._key_url), now)
            client = self._wrapper[0]
        if retired is not None:
            retired.close()
        return client

    def _unwrap_client(self, key_id: str) -> CryptographyClient:
        with self._lock:
            if key_id not in self._unwrappers:
                self._unwrappers[key_id] = self._factory(key_id)
            return self._unwrappers[key_id]

    def _is_versioned_key_id(self, key_id: str | None) -> bool:
        version = (key_id or "").removeprefix(self._key_url + "/")
        return bool(key_id) and version != key_id and version.isalnum()

    def wrap_key(self, data_key: bytes) -> WrappedKey:
        now = self._clock.now()
        try:
            result = self._wrap_client(now).wrap_key(ALGORITHM, data_key)
        except (AzureError, ValueError, NotImplementedError) as exc:
            raise KeyUnavailable(f"Key Vault wrap failed: {_reason(exc)}") from None
        if not self._is_versioned_key_id(result.key_id):
            raise KeyUnavailable(
                "Key Vault did not name the key version that wrapped the data key"
                " (the identity needs keys/get on the key)"
            )
        wrapped = WrappedKey(
            key_id=str(result.key_id), algorithm=ALGORITHM.value, wrapped=result.encrypted_key
        )
        self._cache.put((wrapped.key_id, wrapped.wrapped), data_key, now)
        return wrapped

    def unwrap_key(self, wrapped: WrappedKey) -> bytes:
        if wrapped.algorithm != ALGORITHM.value or not self._is_versioned_key_id(wrapped.key_id):
            raise KeyUnavailable("data key was wrapped by an unknown key or algorithm")
        now = self._clock.now()
        cached = self._cache.get((wrapped.key_id, wrapped.wrapped), now)
        if cached is not None:
            return cached
        try:
            result = self._unwrap_client(wrapped.key_id).unwrap_key(ALGORITHM, wrapped.wrapped)
        except (AzureError, ValueError, NotImplementedError) as exc:
            raise KeyUnavailable(f"Key Vault unwrap failed: {_reason(exc)}") from None
        self._cache.put((wrapped.key_id, wrapped.wrapped), result.key, now)
        return result.key

    def _vault_name(self, name: SecretName) -> str:
        vault_name = self._secret_names.get(name)
        if vault_name is None:
            raise KeyUnavailable(f"no Key Vault secret is configured for '{name}'")
        return vault_name

    def secret_versions(self, name: SecretName) -> Sequence[SecretVersion]:
        vault_name = self._vault_name(name)
        now = self._clock.now()
        cached = self._secret_cache.get(name)
        if cached is not None and now - cached[1] < self._secret_max_age:
            return cached[0]
        try:
            versions = self._list_versions(vault_name)
        except AzureError as exc:
            if cached is not None and now - cached[1] < self._secret_max_stale:
                logger.warning(
                    "secret refresh failed; serving the cached versions",
                    extra={"secret": vault_name, "error": _reason(exc)},
                )
                return cached[0]
            raise KeyUnavailable(f"secret '{vault_name}': {_reason(exc)}") from None
        self._secret_cache[name] = (versions, now)
        return versions

    def _list_versions(self, vault_name: str) -> list[SecretVersion]:
        """The newest enabled versions with their values; a malformed older version is left
        out (logged by version), a malformed current one is an error."""
        enabled = [
            p
            for p in self._secrets.list_properties_of_secret_versions(vault_name)
            if p.enabled and p.version
        ]
        enabled.sort(key=lambda p: (p.created_on or _EPOCH, p.version or ""), reverse=True)
        if not enabled:
            raise KeyUnavailable(f"secret '{vault_name}' has no enabled version")
        versions: list[SecretVersion] = []
        for position, props in enumerate(enabled[: self._tried]):
            version = str(props.version)
            try:
                versions.append(SecretVersion(version, self._value(vault_name, version)))
            except KeyUnavailable:
                if position == 0:
                    raise
                logger.warning(
                    "older secret version is unusable; look-ups skip it",
                    extra={"secret": vault_name, "version": version},
                )
        return versions

    def _value(self, vault_name: str, version: str) -> bytes:
        cached = self._values.get((vault_name, version))
        if cached is None:
            value = self._secrets.get_secret(vault_name, version).value
            cached = self._decode(vault_name, value)
            with self._lock:
                self._values[(vault_name, version)] = cached
        return cached

    def secret_version(self, name: SecretName, version: str) -> bytes:
        vault_name = self._vault_name(name)
        if not version.isalnum():
            raise KeyUnavailable(f"secret '{vault_name}' has no such version")
        try:
            return self._value(vault_name, version)
        except AzureError as exc:
            reason = _reason(exc)
            raise KeyUnavailable(f"secret '{vault_name}' version {version}: {reason}") from None

    @staticmethod
    def _decode(vault_name: str, value: str | None) -> bytes:
        try:
            decoded = base64.b64decode(value or "", validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if len(decoded) != 32:
            raise KeyUnavailable(f"secret '{vault_name}' must be 32 bytes, standard base64")
        return decoded

    def close(self) -> None:
        """Close the HTTP sessions of the clients this provider made or was handed by a factory."""
        with self._lock:
            clients = list(self._unwrappers.values())
            clients += [c for c in (self._retired, self._wrapper and self._wrapper[0]) if c]
            self._unwrappers.clear()
            self._wrapper = self._retired = None
        for client in clients:
            client.close()
        if self._owns_secret_client:
            self._secrets.close()

    def cached_data_keys(self) -> int:
        """How many unwrapped data keys are held in memory (for metrics and tests)."""
        return len(self._cache)
