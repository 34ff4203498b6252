"""Embedded KeyProvider: key files generated on first run inside the data directory.

Files are created 0600 in a 0700 directory, atomically (write a temp file, hard-link it into
place), so two processes starting at once agree on one key. They are never committed.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from shared.adapters.secret_files import create_secret_file, private_dir
from shared.ports.key_provider import KeyUnavailable, SecretName, WrappedKey

ALGORITHM = "A256KW"
_KEK = re.compile(r"^kek-v(\d+)$")


class FileKeyProvider:
    def __init__(self, directory: Path) -> None:
        self._dir = directory
        private_dir(self._dir)
        self._cache: dict[str, bytes] = {}

    def _key(self, name: str) -> bytes:
        if name not in self._cache:
            self._cache[name] = self._load_or_create(self._dir / f"{name}.key")
        return self._cache[name]

    @staticmethod
    def _load_or_create(path: Path) -> bytes:
        if not path.exists():
            create_secret_file(path, secrets.token_bytes(32))
        data = path.read_bytes()
        if len(data) != 32:
            raise KeyUnavailable(f"key file {path.name} is damaged")
        return data

    def _versions(self) -> list[int]:
        return sorted(
            int(m.group(1)) for p in self._dir.glob("kek-v*.key") if (m := _KEK.match(p.stem))
        )

    def current_kek(self) -> str:
        """The newest KEK version (created as v1 on first use), like a Key Vault key's."""
        versions = self._versions()
        return f"kek-v{versions[-1] if versions else 1}"

    def rotate(self) -> str:
        """A new KEK version; old versions stay for unwrapping until every key is re-wrapped."""
        versions = self._versions() or [1]
        name = f"kek-v{versions[-1] + 1}"
        self._key(name)
        return name

    def wrap_key(self, data_key: bytes) -> WrappedKey:
        name = self.current_kek()
        wrapped = aes_key_wrap(self._key(name), data_key)
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
            return aes_key_unwrap(self._key(name), wrapped.wrapped)
        except InvalidUnwrap as exc:
            raise KeyUnavailable("data key does not unwrap with this region's key") from exc

    def secret(self, name: SecretName) -> bytes:
        return self._key(name)
