"""Azure Blob Storage for exports (DSAR and offboarding), behind the BlobStore port.

Why these choices:
- Containers are private (created without public access when missing) and confined to names
  that start with ``container_prefix``: the exports account may be the Functions host's
  storage account, and this adapter must never touch the host's own containers.
- Download links are **user-delegation SAS** (signed with a key Entra ID hands to the app's
  identity, read-only, HTTPS-only, short-lived), so no account key exists anywhere: the
  account runs with shared-key access off. An account-key SAS is produced only when the store
  was built with an ``AzureNamedKeyCredential`` (Azurite in tests).
- Expiry of the export itself is not enforced here: the storage account's lifecycle policy
  (Bicep) deletes ``exports/dsar/`` blobs after 7 days and ``exports/offboarding/`` after 30.
  The app-level checks (``exportExpiresAt``) stay the first line.
Needs the role *Storage Blob Data Contributor* on the account (``get_user_delegation_key`` is
an account-level action covered by it). Blob contents and SAS URLs are never logged.
"""

from __future__ import annotations

import contextlib
import mimetypes
import re
import threading
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from azure.core.credentials import AzureNamedKeyCredential, TokenCredential
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContentSettings,
    UserDelegationKey,
    generate_blob_sas,
)

from shared.ports.blob_store import BlobNotFound
from shared.ports.clock import Clock, SystemClock

MAX_LINK_LIFETIME = timedelta(hours=24)
"""Links are for a download that starts now; anything longer belongs in a new link."""
CLOCK_SKEW = timedelta(minutes=5)
"""Links and delegation keys start this much in the past, so a fast server clock accepts them."""
DELEGATION_KEY_LIFETIME = timedelta(hours=6)
"""One delegation key signs many links (Azure allows up to 7 days); renewed before it lapses."""

_CONTAINER = re.compile(r"^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _check_blob_name(name: str) -> None:
    """Same shape the directory store accepts: ``/``-separated, no empty or dot segments."""
    parts = name.split("/")
    if not name or len(name) > 1024 or any(p in ("", ".", "..") for p in parts):
        raise ValueError("invalid blob name")


class AzureBlobStore:
    def __init__(
        self,
        account_url: str,
        credential: TokenCredential | AzureNamedKeyCredential,
        container_prefix: str = "exports",
        *,
        clock: Clock | None = None,
        **client_options: Any,
    ) -> None:
        """``client_options`` go to ``BlobServiceClient`` (e.g. ``connection_verify`` for a
        local HTTPS emulator, retry settings)."""
        if not _CONTAINER.match(container_prefix):
            raise ValueError("container_prefix must be a valid container name")
        self._prefix = container_prefix
        self._key = credential if isinstance(credential, AzureNamedKeyCredential) else None
        self._client = BlobServiceClient(account_url, credential=credential, **client_options)
        self._clock = clock or SystemClock()
        self._delegation: tuple[UserDelegationKey, datetime] | None = None
        self._lock = threading.Lock()

    def _container(self, container: str) -> str:
        if not _CONTAINER.match(container) or not (
            container == self._prefix or container.startswith(self._prefix + "-")
        ):
            raise ValueError("invalid container name for this store")
        return container

    def put(self, container: str, name: str, data: bytes | BinaryIO) -> None:
        _check_blob_name(name)
        blob = self._client.get_blob_client(self._container(container), name)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        settings = ContentSettings(content_type=content_type)
        try:
            blob.upload_blob(data, overwrite=True, content_settings=settings)
        except ResourceNotFoundError as exc:
            if getattr(exc, "error_code", None) != "ContainerNotFound":
                raise
            self._create_container(container)
            if not isinstance(data, bytes):
                data.seek(0)  # the failed attempt may have read some of it
            blob.upload_blob(data, overwrite=True, content_settings=settings)

    def _create_container(self, container: str) -> None:
        with contextlib.suppress(ResourceExistsError):  # created concurrently
            self._client.create_container(container)  # no public_access: private

    def get(self, container: str, name: str) -> bytes:
        _check_blob_name(name)
        blob = self._client.get_blob_client(self._container(container), name)
        try:
            return blob.download_blob().readall()
        except ResourceNotFoundError:
            raise BlobNotFound(name) from None

    def delete(self, container: str, name: str) -> bool:
        _check_blob_name(name)
        blob = self._client.get_blob_client(self._container(container), name)
        try:
            blob.delete_blob(delete_snapshots="include")
        except ResourceNotFoundError:
            return False
        return True

    def list(self, container: str, prefix: str = "") -> list[str]:
        client = self._client.get_container_client(self._container(container))
        try:
            return sorted(b.name for b in client.list_blobs(name_starts_with=prefix or None))
        except ResourceNotFoundError:
            return []

    def share_link(self, container: str, name: str, expires_in: timedelta) -> str:
        """A read-only HTTPS link to one blob, valid for ``expires_in`` (at most 24 hours),
        served as an attachment. Treat the URL as a secret: it is the access grant."""
        _check_blob_name(name)
        container = self._container(container)
        if not timedelta(0) < expires_in <= MAX_LINK_LIFETIME:
            raise ValueError(f"expires_in must be positive and at most {MAX_LINK_LIFETIME}")
        now = self._clock.now()
        expiry = now + expires_in
        blob = self._client.get_blob_client(container, name)
        if not blob.exists():  # a link to nothing would only fail later, in a browser
            raise BlobNotFound(f"{container}/{name}")
        filename = _FILENAME_UNSAFE.sub("_", name.rsplit("/", 1)[-1])
        common: dict[str, Any] = {
            "permission": BlobSasPermissions(read=True),
            "start": now - CLOCK_SKEW,
            "expiry": expiry,
            "content_disposition": f'attachment; filename="{filename}"',
        }
        if blob.url.startswith("https://"):
            common["protocol"] = "https"
        if self._key is not None:
            sas = generate_blob_sas(
                self._key.named_key.name,
                container,
                name,
                account_key=self._key.named_key.key,
                **common,
            )
        else:
            sas = generate_blob_sas(
                self._client.account_name or "",
                container,
                name,
                user_delegation_key=self._delegation_key(now, expiry),
                **common,
            )
        return f"{blob.url}?{sas}"

    def _delegation_key(self, now: datetime, needed_until: datetime) -> UserDelegationKey:
        """A cached delegation key valid past ``needed_until`` (a SAS cannot outlive its key)."""
        with self._lock:
            if self._delegation is None or self._delegation[1] < needed_until:
                until = max(now + DELEGATION_KEY_LIFETIME, needed_until)
                key = self._client.get_user_delegation_key(now - CLOCK_SKEW, until)
                self._delegation = (key, until)
            return self._delegation[0]

    def close(self) -> None:
        self._client.close()
