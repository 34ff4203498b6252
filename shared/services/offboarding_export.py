"""The offboarding export: every item of a tenant, decrypted, as JSON lines per category, with
a manifest of counts and SHA-256 per file. File names carry ids and categories only."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import defaultdict
from datetime import datetime
from typing import Any

from shared.containers import SUBJECTS
from shared.crypto.envelope import DecryptionFailed, FieldCipher
from shared.policies.stored_records import records
from shared.ports.blob_store import BlobStore
from shared.ports.document_store import DocumentStore, Filter, Query
from shared.services.subject_keys import SubjectKeys

EXPORTS = "exports"
_INTERNAL = {"ttl", "_ts", "_etag", "enc", "dataKey", "tenantId"}


def export_prefix(tenant_id: str) -> str:
    return f"offboarding/{tenant_id}"


def _record(item: dict[str, Any], cipher: FieldCipher | None) -> dict[str, Any]:
    record = {k: v for k, v in item.items() if k not in _INTERNAL}
    if cipher is not None and item.get("enc"):
        try:
            record.update(cipher.decrypt_fields(item["id"], item["enc"]))
        except DecryptionFailed:
            record["unreadable"] = True
    return record


def build_export(
    store: DocumentStore, subjects: SubjectKeys, blobs: BlobStore, tenant_id: str, now: datetime
) -> dict[str, Any]:
    """Write the files and the manifest; returns the manifest."""
    lines: dict[str, list[bytes]] = defaultdict(list)
    ciphers: dict[str, FieldCipher | None] = {}
    query = Query(filters=[Filter("category", "exists", True)])
    continuation: str | None = None
    while True:
        page = store.query(SUBJECTS.name, (tenant_id,), query, 1000, continuation)
        for item in page.items:
            sid = item["subjectId"]
            if sid not in ciphers:
                ciphers[sid] = subjects.cipher(tenant_id, sid)
            for stored in records(item):
                record = _record(stored, ciphers[sid])
                lines[item["category"]].append(json.dumps(record, sort_keys=True).encode())
        continuation = page.continuation
        if not continuation:
            break
    files = []
    for category in sorted(lines):
        data = b"\n".join(lines[category]) + b"\n"
        name = f"{export_prefix(tenant_id)}/{category}.jsonl"
        blobs.put(EXPORTS, name, data)
        files.append(
            {
                "name": f"{category}.jsonl",
                "category": category,
                "records": len(lines[category]),
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    manifest = {"tenantId": tenant_id, "generatedAt": now.isoformat(), "files": files}
    blobs.put(
        EXPORTS,
        f"{export_prefix(tenant_id)}/manifest.json",
        json.dumps(manifest, indent=2).encode(),
    )
    return manifest


def export_zip(blobs: BlobStore, tenant_id: str) -> bytes:
    """The package as one zip: manifest.json plus one JSON-lines file per category."""
    buffer = io.BytesIO()
    prefix = export_prefix(tenant_id) + "/"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in blobs.list(EXPORTS, prefix):
            archive.writestr(name.removeprefix(prefix), blobs.get(EXPORTS, name))
    return buffer.getvalue()


def delete_export(blobs: BlobStore, tenant_id: str) -> int:
    names = blobs.list(EXPORTS, export_prefix(tenant_id) + "/")
    return sum(blobs.delete(EXPORTS, n) for n in names)
