"""Blob storage for exports (DSAR and offboarding), shaped after Azure Blob Storage.

Containers are private; names may contain ``/`` as a virtual folder separator. The region's
store only: an export never leaves its region.
"""

from __future__ import annotations

from datetime import timedelta
from typing import BinaryIO, Protocol, runtime_checkable


class BlobNotFound(Exception):
    pass


class BlobStore(Protocol):
    def put(self, container: str, name: str, data: bytes | BinaryIO) -> None:
        """Create or replace; a binary file object (positioned at its start) is read in chunks,
        so a large export never has to sit in memory."""
        ...

    def get(self, container: str, name: str) -> bytes:
        """Raises BlobNotFound."""
        ...

    def delete(self, container: str, name: str) -> bool:
        """True if a blob was deleted."""
        ...

    def list(self, container: str, prefix: str = "") -> list[str]: ...


@runtime_checkable
class LinkableBlobStore(BlobStore, Protocol):
    """A store that can hand out short-lived, read-only links (Azure: user-delegation SAS), so
    a large package goes from storage to the admin's browser without passing through the app."""

    def share_link(self, container: str, name: str, expires_in: timedelta) -> str:
        """Raises BlobNotFound when the blob is absent."""
        ...
