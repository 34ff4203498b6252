"""Contract of the BlobStore port on the directory store and on Azure Blob Storage (Azurite).

Azurite (npm ``azurite``, installed by ``npm ci``) runs once per session over HTTPS with a
certificate made here, with OAuth on, so both SAS kinds are exercised against a real server:
the account-key SAS (store built with Azurite's well-known key) and the user-delegation SAS
(store built with a token credential; Azurite checks a token's audience, issuer and lifetime,
not its signature). A missing Azurite install fails these tests: it is never a skip.
"""

from __future__ import annotations

import ssl
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import infra.emulators.azurite as azurite_launcher
from infra.emulators.azurite import AzuriteUnavailable, azurite
from shared.adapters.blob_storage import AzureBlobStore
from shared.adapters.dir_blobs import DirectoryBlobStore
from shared.ports.blob_store import BlobNotFound, BlobStore
from tests.adapters.conftest import FakeEntraToken, LocalAzurite, http_get, key_store, token_store
from tests.fakes import FakeClock

StoreFactory = Callable[[pytest.FixtureRequest, Path], BlobStore]
STORES: dict[str, StoreFactory] = {
    "directory": lambda request, tmp: DirectoryBlobStore(tmp / "blobs"),
    "azure-key": lambda request, tmp: key_store(request.getfixturevalue("local_azurite")),
    "azure-token": lambda request, tmp: token_store(request.getfixturevalue("local_azurite")),
}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    return STORES[request.param](request, tmp_path)


@pytest.fixture
def container() -> str:
    """A fresh container per test (Azurite lives for the session)."""
    return f"exports-{uuid.uuid4().hex[:12]}"


def test_missing_azurite_install_is_an_error_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(azurite_launcher, "BIN_DIR", tmp_path / "node_modules" / ".bin")
    with pytest.raises(AzuriteUnavailable, match="run `npm ci`"), azurite(tmp_path):
        pass


def test_put_get_overwrite(store: BlobStore, container: str) -> None:
    store.put(container, "dsar/r1/export.zip", b"one")
    assert store.get(container, "dsar/r1/export.zip") == b"one"
    store.put(container, "dsar/r1/export.zip", b"two")
    assert store.get(container, "dsar/r1/export.zip") == b"two"


def test_missing_blob_and_missing_container(store: BlobStore, container: str) -> None:
    with pytest.raises(BlobNotFound):
        store.get(container, "nothing/here.json")
    assert store.list(container) == []
    assert store.delete(container, "nothing/here.json") is False
    store.put(container, "a.json", b"{}")
    with pytest.raises(BlobNotFound):
        store.get(container, "b.json")


def test_list_by_prefix_with_virtual_folders(store: BlobStore, container: str) -> None:
    names = [
        "dsar/r1/staging/a.json",
        "dsar/r1/staging/a.csv",
        "dsar/r2/export.zip",
        "offboarding/t1/events.jsonl",
    ]
    for name in names:
        store.put(container, name, name.encode())
    assert store.list(container) == sorted(names)
    assert store.list(container, "dsar/r1/") == ["dsar/r1/staging/a.csv", "dsar/r1/staging/a.json"]
    assert store.list(container, "offboarding/") == ["offboarding/t1/events.jsonl"]
    assert store.list(container, "nope/") == []


def test_delete(store: BlobStore, container: str) -> None:
    store.put(container, "dsar/r1/export.zip", b"x")
    assert store.delete(container, "dsar/r1/export.zip") is True
    assert store.delete(container, "dsar/r1/export.zip") is False
    assert store.list(container) == []
    with pytest.raises(BlobNotFound):
        store.get(container, "dsar/r1/export.zip")


def test_a_file_object_is_uploaded_in_chunks(store: BlobStore, container: str) -> None:
    data = bytes(range(256)) * (3 * 4096 + 7)  # ~3 MiB, not a multiple of any chunk size
    with tempfile.TemporaryFile() as spool:
        spool.write(data)
        spool.seek(0)
        store.put(container, "offboarding/t1/export.zip", spool)
    assert store.get(container, "offboarding/t1/export.zip") == data


