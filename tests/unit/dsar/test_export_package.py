"""The access package: per-category JSON and CSV zipped with a manifest of sizes and hashes;
built once (a retried activity keeps it), and readable back as one JSON document."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from shared.adapters.dir_blobs import DirectoryBlobStore
from shared.dsar.export_package import (
    CONTAINER,
    build_package,
    delete_package,
    package_as_json,
    package_name,
    stage_category,
)

RECORDS = [{"id": "e-1", "url": "https://shop.example/p", "screen": {"w": 1}}, {"id": "e-2"}]


def test_a_package_holds_every_staged_category_with_its_manifest(tmp_path: Path) -> None:
    blobs = DirectoryBlobStore(tmp_path)
    stage_category(blobs, "r-1", "behaviour", RECORDS)
    stage_category(blobs, "r-1", "contact", [])
    manifest = build_package(blobs, "r-1", {"requestId": "r-1", "type": "access"})
    archive = zipfile.ZipFile(io.BytesIO(blobs.get(CONTAINER, package_name("r-1"))))
    names = {f["name"] for f in manifest["files"]}
    assert names == {"behaviour.json", "behaviour.csv", "contact.json", "contact.csv"}
    for f in manifest["files"]:
        assert hashlib.sha256(archive.read(f["name"])).hexdigest() == f["sha256"]
    assert archive.read("behaviour.csv").decode().splitlines()[0] == "id,screen,url"
    assert blobs.list(CONTAINER, "dsar/r-1/staging/") == []  # staging copies removed


def test_a_rebuild_after_the_staging_was_removed_keeps_the_package(tmp_path: Path) -> None:
    blobs = DirectoryBlobStore(tmp_path)
    stage_category(blobs, "r-1", "behaviour", RECORDS)
    first = build_package(blobs, "r-1", {"requestId": "r-1"})
    assert build_package(blobs, "r-1", {"requestId": "r-1"}) == first
    as_json = package_as_json(blobs.get(CONTAINER, package_name("r-1")))
    assert as_json["categories"]["behaviour"] == RECORDS and "files" not in as_json
    assert delete_package(blobs, "r-1") and not delete_package(blobs, "r-1")
