"""Blob storage for exports (DSAR and offboarding), shaped after Azure Blob Storage.

Containers are private; names may contain ``/`` as a virtual folder separator. The region's
store only: an export never leaves its region.
"""

from __future__ import annotations

from typing import Protocol


class BlobNotFound(Exception):
    pass


class BlobStore(Protocol):
    def put(self, container: str, name: str, data: bytes) -> None: ...

    def get(self, container: str, name: str) -> bytes:
        """Raises BlobNotFound."""
        ...

    def delete(self, container: str, name: str) -> bool:
        """True if a blob was deleted."""
        ...

    def list(self, container: str, prefix: str = "") -> list[str]: ...
