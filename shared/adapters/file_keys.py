"""Embedded KeyProvider: key files generated on first run inside the data directory.

Files are created 0600 in a 0700 directory, atomically (write a temp file, hard-link it into
place), so two processes starting at once agree on one key. They are never committed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from shared.adapters.secret_files import create_secret_file
from shared.ports.key_provider import KeyUnavailable, SecretName, WrappedKey

KEK_NAME = "kek-v1"
ALGORITHM = "A256KW"


class FileKeyProvider:
    def __init__(self, directory: Path) -> None:
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self._dir, 0o700)
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

    def wrap_key(self, data_key: bytes) -> WrappedKey:
        wrapped = aes_key_wrap(self._key(KEK_NAME), data_key)
        return WrappedKey(key_id=f"file:{KEK_NAME}", algorithm=ALGORITHM, wrapped=wrapped)

    def unwrap_key(self, wrapped: WrappedKey) -> bytes:
        name = wrapped.key_id.removeprefix("file:")
        if wrapped.algorithm != ALGORITHM or name != KEK_NAME:
            raise KeyUnavailable("data key was wrapped by an unknown key")
        try:
            return aes_key_unwrap(self._key(name), wrapped.wrapped)
        except InvalidUnwrap as exc:
            raise KeyUnavailable("data key does not unwrap with this region's key") from exc

    def secret(self, name: SecretName) -> bytes:
        return self._key(name)
