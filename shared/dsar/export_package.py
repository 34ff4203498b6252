"""The access/portability package: per category JSON and CSV, zipped with a manifest.

Staged per category in the region's blob store while categories run in parallel, then zipped;
the package expires after 7 days. File names carry the request id and category only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

from shared.ports.blob_store import BlobNotFound, BlobStore
from shared.recordings.exports import chunk_file

CONTAINER = "exports"


def staging(request_id: str) -> str:
    return f"dsar/{request_id}/staging"


def package_name(request_id: str) -> str:
    return f"dsar/{request_id}/export.zip"


def _csv(records: list[dict[str, Any]]) -> bytes:
    columns = sorted({key for record in records for key in record})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    for record in records:
        writer.writerow(
            {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in record.items()}
        )
    return buffer.getvalue().encode()


def stage_category(
    blobs: BlobStore, request_id: str, category: str, records: list[dict[str, Any]]
) -> None:
    base = staging(request_id)
    blobs.put(CONTAINER, f"{base}/{category}.json", json.dumps(records, indent=2).encode())
    blobs.put(CONTAINER, f"{base}/{category}.csv", _csv(records))


def stage_file(blobs: BlobStore, request_id: str, name: str, chunks: Iterator[bytes]) -> str:
    """Stage one file beside the category files (a recording's audio), streamed; returns its
    name in the package."""
    blobs.put(CONTAINER, f"{staging(request_id)}/{name}", chunk_file(chunks))
    return name


def build_package(blobs: BlobStore, request_id: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Zip the staged files with a manifest; remove the staging copies. Returns the manifest.

    Idempotent: a re-run after the staging copies were removed (an activity retried after a
    crash) keeps the package already built instead of replacing it with an empty one."""
    prefix = staging(request_id) + "/"
    if not blobs.list(CONTAINER, prefix):
        try:
            existing = zipfile.ZipFile(io.BytesIO(blobs.get(CONTAINER, package_name(request_id))))
            manifest: dict[str, Any] = json.loads(existing.read("manifest.json"))
            return manifest
        except BlobNotFound:
            pass
    buffer = io.BytesIO()
    files = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in blobs.list(CONTAINER, prefix):
            data = blobs.get(CONTAINER, name)
            short = name.removeprefix(prefix)
            archive.writestr(short, data)
            files.append(
                {"name": short, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            )
        manifest = {**meta, "files": files}
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    blobs.put(CONTAINER, package_name(request_id), buffer.getvalue())
    for name in blobs.list(CONTAINER, prefix):
        blobs.delete(CONTAINER, name)
    return manifest


def delete_package(blobs: BlobStore, request_id: str) -> bool:
    return blobs.delete(CONTAINER, package_name(request_id))


def package_as_json(package: bytes) -> dict[str, Any]:
    """The same export as one JSON document: the manifest and every category's records."""
    archive = zipfile.ZipFile(io.BytesIO(package))
    manifest = json.loads(archive.read("manifest.json"))
    categories = {
        name.removesuffix(".json"): json.loads(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".json") and name != "manifest.json"
    }
    return {**{k: v for k, v in manifest.items() if k != "files"}, "categories": categories}
