"""Call recordings (seed 003: the client may switch recording off; recordings are encrypted and
can be deleted): what the telephony service sends, what is stored, what is answered.

The audio never sits anywhere in the clear: it is sealed in chunks under the subject's data key
as it is parsed, each chunk bound to its recording and its place. The metadata document lives
in the subject's partition (category ``recording``), so erasure, retention and offboarding
treat a recording like every other item of the subject.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.lifecycle import Lifecycle
from shared.timestamps import Timestamp

PseudoId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")]
MediaType = Annotated[
    str, Field(max_length=100, pattern=r"^(audio/[A-Za-z0-9.+\-]+|application/octet-stream)$")
]


RECORDING_TYPE = "recording"
"""The item ``type`` of a recording's metadata document (its index: no document, no audio)."""


class RecordingMetadata(BaseModel):
    """The ``metadata`` part of the upload (JSON)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    callId: PseudoId
    """The telephony system's id of the call (stored encrypted: it can lead back to a number)."""
    visitorId: PseudoId
    """The widget visitor whose call this is: the recording joins that subject's data."""
    startedAt: Timestamp
    durationSeconds: int = Field(ge=0, le=86_400)


class RecordingUpload(BaseModel):
    """``multipart/form-data``: ``metadata`` (application/json) and ``audio`` (audio/*).

    Only describes the request body in the OpenAPI document; the body is parsed as a stream
    (``shared.recordings.upload``)."""

    metadata: RecordingMetadata
    audio: bytes = Field(description="The recording, audio/* (at most 64 MiB).")


class RecordingCreated(BaseModel):
    recordingId: str
    bytes: int
    chunks: int


class RecordingStatus(StrEnum):
    RECEIVING = "receiving"
    """The document exists, its chunks are being written; nothing reads it yet."""
    STORED = "stored"


RECORDING = Lifecycle(
    "recording",
    RecordingStatus.RECEIVING,
    {
        RecordingStatus.RECEIVING: frozenset({RecordingStatus.STORED}),
        RecordingStatus.STORED: frozenset(),
    },
)
"""A recording is readable once every chunk is written; an upload that never completes is
removed by the sweep (its document and whatever chunks it wrote)."""
