"""Embedded KeyProvider: key files generated on first run inside the data directory.

Files are created 0600 in a 0700 directory, atomically (write a temp file, hard-link it into
place), so two processes starting at once agree on one key. They are never committed.

Versions, like Key Vault's: the KEK is ``kek-v<N>.key``; a secret's first version is
``<name>.key`` (the file earlier releases wrote, so an existing data directory keeps working)
and later ones ``<name>-v<N>.key``; the highest N is current. Versions are listed when the
provider starts (a new file is picked up at the next start, as a redeploy would) or added with
``add_secret_version``.

First versions are generated only on an empty data directory: when a key file is missing but the
region already holds data made with it (items for the KEK and the blind-index key, queued
messages for the transit key), the provider refuses to start and names the missing file, because
a fresh key would silently make that data unreadable or unfindable.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from shared.adapters.secret_files import create_secret_file, private_dir
from shared.ports.key_provider import (
    DEFAULT_VERSIONS_TRIED,
    KeyUnavailable,
    SecretName,
    SecretVersion,
    WrappedKey,
)

ALGORITHM = "A256KW"
_KEK = re.compile(r"^kek-v(\d+)$")
SECRETS: tuple[SecretName, ...] = ("blind-index", "transit")
DataKind = Literal["store", "queue"]
DataExists = Callable[[DataKind], bool]
_MADE_WITH: dict[str, DataKind] = {"kek": "store", "blind-index": "store", "transit": "queue"}


class MissingKeyFile(KeyUnavailable):
    """A key file is gone while data made with it exists: refuse, never regenerate."""


class FileKeyProvider:
    def __init__(
        self,
        directory: Path,
        versions_tried: int = DEFAULT_VERSIONS_TRIED,
        data_exists: DataExists | None = None,
    ) -> None:
        self._dir = directory
        private_dir(self._dir)
        self._cache: dict[str, bytes] = {}
        self._tried = max(1, versions_tried)
        self._data_exists = data_exists or (lambda kind: False)
        if not self._kek_versions():
            self._create_first("kek", self._dir / "kek-v1.key")
        self._secret_files: dict[SecretName, dict[int, Path]] = {}
        for name in SECRETS:
            files = self._list_secret(name)
            if not files:
                self._create_first(name, self._dir / f"{name}.key")
                files = self._list_secret(name)
            self._secret_files[name] = files

    def _create_first(self, name: str, path: Path) -> None:
        if self._data_exists(_MADE_WITH[name]):
            raise MissingKeyFile(
                f"key file {path} is missing but this data directory holds data made with it;"
                " restore the file from a backup (a new key would leave that data unreadable"
                " or unfindable), so no new key is generated"
            )
        create_secret_file(path, secrets.token_bytes(32))

    def _list_secret(self, name: SecretName) -> dict[int, Path]:
        pattern = re.compile(rf"^{re.escape(name)}(?:-v(\d+))?$")
        found: dict[int, Path] = {}
        for path in self._dir.glob(f"{name}*.key"):
            match = pattern.match(path.stem)
            if match:
                version = int(match.group(1) or 1)
                if version in found:
                    raise KeyUnavailable(f"key files {found[version]} and {path} clash")
                found[version] = path
        return found

    def _load(self, path: Path) -> bytes:
        if path.name not in self._cache:
            if not path.exists():
                raise MissingKeyFile(f"key file {path} is missing")
            data = path.read_bytes()
            if len(data) != 32:
                raise KeyUnavailable(f"key file {path} is damaged")
            self._cache[path.name] = data
        return self._cache[path.name]

    # -- secrets ---------------------------------------------------------------------------

    def secret_versions(self, name: SecretName) -> Sequence[SecretVersion]:
        files = self._secret_files[name]
        newest = sorted(files, reverse=True)[: self._tried]
        return [SecretVersion(str(v), self._load(files[v])) for v in newest]

    def secret_version(self, name: SecretName, version: str) -> bytes:
        files = self._secret_files[name]
        if not version.isdigit() or int(version) not in files:
            raise KeyUnavailable(f"secret '{name}' has no version {version}")
        return self._load(files[int(version)])

    def add_secret_version(self, name: SecretName) -> str:
        """A new current version of a secret (older ones stay for look-ups); returns it."""
        version = max(self._secret_files[name]) + 1
        create_secret_file(self._dir / f"{name}-v{version}.key", secrets.token_bytes(32))
        self._secret_files[name] = self._list_secret(name)
        return str(version)

    # -- the KEK ---------------------------------------------------------------------------

    def _kek_versions(self) -> list[int]:
        return sorted(
            int(m.group(1)) for p in self._dir.glob("kek-v*.key") if (m := _KEK.match(p.stem))
        )

    def kek_versions(self) -> list[str]:
        """Every KEK version on disk (readable, so in use by some wrapped key or not)."""
        return [f"kek-v{v}" for v in self._kek_versions()]

    def current_kek(self) -> str:
        """The newest KEK version, like a Key Vault key's."""
        return f"kek-v{self._kek_versions()[-1]}"

    def rotate(self) -> str:
        """A new KEK version; old versions stay for unwrapping until every key is re-wrapped."""
        name = f"kek-v{self._kek_versions()[-1] + 1}"
        create_secret_file(self._dir / f"{name}.key", secrets.token_bytes(32))
        return name

    def wrap_key(self, data_key: bytes) -> WrappedKey:
        name = self.current_kek()
        wrapped = aes_key_wrap(self._load(self._dir / f"{name}.key"), data_key)
        return WrappedKey(key_id=f"file:{name}", algorithm=ALGORITHM, wrapped=wrapped)

    def unwrap_key(self, wrapped: WrappedKey) -> bytes:
        name = wrapped.key_id.removeprefix("file:")
        if (
            wrapped.algorithm != ALGORITHM
            or not _KEK.match(name)
            or not (self._dir / f"{name}.key").exists()
        ):
            raise KeyUnavailable("data key was wrapped by an unknown key")
        try:
            return aes_key_unwrap(self._load(self._dir / f"{name}.key"), wrapped.wrapped)
        except InvalidUnwrap as exc:
            raise KeyUnavailable("data key does not unwrap with this region's key") from exc
