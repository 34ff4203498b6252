"""Sealed audio chunks: bound to their recording and place, so nothing can be moved, reordered
or cut short; and the regrouping into chunks copies no more than a chunk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.dir_blobs import DirectoryBlobStore
from shared.crypto.envelope import DecryptionFailed, FieldCipher, new_data_key
from shared.recordings.audio import CONTAINER, AudioChunks, chunk_name, chunked

KEY = new_data_key()


def chunks(tmp_path: Path) -> tuple[AudioChunks, DirectoryBlobStore]:
    blobs = DirectoryBlobStore(tmp_path / "blobs")
    return AudioChunks(blobs), blobs


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=50), max_size=12), st.integers(1, 17))
def test_chunks_hold_every_byte_in_order_and_only_the_last_is_short(
    pieces: list[bytes], size: int
) -> None:
    out = [bytes(c) for c in chunked((memoryview(p) for p in pieces), size)]
    assert b"".join(out) == b"".join(pieces)
    assert all(len(c) == size for c in out[:-1]) and all(0 < len(c) <= size for c in out)


def test_a_piece_of_whole_chunks_is_not_copied() -> None:
    body = memoryview(os.urandom(40))
    out = list(chunked([body], 10))
    assert all(c.obj is body.obj for c in out)


def test_audio_round_trips_and_no_chunk_holds_plaintext(tmp_path: Path) -> None:
    audio, blobs = chunks(tmp_path)
    cipher = FieldCipher(KEY, "t-1", "s-1")
    data = os.urandom(600_000)
    stored = audio.write(cipher, "rec-1", [memoryview(data)])
    assert (stored.chunks, stored.bytes) == (3, len(data))
    assert b"".join(audio.stream(cipher, "rec-1", 3)) == data
    for index in range(3):
        assert data[index * 262_144 : index * 262_144 + 32] not in blobs.get(
            CONTAINER, chunk_name("t-1", "s-1", "rec-1", index)
        )


def test_a_swapped_moved_or_truncated_chunk_does_not_open(tmp_path: Path) -> None:
    audio, blobs = chunks(tmp_path)
    cipher = FieldCipher(KEY, "t-1", "s-1")
    audio.write(cipher, "rec-1", [memoryview(os.urandom(600_000))])
    audio.write(cipher, "rec-2", [memoryview(os.urandom(600_000))])
    first, second = (blobs.get(CONTAINER, chunk_name("t-1", "s-1", "rec-1", i)) for i in (0, 1))
    blobs.put(CONTAINER, chunk_name("t-1", "s-1", "rec-1", 0), second)
    with pytest.raises(DecryptionFailed):  # reordered
        audio.read(cipher, "rec-1", 0, 3)
    blobs.put(CONTAINER, chunk_name("t-1", "s-1", "rec-1", 0), first)
    moved = blobs.get(CONTAINER, chunk_name("t-1", "s-1", "rec-2", 0))
    blobs.put(CONTAINER, chunk_name("t-1", "s-1", "rec-1", 0), moved)
    with pytest.raises(DecryptionFailed):  # from another recording
        audio.read(cipher, "rec-1", 0, 3)
    with pytest.raises(DecryptionFailed):  # cut short: chunk 1 was not sealed as the last
        audio.read(cipher, "rec-1", 1, 2)
    with pytest.raises(DecryptionFailed):  # another subject's key
        audio.read(FieldCipher(new_data_key(), "t-1", "s-1"), "rec-2", 2, 3)


def test_deleting_a_prefix_removes_exactly_its_chunks(tmp_path: Path) -> None:
    audio, _ = chunks(tmp_path)
    cipher = FieldCipher(KEY, "t-1", "s-1")
    audio.write(cipher, "rec-1", [memoryview(b"a" * 10)])
    audio.write(cipher, "rec-2", [memoryview(b"b" * 10)])
    assert audio.delete_prefix("recordings/t-1/s-1/rec-1/") == 1
    assert audio.names("recordings/t-1/") == ["recordings/t-1/s-1/rec-2/000000"]
