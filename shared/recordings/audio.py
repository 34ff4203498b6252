"""Recording audio in the region's blob store: sealed chunks, named by ids only.

Each chunk is AES-256-GCM under the subject's data key, with the tenant, subject, recording,
the chunk's index and whether it is the last one in its associated data (the STREAM
construction): a chunk moved to another recording or place, a reordering, or a recording cut
short all fail to open. Erasing the subject destroys its key, so every chunk left anywhere
(a backup, a blob a crash kept) is unreadable from then on; the chunks are deleted as well.

Blobs: ``recordings/<tenantId>/<subjectId>/<recordingId>/<index>`` in the exports container
(the only container the app's storage adapter manages; the lifecycle rules there touch
``dsar/`` and ``offboarding/`` only).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from shared.crypto.envelope import FieldCipher
from shared.ports.blob_store import BlobStore

CONTAINER = "exports"
PREFIX = "recordings"
CHUNK_BYTES = 256 * 1024
"""Plaintext per chunk: small enough that a range read opens little, large enough that a
64 MiB recording is 256 blobs."""
MAX_AUDIO_BYTES = 64 * 1024 * 1024
"""The largest recording accepted (about 70 minutes of 128 kbit/s audio); bigger is a 413."""


def tenant_prefix(tenant_id: str) -> str:
    return f"{PREFIX}/{tenant_id}/"


def subject_prefix(tenant_id: str, subject_id: str) -> str:
    return f"{PREFIX}/{tenant_id}/{subject_id}/"


def recording_prefix(tenant_id: str, subject_id: str, recording_id: str) -> str:
    return f"{PREFIX}/{tenant_id}/{subject_id}/{recording_id}/"


def chunk_name(tenant_id: str, subject_id: str, recording_id: str, index: int) -> str:
    return f"{recording_prefix(tenant_id, subject_id, recording_id)}{index:06d}"


def _place(index: int, last: bool) -> str:
    """The associated data's field: the chunk's index and whether the recording ends there."""
    return f"audio\x1f{index}\x1f{'last' if last else 'more'}"


def chunked(pieces: Iterable[memoryview], size: int = CHUNK_BYTES) -> Iterator[memoryview]:
    """The audio regrouped into chunks of ``size`` bytes (the last one shorter); only a chunk's
    worth of bytes is ever copied."""
    pending = bytearray()
    for piece in pieces:
        start = 0
        while start < len(piece):
            if not pending and len(piece) - start >= size:
                yield piece[start : start + size]
                start += size
                continue
            take = min(size - len(pending), len(piece) - start)
            pending += piece[start : start + take]
            start += take
            if len(pending) == size:
                yield memoryview(bytes(pending))
                pending.clear()
    if pending:
        yield memoryview(bytes(pending))


@dataclass(frozen=True)
class StoredAudio:
    chunks: int
    bytes: int


class AudioChunks:
    """Seal and write, read and open, or delete one recording's chunks."""

    def __init__(self, blobs: BlobStore) -> None:
        self._blobs = blobs

    def write(
        self, cipher: FieldCipher, recording_id: str, pieces: Iterable[memoryview]
    ) -> StoredAudio:
        """Seal each chunk as it comes (one chunk held back, to know which one is last)."""
        count, total = 0, 0
        held: memoryview | None = None
        for chunk in chunked(pieces):
            if held is not None:
                self._put(cipher, recording_id, count, held, last=False)
                count += 1
            held, total = chunk, total + len(chunk)
        if held is not None:
            self._put(cipher, recording_id, count, held, last=True)
            count += 1
        return StoredAudio(count, total)

    def _put(
        self, cipher: FieldCipher, recording_id: str, index: int, data: memoryview, last: bool
    ) -> None:
        sealed = cipher.seal_bytes(recording_id, _place(index, last), data)
        name = chunk_name(cipher.tenant_id, cipher.subject_id, recording_id, index)
        self._blobs.put(CONTAINER, name, sealed)

    def read(self, cipher: FieldCipher, recording_id: str, index: int, count: int) -> bytes:
        """Chunk ``index`` of ``count``, opened (``DecryptionFailed`` if it was tampered with,
        moved, or the recording was cut short)."""
        name = chunk_name(cipher.tenant_id, cipher.subject_id, recording_id, index)
        sealed = self._blobs.get(CONTAINER, name)
        return cipher.open_bytes(recording_id, _place(index, index == count - 1), sealed)

    def stream(self, cipher: FieldCipher, recording_id: str, count: int) -> Iterator[bytes]:
        """Every chunk in order, opened one at a time."""
        for index in range(count):
            yield self.read(cipher, recording_id, index, count)

    def delete_prefix(self, prefix: str) -> int:
        """Delete every chunk under ``prefix`` (a recording, a subject or a tenant)."""
        names = self._blobs.list(CONTAINER, prefix)
        return sum(self._blobs.delete(CONTAINER, name) for name in names)

    def names(self, prefix: str) -> list[str]:
        return self._blobs.list(CONTAINER, prefix)
