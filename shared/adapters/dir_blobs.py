"""Embedded BlobStore: one directory per container under the region's data dir (files 0600 in
0700 directories: exports are personal data)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import BinaryIO

from shared.adapters.secret_files import PRIVATE_FILE, private_dir
from shared.ports.blob_store import BlobNotFound

CHUNK = 1 << 20
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


class DirectoryBlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    def _path(self, container: str, name: str) -> Path:
        parts = [container, *name.split("/")]
        if not all(_SEGMENT.match(p) and p not in (".", "..") for p in parts):
            raise ValueError("invalid container or blob name")
        return self._root.joinpath(*parts)

    def put(self, container: str, name: str, data: bytes | BinaryIO) -> None:
        path = self._path(container, name)
        private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                shutil.copyfileobj(data, handle, CHUNK)
        os.replace(tmp, path)

    def get(self, container: str, name: str) -> bytes:
        try:
            return self._path(container, name).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(name) from None

    def delete(self, container: str, name: str) -> bool:
        path = self._path(container, name)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        for parent in path.parents:  # no empty folders named after requests left behind
            if parent == self._root / container or any(parent.iterdir()):
                break
            parent.rmdir()
        return True

    def list(self, container: str, prefix: str = "") -> list[str]:
        base = self._root / container
        if not base.exists():
            return []
        names = [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()]
        return sorted(
            n for n in names if n.startswith(prefix) and not n.split("/")[-1].startswith(".")
        )
