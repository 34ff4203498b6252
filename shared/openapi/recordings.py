"""Operations of call recordings (API.md v1.1, "Smaller additions")."""

from __future__ import annotations

from shared.openapi.operation import ADMIN_ERRORS, Operation
from shared.recordings.models import RecordingCreated, RecordingUpload

_R = "/api/v1/tenants/{tenantId}/recordings"

RECORDINGS: tuple[Operation, ...] = (
    Operation(
        "post",
        _R,
        "store_recording",
        "Store a call recording (multipart: metadata JSON and audio, at most 64 MiB of audio), "
        "sealed in chunks under the subject's data key; 409 when the tenant switched recording "
        "off or the subject's processing is restricted (nothing is stored)",
        201,
        RecordingCreated,
        RecordingUpload,
        ("Telephony.Ingest",),
        errors=(*ADMIN_ERRORS, 409),
        multipart={"metadata": "application/json", "audio": "audio/*, application/octet-stream"},
    ),
    Operation(
        "get",
        _R + "/{recordingId}/audio",
        "download_recording_audio",
        "The recording's audio (or one byte range of it with Range: bytes=a-b, answered 206), "
        "audited",
        200,
        None,
        roles=("Privacy.Admin",),
        media="audio/*",
        ranges=True,
    ),
)