def test_binary_content_round_trips(store: BlobStore, container: str) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB, every byte value
    store.put(container, "offboarding/t1/blob.bin", data)
    assert store.get(container, "offboarding/t1/blob.bin") == data


@pytest.mark.parametrize("name", ["", "../escape", "a//b", "a/./b", "/leading"])
def test_invalid_names_are_refused(store: BlobStore, container: str, name: str) -> None:
    with pytest.raises(ValueError):
        store.put(container, name, b"x")


def test_azure_store_keeps_to_its_containers(local_azurite: LocalAzurite) -> None:
    store = key_store(local_azurite)
    for wrong in ("azure-webjobs-hosts", "exportsx", "Exports", "exports--x"):
        with pytest.raises(ValueError):
            store.put(wrong, "a.json", b"x")
    with pytest.raises(ValueError):
        AzureBlobStore(local_azurite.server.account_url, FakeEntraToken(), container_prefix="A_")
    # (refused before any client exists: nothing to close)


def test_created_container_is_private(local_azurite: LocalAzurite, container: str) -> None:
    key_store(local_azurite).put(container, "a.json", b"{}")
    url = f"{local_azurite.server.account_url}/{container}/a.json"
    assert http_get(url, local_azurite.cert)[0] in (403, 404)  # anonymous: refused


@pytest.mark.parametrize("kind", ["key", "token"])
def test_share_link_downloads_then_expires(
    local_azurite: LocalAzurite, container: str, kind: str
) -> None:
    store = key_store(local_azurite) if kind == "key" else token_store(local_azurite)
    store.put(container, "dsar/r1/export.zip", b"PK-export")
    link = store.share_link(container, "dsar/r1/export.zip", timedelta(seconds=2))
    assert link.startswith("https://") and "sp=r" in link
    assert ("skoid=" in link) is (kind == "token")  # user delegation iff no account key
    status, body, headers = http_get(link, local_azurite.cert)
    assert (status, body) == (200, b"PK-export")
    assert headers["content-disposition"] == 'attachment; filename="export.zip"'
    assert http_get(link.replace("sig=", "sig=x"), local_azurite.cert)[0] == 403
    deadline = time.monotonic() + 10
    while (status := http_get(link, local_azurite.cert)[0]) == 200:
        assert time.monotonic() < deadline, "the link still works long after its expiry"
        time.sleep(0.5)
    assert status == 403


def test_share_link_already_expired_is_refused(local_azurite: LocalAzurite, container: str) -> None:
    clock = FakeClock(datetime.now(UTC) - timedelta(hours=3))
    store = key_store(local_azurite, clock)
    store.put(container, "dsar/r1/export.zip", b"PK")
    link = store.share_link(container, "dsar/r1/export.zip", timedelta(minutes=15))
    assert http_get(link, local_azurite.cert)[0] == 403


def test_share_link_is_write_proof(local_azurite: LocalAzurite, container: str) -> None:
    store = key_store(local_azurite)
    store.put(container, "dsar/r1/export.zip", b"PK")
    link = store.share_link(container, "dsar/r1/export.zip", timedelta(minutes=5))
    request = urllib.request.Request(
        link, data=b"evil", method="PUT", headers={"x-ms-blob-type": "BlockBlob"}
    )
    context = ssl.create_default_context(cafile=str(local_azurite.cert))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, context=context, timeout=10)
    assert refused.value.code == 403
    refused.value.close()
    assert store.get(container, "dsar/r1/export.zip") == b"PK"


def test_no_link_to_a_missing_blob(local_azurite: LocalAzurite, container: str) -> None:
    store = key_store(local_azurite)
    store.put(container, "other.json", b"{}")
    with pytest.raises(BlobNotFound):
        store.share_link(container, "dsar/r9/export.zip", timedelta(minutes=5))


@pytest.mark.parametrize("lifetime", [timedelta(0), timedelta(seconds=-1), timedelta(days=2)])
def test_share_link_lifetime_is_bounded(
    local_azurite: LocalAzurite, container: str, lifetime: timedelta
) -> None:
    with pytest.raises(ValueError):
        key_store(local_azurite).share_link(container, "a.json", lifetime)
