"""Export links: only from a store that can make them and a deployment that allows them; a
package already deleted is a 410; the audit keeps the lifetime, never the link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import pytest

from shared.adapters.dir_blobs import DirectoryBlobStore
from shared.errors import Gone
from shared.policies.export_links import LINK_LIFETIME, can_link, link_details, link_to
from shared.ports.blob_store import BlobNotFound


class LinkingStore:
    """A ``LinkableBlobStore`` fake: blobs in a dict, links naming their lifetime."""

    def __init__(self) -> None:
        self.blobs: dict[tuple[str, str], bytes] = {}

    def put(self, container: str, name: str, data: bytes | BinaryIO) -> None:
        self.blobs[(container, name)] = data if isinstance(data, bytes) else data.read()

    def get(self, container: str, name: str) -> bytes:
        try:
            return self.blobs[(container, name)]
        except KeyError:
            raise BlobNotFound(name) from None

    def delete(self, container: str, name: str) -> bool:
        return self.blobs.pop((container, name), None) is not None

    def list(self, container: str, prefix: str = "") -> list[str]:
        return sorted(n for c, n in self.blobs if c == container and n.startswith(prefix))

    def share_link(self, container: str, name: str, expires_in: timedelta) -> str:
        self.get(container, name)
        return f"https://blobs.example/{container}/{name}?se={int(expires_in.total_seconds())}"


def test_links_need_a_store_that_makes_them_and_a_deployment_that_allows_them(
    tmp_path: Path,
) -> None:
    assert can_link(LinkingStore(), enabled=True)
    assert not can_link(LinkingStore(), enabled=False)  # storage reachable only privately
    assert not can_link(DirectoryBlobStore(tmp_path), enabled=True)  # the app serves it itself


def test_a_link_is_short_lived_and_a_deleted_package_is_gone() -> None:
    store = LinkingStore()
    store.put("exports", "dsar/r-1/export.zip", b"zip")
    assert link_to(store, "exports", "dsar/r-1/export.zip").endswith("?se=900")
    assert timedelta(minutes=15) == LINK_LIFETIME
    assert link_details() == {"expiresInSeconds": 900}
    store.delete("exports", "dsar/r-1/export.zip")
    with pytest.raises(Gone):
        link_to(store, "exports", "dsar/r-1/export.zip")
