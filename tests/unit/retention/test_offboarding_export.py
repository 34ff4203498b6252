"""The offboarding export: every record of the tenant, decrypted, as JSON lines per category in
one zip whose manifest counts records and hashes each file; deleted with its window."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from typing import Any

from shared.composition import App
from shared.retention.offboarding_export import (
    build_export,
    delete_export,
    export_package,
)
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers


def test_the_package_holds_every_record_decrypted_with_counts_and_hashes(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    for visitor in ("v-1", "v-2"):
        client.call("collect", body=collect_body(3, visitor), headers=widget_headers(tenant))
    client.drain()
    manifest = build_export(
        services.store, services.subject_keys, services.blobs, tid, services.clock.now()
    )
    archive = zipfile.ZipFile(io.BytesIO(export_package(services.blobs, tid)))
    files = {f["category"]: f for f in manifest["files"]}
    assert {c: f["records"] for c, f in files.items()} == {"behaviour": 6, "technical": 2}
    lines = archive.read("behaviour.jsonl").splitlines()
    assert (
        hashlib.sha256(b"".join(line + b"\n" for line in lines)).hexdigest()
        == files["behaviour"]["sha256"]
    )
    first = json.loads(lines[0])
    assert first["url"] == "https://shop.example/p" and "enc" not in first  # opened, minimised
    assert json.loads(archive.read("manifest.json")) == manifest
    assert delete_export(services.blobs, tid) == 1 and delete_export(services.blobs, tid) == 0
