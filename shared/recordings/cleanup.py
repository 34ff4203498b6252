"""Recording audio goes with its metadata: deleting recording documents deletes their chunks
(``items_deleted``; an erasure deletes the subject's whole prefix), and the sweep catches
what a deleter could not (a document TTL removed, an upload a crash cut short).

A recording's document is its index: audio whose document is gone is deleted by the hourly
sweep, and a document still ``receiving`` an hour after it was written (an upload never
finished; an HTTP call lasts minutes at most) is deleted with its chunks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from shared.containers import SUBJECTS
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, NotFound, Query
from shared.recordings.audio import (
    AudioChunks,
    recording_prefix,
    tenant_prefix,
)
from shared.recordings.models import RECORDING_TYPE, RecordingStatus

STALE_AFTER = timedelta(hours=1)
PAGE = 500


class RecordingCleanup:
    def __init__(self, store: DocumentStore, audio: AudioChunks, clock: Clock) -> None:
        self._store = store
        self._audio = audio
        self._clock = clock

    def items_deleted(self, items: Iterable[dict[str, Any]]) -> int:
        """Delete the audio of the recording documents among ``items`` (just deleted)."""
        return sum(
            self._audio.delete_prefix(recording_prefix(i["tenantId"], i["subjectId"], i["id"]))
            for i in items
            if i.get("type") == RECORDING_TYPE
        )

    def sweep(self, tenant_id: str) -> dict[str, int]:
        """Stale uploads, then audio no document accounts for; counts for the audit."""
        stale = self._stale(tenant_id)
        orphaned = 0
        recordings = {
            (parts[2], parts[3])  # recordings/<tenant>/<subject>/<recording>/<index>
            for parts in (n.split("/") for n in self._audio.names(tenant_prefix(tenant_id)))
            if len(parts) == 5
        }
        # listed before the documents are read: a document is written before its chunks, so
        # audio listed here whose document the read below misses has none
        undocumented = recordings - self._documented(tenant_id, recordings)
        for subject_id, recording_id in sorted(undocumented):
            prefix = recording_prefix(tenant_id, subject_id, recording_id)
            orphaned += self._audio.delete_prefix(prefix)
        return {k: v for k, v in {"staleUploads": stale, "orphanChunks": orphaned}.items() if v}

    def _documented(self, tenant_id: str, audio: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """(subject, recording) of the tenant's recording documents: one paged query for the
        tenant, not a read per recording (none at all for a tenant without audio)."""
        found: set[tuple[str, str]] = set()
        token: str | None = None
        query = Query(filters=[Filter("type", "=", RECORDING_TYPE)])
        while audio:
            page = self._store.query(SUBJECTS.name, (tenant_id,), query, PAGE, token)
            found.update((doc["subjectId"], doc["id"]) for doc in page.items)
            token = page.continuation
            if not token:
                break
        return found

    def _stale(self, tenant_id: str) -> int:
        cutoff = (self._clock.now() - STALE_AFTER).isoformat()
        query = Query(
            filters=[
                Filter("type", "=", RECORDING_TYPE),
                Filter("status", "=", RecordingStatus.RECEIVING.value),
                Filter("createdAt", "<", cutoff),
            ]
        )
        found = self._store.query(SUBJECTS.name, (tenant_id,), query, 100).items
        for doc in found:
            self._audio.delete_prefix(recording_prefix(tenant_id, doc["subjectId"], doc["id"]))
            with contextlib.suppress(NotFound):
                self._store.delete(SUBJECTS.name, (tenant_id, doc["subjectId"]), doc["id"])
        return len(found)
