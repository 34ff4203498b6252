"""The offboarding export: every record of a tenant, decrypted, as JSON lines per category in one
zip, with a manifest of counts and SHA-256 per file. Names carry ids and categories only."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import IO, Any

from shared.containers import SUBJECTS
from shared.crypto.envelope import FieldCipher
from shared.policies.retention import Category
from shared.policies.stored_records import opened, records
from shared.ports.blob_store import BlobStore
from shared.ports.document_store import DocumentStore, Filter, Query
from shared.recordings.audio import AudioChunks
from shared.recordings.exports import audio_chunks, audio_file, has_audio
from shared.subjects.keys import SubjectKeys

EXPORTS = "exports"
PAGE = 200
"""Documents per query page: one holds up to 100 events, so a page stays a few MiB."""
EXPORTED = sorted(c.value for c in Category if c is not Category.AUDIT)


def export_prefix(tenant_id: str) -> str:
    return f"offboarding/{tenant_id}"


class _Ciphers:
    """The last subjects' ciphers: a subject's items come together in a partition-ordered
    query, so a small cache opens each data key about once without growing with the tenant."""

    SIZE = 256

    def __init__(self, subjects: SubjectKeys, tenant_id: str) -> None:
        self._subjects, self._tenant_id = subjects, tenant_id
        self._recent: OrderedDict[str, FieldCipher | None] = OrderedDict()

    def of(self, subject_id: str) -> FieldCipher | None:
        if subject_id in self._recent:
            self._recent.move_to_end(subject_id)
            return self._recent[subject_id]
        cipher = self._recent[subject_id] = self._subjects.cipher(self._tenant_id, subject_id)
        if len(self._recent) > self.SIZE:
            self._recent.popitem(last=False)
        return cipher


def export_name(tenant_id: str) -> str:
    return f"{export_prefix(tenant_id)}/export.zip"


def build_export(
    store: DocumentStore,
    subjects: SubjectKeys,
    blobs: BlobStore,
    tenant_id: str,
    now: datetime,
    before_upload: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Write the package (one zip: a JSON-lines file per category and the manifest); returns
    the manifest. Records stream page by page into a spooled zip that is uploaded in chunks,
    so memory stays flat however large the tenant. ``before_upload`` may stop it before the
    upload (the offboarding run checks it still holds the tenant's lease)."""
    ciphers = _Ciphers(subjects, tenant_id)
    files = []
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
            for category in EXPORTED:
                written = _write_category(store, subjects, ciphers, archive, tenant_id, category)
                if written is not None:
                    files.append(written)
            audio = _write_audio(store, AudioChunks(blobs), ciphers, archive, tenant_id)
            manifest = {"tenantId": tenant_id, "generatedAt": now.isoformat(), "files": files}
            if audio:
                manifest["audio"] = audio
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        spool.seek(0)
        before_upload()
        blobs.put(EXPORTS, export_name(tenant_id), spool)
    return manifest


def _write_category(
    store: DocumentStore,
    subjects: SubjectKeys,
    ciphers: _Ciphers,
    archive: zipfile.ZipFile,
    tenant_id: str,
    category: str,
) -> dict[str, Any] | None:
    """One ``<category>.jsonl`` entry with its count, size and SHA-256; None when empty."""
    name, digest, count, size = f"{category}.jsonl", hashlib.sha256(), 0, 0
    entry: IO[bytes] | None = None
    query = Query(filters=[Filter("category", "=", category)])
    continuation: str | None = None
    try:
        while True:
            page = store.query(SUBJECTS.name, (tenant_id,), query, PAGE, continuation)
            for item in page.items:
                cipher = ciphers.of(item["subjectId"])
                for stored in records(item):
                    line = json.dumps(opened(stored, cipher), sort_keys=True).encode()
                    entry = entry or archive.open(name, "w", force_zip64=True)
                    entry.write(line + b"\n")
                    digest.update(line + b"\n")
                    count, size = count + 1, size + len(line) + 1
            continuation = page.continuation
            if not continuation:
                break
    finally:
        if entry is not None:
            entry.close()
    if entry is None:
        return None
    return {
        "name": name,
        "category": category,
        "records": count,
        "bytes": size,
        "sha256": digest.hexdigest(),
    }


def _write_audio(
    store: DocumentStore,
    audio: AudioChunks,
    ciphers: _Ciphers,
    archive: zipfile.ZipFile,
    tenant_id: str,
) -> list[dict[str, Any]]:
    """Each stored recording's audio as its own entry, opened chunk by chunk into the zip."""
    files = []
    query = Query(filters=[Filter("category", "=", Category.RECORDING.value)])
    continuation: str | None = None
    while True:
        page = store.query(SUBJECTS.name, (tenant_id,), query, PAGE, continuation)
        for item in page.items:
            cipher = ciphers.of(item["subjectId"])
            if cipher is None or not has_audio(item):
                continue
            name, digest, size = audio_file(item), hashlib.sha256(), 0
            with archive.open(name, "w", force_zip64=True) as entry:
                for chunk in audio_chunks(audio, cipher, item):
                    entry.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            files.append({"name": name, "recordingId": item["id"], "bytes": size,
                          "sha256": digest.hexdigest()})
        continuation = page.continuation
        if not continuation:
            return files


def export_package(blobs: BlobStore, tenant_id: str) -> bytes:
    return blobs.get(EXPORTS, export_name(tenant_id))


def delete_export(blobs: BlobStore, tenant_id: str) -> int:
    names = blobs.list(EXPORTS, export_prefix(tenant_id) + "/")
    return sum(blobs.delete(EXPORTS, n) for n in names)
