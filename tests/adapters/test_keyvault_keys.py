"""KeyVaultKeyProvider: wrap/unwrap through the SDK's CryptographyClient on a local RSA key
(``from_jwk``, no network), the unwrapped-key cache bounds, and the secrets path through the
real SecretClient against an HTTPS stand-in of the Key Vault REST API (challenge auth, 429)."""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.keyvault.keys import JsonWebKey
from azure.keyvault.keys.crypto import CryptographyClient
from cryptography.hazmat.primitives.asymmetric import rsa

from infra.emulators.keyvault_standin import KeyVaultStandIn, keyvault_standin
from shared.adapters.keyvault_keys import KeyVaultKeyProvider
from shared.ports.key_provider import KeyUnavailable, SecretName, WrappedKey, current_secret
from tests.adapters.tls_cert import write_self_signed_cert
from tests.fakes import FakeClock

VAULT = "https://kv-privacy-eu.vault.azure.net"
KEY_V1 = f"{VAULT}/keys/kek/0123456789abcdef0123456789abcdef"
KEY_V2 = f"{VAULT}/keys/kek/fedcba9876543210fedcba9876543210"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SECRETS = {"blind-index": "kv-blind-index", "transit": "kv-transit"}


def _int_bytes(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def local_jwk(kid: str) -> JsonWebKey:
    """An RSA key in JWK form, private parts included, as a stand-in for the vault's key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pn = private.private_numbers()
    return JsonWebKey(
        kid=kid,
        kty="RSA",
        key_ops=["wrapKey", "unwrapKey"],
        n=_int_bytes(pn.public_numbers.n),
        e=_int_bytes(pn.public_numbers.e),
        d=_int_bytes(pn.d),
        p=_int_bytes(pn.p),
        q=_int_bytes(pn.q),
        dp=_int_bytes(pn.dmp1),
        dq=_int_bytes(pn.dmq1),
        qi=_int_bytes(pn.iqmp),
    )


class LocalVault:
    """Crypto clients from local keys; counts how often the provider reaches for a client."""

    def __init__(self) -> None:
        self.keys = {KEY_V1: local_jwk(KEY_V1)}
        self.current = KEY_V1
        self.calls: list[str] = []

    def factory(self, key_id: str) -> Any:
        self.calls.append(key_id)
        if key_id == f"{VAULT}/keys/kek":
            key_id = self.current
        return CountingClient(CryptographyClient.from_jwk(self.keys[key_id]))


class CountingClient:
    """Delegates to the SDK's local client; counts unwraps (the calls the cache saves)."""

    unwraps = 0

    def __init__(self, inner: CryptographyClient) -> None:
        self._inner = inner

    def wrap_key(self, algorithm: Any, key: bytes, **kwargs: Any) -> Any:
        return self._inner.wrap_key(algorithm, key, **kwargs)

    def unwrap_key(self, algorithm: Any, encrypted_key: bytes, **kwargs: Any) -> Any:
        CountingClient.unwraps += 1
        return self._inner.unwrap_key(algorithm, encrypted_key, **kwargs)

    def close(self) -> None:
        self._inner.close()


class NoSecrets:
    def get_secret(self, name: str) -> Any:
        raise AssertionError("the secrets path is not part of this test")


@pytest.fixture
def vault() -> LocalVault:
    CountingClient.unwraps = 0
    return LocalVault()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


_opened: list[KeyVaultKeyProvider] = []


@pytest.fixture(autouse=True)
def _close_providers() -> Iterator[None]:
    """Close every provider a test made (open HTTPS sessions warn, and warnings fail)."""
    yield
    while _opened:
        _opened.pop().close()


def provider(vault: LocalVault, clock: FakeClock, **kwargs: Any) -> KeyVaultKeyProvider:
    _opened.append(
        KeyVaultKeyProvider(
            VAULT,
            "kek",
            SECRETS,
            StaticToken(),
            crypto_client_factory=vault.factory,
            secret_client=NoSecrets(),
            clock=clock,
            **kwargs,  # type: ignore[arg-type]
        )
    )
    return _opened[-1]


class StaticToken:
    """A token credential with a fixed token: what the stand-in expects."""

    def __init__(self, token: str = "stand-in-token") -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


def test_wrap_unwrap_round_trip_records_versioned_key(vault: LocalVault, clock: FakeClock) -> None:
    keys = provider(vault, clock)
    data_key = os.urandom(32)
    wrapped = keys.wrap_key(data_key)
    assert wrapped.key_id == KEY_V1
    assert wrapped.algorithm == "RSA-OAEP-256"
    assert len(wrapped.wrapped) == 256 and data_key not in wrapped.wrapped
    fresh = provider(vault, clock)  # no cache: really unwraps
    assert fresh.unwrap_key(wrapped) == data_key
    assert CountingClient.unwraps == 1


def test_unwrap_with_the_wrong_key_is_key_unavailable(vault: LocalVault, clock: FakeClock) -> None:
    wrapped = provider(vault, clock).wrap_key(os.urandom(32))
    other = LocalVault()  # same key id, different key material
    with pytest.raises(KeyUnavailable) as failure:
        provider(other, clock).unwrap_key(wrapped)
    assert wrapped.wrapped.hex() not in str(failure.value)


@pytest.mark.parametrize(
    "wrapped",
    [
        WrappedKey("file:kek-v1", "A256KW", b"x" * 40),
        WrappedKey(KEY_V1, "RSA1_5", b"x" * 256),
        WrappedKey(f"{VAULT}/keys/kek", "RSA-OAEP-256", b"x" * 256),
        WrappedKey("https://evil.example/keys/kek/0123456789abcdef", "RSA-OAEP-256", b"x"),
    ],
)
def test_foreign_or_unversioned_wraps_are_refused(
    vault: LocalVault, clock: FakeClock, wrapped: WrappedKey
) -> None:
    with pytest.raises(KeyUnavailable):
        provider(vault, clock).unwrap_key(wrapped)
    assert vault.calls == []  # refused before any vault call


def test_rotation_new_wraps_use_the_new_version_old_ones_still_unwrap(
    vault: LocalVault, clock: FakeClock
) -> None:
    keys = provider(vault, clock, current_key_max_age=timedelta(minutes=10))
    old_key = os.urandom(32)
    old = keys.wrap_key(old_key)
    vault.keys[KEY_V2] = local_jwk(KEY_V2)
    vault.current = KEY_V2
    assert keys.wrap_key(os.urandom(32)).key_id == KEY_V1  # still within current_key_max_age
    clock.advance(timedelta(minutes=10))
    new_key = os.urandom(32)
    new = keys.wrap_key(new_key)
    assert new.key_id == KEY_V2
    fresh = provider(vault, clock)
    assert (fresh.unwrap_key(old), fresh.unwrap_key(new)) == (old_key, new_key)


def test_cache_is_bounded_by_size(vault: LocalVault, clock: FakeClock) -> None:
    wrapped = [provider(vault, clock).wrap_key(bytes([i]) * 32) for i in range(3)]
    keys = provider(vault, clock, cache_size=2)
    for w in wrapped:
        keys.unwrap_key(w)
    assert (keys.cached_data_keys(), CountingClient.unwraps) == (2, 3)
    keys.unwrap_key(wrapped[2])  # most recent: cached
    keys.unwrap_key(wrapped[1])
    assert CountingClient.unwraps == 3
    keys.unwrap_key(wrapped[0])  # evicted first (least recently used)
    assert (keys.cached_data_keys(), CountingClient.unwraps) == (2, 4)


def test_cache_is_bounded_by_age(vault: LocalVault, clock: FakeClock) -> None:
    keys = provider(vault, clock, cache_max_age=timedelta(minutes=5))
    wrapped = keys.wrap_key(os.urandom(32))  # wrapping seeds the cache
    keys.unwrap_key(wrapped)
    assert CountingClient.unwraps == 0
    clock.advance(timedelta(minutes=4, seconds=59))
    keys.unwrap_key(wrapped)
    assert CountingClient.unwraps == 0
    clock.advance(timedelta(seconds=1))
    keys.unwrap_key(wrapped)
    assert CountingClient.unwraps == 1


def test_unversioned_wrap_result_is_refused(clock: FakeClock) -> None:
    jwk = local_jwk(f"{VAULT}/keys/kek")  # what a client without keys/get reports
    keys = KeyVaultKeyProvider(
        VAULT,
        "kek",
        SECRETS,
        StaticToken(),
        clock=clock,
        secret_client=NoSecrets(),  # type: ignore[arg-type]
        crypto_client_factory=lambda key_id: CryptographyClient.from_jwk(jwk),
    )
    with pytest.raises(KeyUnavailable, match="keys/get"):
        keys.wrap_key(os.urandom(32))


# --- secrets through the real SecretClient against the HTTPS stand-in ---

BLIND = os.urandom(32)
TRANSIT = os.urandom(32)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_self_signed_cert(tmp_path_factory.mktemp("kv-tls"))


@pytest.fixture
def standin(tls: tuple[Path, Path]) -> Iterator[KeyVaultStandIn]:
    secrets = {
        "kv-blind-index": base64.b64encode(BLIND).decode(),
        "kv-transit": base64.b64encode(TRANSIT).decode(),
        "kv-short": base64.b64encode(b"too short").decode(),
        "kv-hex": TRANSIT.hex(),
    }
    with keyvault_standin(*tls, secrets=secrets) as server:
        yield server


def vault_provider(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock, **kwargs: Any
) -> KeyVaultKeyProvider:
    names = kwargs.pop("names", SECRETS)
    _opened.append(
        KeyVaultKeyProvider(
            standin.url,
            "kek",
            names,
            StaticToken(),
            clock=clock,
            crypto_client_factory=lambda key_id: pytest.fail("no crypto in this test"),
            # The stand-in is not under vault.azure.net, so the SDK's check that the challenge's
            # resource matches the vault's domain is off for it (and only for it).
            client_options={"connection_verify": str(tls[0]), "verify_challenge_resource": False},
            **kwargs,
        )
    )
    return _opened[-1]


def current(keys: KeyVaultKeyProvider, name: SecretName) -> bytes:
    return current_secret(keys, name).value


def test_secret_fetch_through_challenge_auth(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock
) -> None:
    keys = vault_provider(standin, tls, clock)
    [blind] = keys.secret_versions("blind-index")
    assert blind.value == BLIND and blind.version == standin.versions["kv-blind-index"][0].version
    assert current(keys, "transit") == TRANSIT
    first, second = standin.seen[:2]
    assert (first.authorized, first.status) == (False, 401)  # the SDK's challenge probe
    assert (second.authorized, second.status) == (True, 200)
    assert second.path == "/secrets/kv-blind-index/versions"  # list, then read by version
    assert current(keys, "blind-index") == BLIND  # cached: no new request
    assert [s.path for s in standin.seen if s.status == 200] == [
        "/secrets/kv-blind-index/versions",
        f"/secrets/kv-blind-index/{blind.version}",
        "/secrets/kv-transit/versions",
        f"/secrets/kv-transit/{standin.versions['kv-transit'][0].version}",
    ]
    assert BLIND.hex() not in repr(blind)  # a version's repr never shows its value


def test_a_new_version_becomes_current_and_older_ones_stay_readable(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock
) -> None:
    keys = vault_provider(standin, tls, clock)
    first = current_secret(keys, "blind-index")
    fresh = [os.urandom(32) for _ in range(3)]
    added = [standin.add_version("kv-blind-index", base64.b64encode(v).decode()) for v in fresh]
    assert current_secret(keys, "blind-index") == first  # cached for secret_max_age
    clock.advance(timedelta(hours=1))
    versions = keys.secret_versions("blind-index")
    # newest first, bounded (current + 2 older), listed over several pages
    assert [v.version for v in versions] == added[::-1]
    assert [v.value for v in versions] == fresh[::-1]
    assert len([s for s in standin.seen if s.path.endswith("/versions")]) >= 3
    assert keys.secret_version("blind-index", first.version) == BLIND  # beyond the window
    standin.disable("kv-blind-index", added[-1])
    clock.advance(timedelta(hours=1))
    assert [v.version for v in keys.secret_versions("blind-index")] == [
        added[1],
        added[0],
        first.version,
    ]  # the newest ENABLED version is current


def test_a_disabled_or_unknown_version_is_key_unavailable(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock
) -> None:
    newer = standin.add_version("kv-transit", base64.b64encode(os.urandom(32)).decode())
    standin.disable("kv-transit", newer)
    keys = vault_provider(standin, tls, clock)
    with pytest.raises(KeyUnavailable, match="403"):
        keys.secret_version("transit", newer)
    with pytest.raises(KeyUnavailable, match="404"):
        keys.secret_version("transit", "0" * 32)
    with pytest.raises(KeyUnavailable):
        keys.secret_version("transit", "../kv-blind-index")
    assert current(keys, "transit") == TRANSIT


def test_a_malformed_older_version_is_skipped_a_malformed_current_one_refused(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock
) -> None:
    standin.add_version("kv-transit", TRANSIT.hex())  # not base64: unusable
    keys = vault_provider(standin, tls, clock)
    with pytest.raises(KeyUnavailable, match="32 bytes"):
        keys.secret_versions("transit")
    good = os.urandom(32)
    standin.add_version("kv-transit", base64.b64encode(good).decode())
    assert [v.value for v in keys.secret_versions("transit")] == [good, TRANSIT]


def test_throttled_once_is_retried(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock
) -> None:
    keys = vault_provider(standin, tls, clock)
    assert current(keys, "blind-index") == BLIND
    clock.advance(timedelta(hours=2))  # past secret_max_age: refetch
    standin.fail_next(429, retry_after="0.01")
    assert current(keys, "blind-index") == BLIND
    assert [s.status for s in standin.seen if s.authorized][-2:] == [429, 200]


def test_throttling_retries_are_bounded(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock
) -> None:
    keys = vault_provider(standin, tls, clock)
    standin.fail_next(429, times=50, retry_after="0.01")
    with pytest.raises(KeyUnavailable, match="429"):
        current(keys, "transit")
    assert len([s for s in standin.seen if s.status == 429]) == 5  # 1 try + 4 retries


def test_stale_secret_is_served_while_the_vault_fails(
    standin: KeyVaultStandIn,
    tls: tuple[Path, Path],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    keys = vault_provider(standin, tls, clock)
    assert current(keys, "transit") == TRANSIT
    clock.advance(timedelta(hours=2))
    standin.fail_next(503, times=50, retry_after="0.01")
    with caplog.at_level(logging.WARNING):
        assert current(keys, "transit") == TRANSIT
    [warning] = [r for r in caplog.records if r.name == "shared.adapters.keyvault_keys"]
    assert warning.__dict__["secret"] == "kv-transit"  # its name is logged, its value is not
    assert base64.b64encode(TRANSIT).decode() not in repr(warning.__dict__)
    clock.advance(timedelta(hours=23))
    with pytest.raises(KeyUnavailable):
        current(keys, "transit")


@pytest.mark.parametrize("vault_name", ["kv-short", "kv-hex", "kv-missing"])
def test_bad_or_missing_secret_is_key_unavailable_without_its_value(
    standin: KeyVaultStandIn, tls: tuple[Path, Path], clock: FakeClock, vault_name: str
) -> None:
    keys = vault_provider(standin, tls, clock, names={"transit": vault_name})
    with pytest.raises(KeyUnavailable) as failure:
        current(keys, "transit")
    assert TRANSIT.hex() not in str(failure.value) and "too short" not in str(failure.value)
    with pytest.raises(KeyUnavailable, match="no Key Vault secret"):
        current(keys, "blind-index")
