"""Call recordings for the telephony service, and their audio for the controller's admins.

Storing: the tenant must have recording switched on (``recordingEnabled``; off: 409 and
nothing stored, the refusal audited), its contract must run, and the visitor's processing
must not be restricted. The metadata document is written first (status ``receiving``), then
the sealed chunks, then the status ``stored``: a crash leaves a document the sweep removes
with its chunks, never audio nobody knows of. Reading streams the chunks a byte range needs.
Every step is audited in the tenant's trail with ids and sizes only.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from typing import Any

from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.concurrency import update_item
from shared.containers import SUBJECTS
from shared.crypto.envelope import FieldCipher
from shared.errors import Conflict, Forbidden, NotFound
from shared.lifecycle import advance
from shared.policies.holds import is_held
from shared.policies.retention import Category, item_ttl
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.recordings.audio import CHUNK_BYTES, AudioChunks, recording_prefix
from shared.recordings.models import (
    RECORDING,
    RECORDING_TYPE,
    RecordingCreated,
    RecordingStatus,
)
from shared.recordings.ranges import ByteRange, byte_range
from shared.recordings.upload import Upload
from shared.subjects.keys import SubjectKeys, restricted
from shared.subjects.linking import IdentifierLinks
from shared.subjects.visitors import VisitorBinding
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant


@dataclass(frozen=True)
class AudioAnswer:
    media_type: str
    total: int
    span: ByteRange
    body: bytes


class Recordings:
    def __init__(
        self,
        tenants: TenantDirectory,
        store: DocumentStore,
        subjects: SubjectKeys,
        visitors: VisitorBinding,
        links: IdentifierLinks,
        audio: AudioChunks,
        audit: ControlAudit,
        clock: Clock,
    ) -> None:
        self._tenants = tenants
        self._store = store
        self._subjects = subjects
        self._visitors = visitors
        self._links = links
        self._audio = audio
        self._audit = audit
        self._clock = clock

    # -- storing -------------------------------------------------------------------------

    def record(self, principal: Principal, tenant_id: str, upload: Upload) -> RecordingCreated:
        tenant = self._tenants.local(tenant_id)
        self._admit(principal, tenant)
        cipher = self._subject(principal, tenant, upload.metadata.visitorId)
        subject_id, recording_id = cipher.subject_id, f"rec-{uuid.uuid4().hex[:20]}"
        self._store.create(SUBJECTS.name, self._document(tenant, cipher, recording_id, upload))
        try:
            written = self._audio.write(cipher, recording_id, upload.audio)
            self._stored(tenant_id, subject_id, recording_id, written.bytes, written.chunks)
        except BaseException:
            self.discard(tenant_id, subject_id, recording_id)
            raise
        seconds = upload.metadata.durationSeconds
        details = {"bytes": written.bytes, "chunks": written.chunks, "seconds": seconds}
        target = f"{subject_id}/{recording_id}"
        self._audit.tenant(tenant, principal.actor, "recording.stored", target, details)
        return RecordingCreated(
            recordingId=recording_id, bytes=written.bytes, chunks=written.chunks
        )

    def _subject(self, principal: Principal, tenant: Tenant, visitor_id: str) -> FieldCipher:
        """The visitor's subject (created and linked on first sight), unless restricted."""
        subject_id = self._visitors.find(tenant.tenantId, visitor_id).subject_id
        cipher, doc, _ = self._subjects.cipher_or_create(tenant.tenantId, subject_id)
        self._links.link_visitor(tenant, visitor_id, subject_id, self._clock.now(), doc)
        if restricted(doc):
            self._refuse(principal, tenant, "recording.refused", "restricted")
            raise Conflict("this data subject's processing is restricted; nothing was stored")
        return cipher

    def _document(
        self, tenant: Tenant, cipher: FieldCipher, recording_id: str, upload: Upload
    ) -> dict[str, Any]:
        now, meta = self._clock.now(), upload.metadata
        held = is_held(tenant.legalHolds, cipher.subject_id, now)
        return {
            "id": recording_id,
            "tenantId": tenant.tenantId,
            "subjectId": cipher.subject_id,
            "category": Category.RECORDING.value,
            "type": RECORDING_TYPE,
            "status": RECORDING.initial.value,
            "createdAt": now.isoformat(),
            "ttl": item_ttl(Category.RECORDING, now, now, tenant.retention, held),
            "startedAt": meta.startedAt.isoformat(),
            "durationSeconds": meta.durationSeconds,
            "mediaType": upload.media_type,
            "chunkBytes": CHUNK_BYTES,
            "enc": cipher.encrypt_fields(recording_id, {"callId": meta.callId}),
        }

    def _admit(self, principal: Principal, tenant: Tenant) -> None:
        ended = tenant.contractEnd is not None and self._clock.now() >= tenant.contractEnd
        if tenant.status == "offboarded" or ended:
            self._refuse(principal, tenant, "recording.refused", "contract ended")
            raise Forbidden("the tenant's contract has ended; nothing was stored")
        if not tenant.recordingEnabled:
            self._refuse(principal, tenant, "recording.refused", "recording off")
            raise Conflict("call recording is switched off for this tenant; nothing was stored")

    def _refuse(self, principal: Principal, tenant: Tenant, action: str, why: str) -> None:
        self._audit.tenant(
            tenant, principal.actor, action, tenant.tenantId, {"reason": why}, outcome="denied"
        )

    def _stored(
        self, tenant_id: str, subject_id: str, recording_id: str, size: int, chunks: int
    ) -> None:
        def complete(doc: dict[str, Any]) -> dict[str, Any]:
            status = advance(RECORDING, doc["status"], RecordingStatus.STORED)
            return {"status": status.value, "bytes": size, "chunks": chunks}

        pk = (tenant_id, subject_id)
        update_item(self._store, SUBJECTS.name, pk, recording_id, complete, what="the recording")

    def discard(self, tenant_id: str, subject_id: str, recording_id: str) -> None:
        """Remove a recording's chunks, then its document (a failed upload, a stale one)."""
        self._audio.delete_prefix(recording_prefix(tenant_id, subject_id, recording_id))
        with contextlib.suppress(ItemNotFound):
            self._store.delete(SUBJECTS.name, (tenant_id, subject_id), recording_id)

    # -- reading -------------------------------------------------------------------------

    def audio(
        self, principal: Principal, tenant_id: str, recording_id: str, range_header: str | None
    ) -> AudioAnswer:
        """The audio (or the bytes a ``Range`` asks for), opened chunk by chunk; audited."""
        tenant = self._tenants.local(tenant_id)
        doc = self._find(tenant_id, recording_id)
        cipher = self._subjects.cipher(tenant_id, doc["subjectId"])
        if cipher is None:
            raise NotFound("no such recording")  # the subject's key is gone: erased
        total, chunk, count = doc["bytes"], doc["chunkBytes"], doc["chunks"]
        span = byte_range(range_header, total)
        body = bytearray()
        for index in range(span.start // chunk, span.end // chunk + 1):
            data = self._audio.read(cipher, recording_id, index, count)
            low = max(0, span.start - index * chunk)
            body += data[low : span.end - index * chunk + 1]
        self._audit.tenant(
            tenant,
            principal.actor,
            "recording.audio.read",
            f"{doc['subjectId']}/{recording_id}",
            {"bytes": len(body), "partial": span.partial},
        )
        return AudioAnswer(doc["mediaType"], total, span, bytes(body))

    def _find(self, tenant_id: str, recording_id: str) -> dict[str, Any]:
        query = Query(
            filters=[
                Filter("type", "=", RECORDING_TYPE),
                Filter("id", "=", recording_id),
                Filter("status", "=", RecordingStatus.STORED.value),
            ]
        )
        continuation: str | None = None
        while True:  # a cross-partition query may answer empty pages before the match
            page = self._store.query(SUBJECTS.name, (tenant_id,), query, 10, continuation)
            if page.items:
                return page.items[0]
            continuation = page.continuation
            if not continuation:
                raise NotFound("no such recording")
