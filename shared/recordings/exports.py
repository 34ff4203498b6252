"""A recording as an export shows it: its audio file, opened chunk by chunk into the package
(an access request's zip, the offboarding export), never whole in memory."""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Iterator
from typing import Any, BinaryIO

from shared.crypto.envelope import FieldCipher
from shared.recordings.audio import AudioChunks
from shared.recordings.models import RECORDING_TYPE, RecordingStatus

FOLDER = "recordings"


def has_audio(item: dict[str, Any]) -> bool:
    """A recording document whose chunks are all written."""
    return item.get("type") == RECORDING_TYPE and item.get("status") == RecordingStatus.STORED


def audio_file(item: dict[str, Any]) -> str:
    """The file's name in a package: ids only, the extension from the media type."""
    extension = mimetypes.guess_extension(item.get("mediaType", "")) or ".bin"
    return f"{FOLDER}/{item['id']}{extension}"


def audio_chunks(audio: AudioChunks, cipher: FieldCipher, item: dict[str, Any]) -> Iterator[bytes]:
    return audio.stream(cipher, item["id"], item["chunks"])


class ChunkReader(io.RawIOBase):
    """A binary file over an iterator of byte strings (what ``BlobStore.put`` reads in
    chunks), so an opened recording goes into a staged export without being joined."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def chunk_file(chunks: Iterator[bytes]) -> BinaryIO:
    """The chunks as a readable binary file (buffered, as ``BlobStore.put`` expects)."""
    return io.BufferedReader(ChunkReader(chunks))
