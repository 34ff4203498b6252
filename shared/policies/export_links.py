"""Short-lived download links for export packages (DSAR and offboarding).

Where the blob store can make them (Azure: user-delegation SAS) and the deployment allows it
(``PRIVACY_EXPORT_LINKS``; off when storage is private-only), a download answers 303 to a
read-only link, so a large package goes from storage to the admin without passing through the
app. A link is a bearer secret: it is answered, never logged or audited.
"""

from __future__ import annotations

from datetime import timedelta

from shared.errors import Gone
from shared.ports.blob_store import BlobNotFound, BlobStore, LinkableBlobStore

LINK_LIFETIME = timedelta(minutes=15)


def can_link(blobs: BlobStore, enabled: bool) -> bool:
    return enabled and isinstance(blobs, LinkableBlobStore)


def link_to(blobs: BlobStore, container: str, name: str) -> str:
    """Call only after ``can_link``; a package already gone is 410."""
    assert isinstance(blobs, LinkableBlobStore)
    try:
        return blobs.share_link(container, name, LINK_LIFETIME)
    except BlobNotFound:
        raise Gone("the export has been deleted") from None


def link_details() -> dict[str, object]:
    """What the audit keeps of a handed-out link: its lifetime, never the link."""
    return {"expiresInSeconds": int(LINK_LIFETIME.total_seconds())}
