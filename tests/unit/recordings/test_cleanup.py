"""Audio never outlives its recording: deleted with its document, swept when a document is gone
(TTL) or an upload never finished; an upload that fails midway leaves nothing behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.auth import Principal
from shared.composition import App
from shared.containers import SUBJECTS
from shared.ports.blob_store import BlobStore
from shared.recordings.audio import CONTAINER, AudioChunks
from shared.recordings.cleanup import RecordingCleanup
from shared.recordings.upload import parse_upload
from shared.tenancy.models import TenantCreate
from tests.fakes import FakeClock
from tests.recording_upload import metadata, multipart, planted_audio

TELEPHONY = Principal("oid-telephony", frozenset(), application=True)


def recording_tenant(services: App) -> str:
    cmd = TenantCreate(name="Shop", allowedOrigins=[], recordingEnabled=True)
    return services.tenants.create(cmd)[0].tenantId


def record(services: App, tenant_id: str, visitor: str = "v-1", size: int = 300_000) -> str:
    body, headers = multipart(metadata(visitor), planted_audio(size))
    upload = parse_upload(headers["Content-Type"], body)
    return services.recordings.record(TELEPHONY, tenant_id, upload).recordingId


def names(services: App, tenant_id: str) -> list[str]:
    return AudioChunks(services.blobs).names(f"recordings/{tenant_id}/")


def test_the_sweep_deletes_audio_whose_document_is_gone(services: App) -> None:
    tid = recording_tenant(services)
    kept, expired = record(services, tid, "v-1"), record(services, tid, "v-2")
    [doc] = [d for d in _docs(services, tid) if d["id"] == expired]
    services.store.delete(SUBJECTS.name, (tid, doc["subjectId"]), expired)  # as TTL would
    assert services.recording_cleanup.sweep(tid) == {"orphanChunks": 2}
    assert {n.split("/")[3] for n in names(services, tid)} == {kept}
    assert services.recording_cleanup.sweep(tid) == {}


def test_an_upload_never_finished_is_removed_after_an_hour(
    services: App, clock: FakeClock
) -> None:
    tid = recording_tenant(services)
    rid = record(services, tid)
    [doc] = _docs(services, tid)
    services.store.replace(SUBJECTS.name, doc | {"status": "receiving"}, if_match=doc["_etag"])
    assert services.recording_cleanup.sweep(tid) == {}  # it may still be arriving
    clock.advance(timedelta(hours=1, seconds=1))
    assert services.recording_cleanup.sweep(tid) == {"staleUploads": 1}
    assert _docs(services, tid) == [] and names(services, tid) == []
    assert rid


class FailingBlobs:
    """A blob store that breaks after some writes (a storage outage mid-upload)."""

    def __init__(self, inner: BlobStore, writes: int) -> None:
        self.inner, self.writes = inner, writes

    def put(self, container: str, name: str, data: Any) -> None:
        if self.writes == 0:
            raise OSError("storage unavailable")
        self.writes -= 1
        self.inner.put(container, name, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_an_upload_that_fails_midway_leaves_nothing(services: App) -> None:
    from shared.composition import compose

    broken = compose(services.settings, services.clock, store=services.store,
                     directory=services.directory, bus=services.bus, keys=services.keys,
                     blobs=FailingBlobs(services.blobs, writes=1))  # type: ignore[arg-type]
    tid = recording_tenant(broken)
    with pytest.raises(OSError):
        record(broken, tid)
    assert _docs(services, tid) == [] and names(services, tid) == []
    assert broken.audit_for("eu").entries(tid, action="recording.stored").items == []


def test_items_deleted_removes_only_recordings_audio(services: App) -> None:
    tid = recording_tenant(services)
    record(services, tid)
    docs = _docs(services, tid)
    cleanup = RecordingCleanup(services.store, AudioChunks(services.blobs), services.clock)
    assert cleanup.items_deleted([{**docs[0], "type": "contact"}]) == 0
    assert cleanup.items_deleted(docs) == 2 and names(services, tid) == []
    assert services.blobs.list(CONTAINER, "recordings/") == []


def _docs(services: App, tenant_id: str) -> list[dict[str, Any]]:
    from shared.ports.document_store import Filter, Query

    query = Query(filters=[Filter("type", "=", "recording")])
    return services.store.query(SUBJECTS.name, (tenant_id,), query, 100).items
