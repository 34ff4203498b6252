"""The recording upload: ``multipart/form-data`` with a ``metadata`` part (JSON) and an
``audio`` part, parsed as a stream with python-multipart (the parser Starlette uses).

The audio is never copied whole: the parser reports where the audio's bytes lie in the body,
and those views are sealed chunk by chunk (``shared.recordings.audio``). Sizes are bounded
before anything is stored: the body by the route (``MAX_BODY_BYTES``), the metadata part to
4 KiB, the audio to ``MAX_AUDIO_BYTES``, two parts and eight headers per part. Errors name
the part (``/metadata/...``, ``/audio``), never a value the client sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import TypeAdapter, ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from shared.errors import BadRequest, FieldError, PayloadTooLarge
from shared.recordings.audio import MAX_AUDIO_BYTES
from shared.recordings.models import MediaType, RecordingMetadata
from shared.validation import parse_model

MAX_METADATA_BYTES = 4096
MAX_BODY_BYTES = MAX_AUDIO_BYTES + 64 * 1024
"""The route's limit: the audio plus the metadata and the multipart framing."""
_MEDIA_TYPE: TypeAdapter[str] = TypeAdapter(MediaType)


@dataclass
class Upload:
    metadata: RecordingMetadata
    audio: list[memoryview]
    """Views of the audio's bytes, in order (into the body where the parser allows)."""
    media_type: str
    size: int


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    data: list[memoryview] = field(default_factory=list)
    size: int = 0


class _Collector:
    """python-multipart callbacks: each part's headers and where its bytes are."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self.parts: list[_Part] = []
        self._field = bytearray()
        self._value = bytearray()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": self._data,
        }

    def _part_begin(self) -> None:
        if len(self.parts) == 2:  # a flood of tiny parts is refused at the third
            raise BadRequest(
                "the body holds a part other than one metadata and one audio",
                errors=[FieldError("/part[3]", "unexpected part")],
            )
        self.parts.append(_Part())

    def _header_end(self) -> None:
        name = self._field.decode("latin-1").strip().lower()
        self.parts[-1].headers[name] = self._value.decode("latin-1").strip()
        self._field.clear()
        self._value.clear()

    def _data(self, data: bytes, start: int, end: int) -> None:
        part = self.parts[-1]
        # a view into the body; the parser's own look-behind buffer is reused, so copied
        view = memoryview(data)[start:end] if data is self._body else memoryview(data[start:end])
        part.size += end - start
        if part.size > MAX_AUDIO_BYTES:
            raise PayloadTooLarge(f"the audio exceeds {MAX_AUDIO_BYTES} bytes")
        part.data.append(view)


def _boundary(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadRequest("the body must be multipart/form-data with parts metadata and audio")
    return boundary


def _name(part: _Part) -> str | None:
    kind, options = parse_options_header(part.headers.get("content-disposition", ""))
    name = options.get(b"name")
    return name.decode("latin-1") if kind == b"form-data" and name else None


def _parts(content_type: str | None, body: bytes) -> dict[str, _Part]:
    collector = _Collector(body)
    parser = MultipartParser(_boundary(content_type), collector.callbacks())  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError:
        raise BadRequest("the body is not valid multipart/form-data") from None
    found: dict[str, _Part] = {}
    for position, part in enumerate(collector.parts, start=1):
        part.name = _name(part)
        if part.name not in ("metadata", "audio") or part.name in found:
            raise BadRequest(
                "the body holds a part other than one metadata and one audio",
                errors=[FieldError(f"/part[{position}]", "unexpected part")],
            )
        found[part.name] = part
    return found


def parse_upload(content_type: str | None, body: bytes) -> Upload:
    parts = _parts(content_type, body)
    missing = [FieldError(f"/{n}", "required") for n in ("metadata", "audio") if n not in parts]
    if missing:
        raise BadRequest("the body needs a metadata and an audio part", errors=missing)
    meta, audio = parts["metadata"], parts["audio"]
    if meta.size > MAX_METADATA_BYTES:
        raise BadRequest(
            f"the metadata part exceeds {MAX_METADATA_BYTES} bytes",
            errors=[FieldError("/metadata", "too long")],
        )
    try:
        metadata = parse_model(b"".join(meta.data), RecordingMetadata)
    except BadRequest as exc:
        exc.errors = [FieldError(f"/metadata{e.path.rstrip('/')}", e.message) for e in exc.errors]
        raise
    media_type = audio.headers.get("content-type", "application/octet-stream")
    try:
        media_type = _MEDIA_TYPE.validate_python(media_type.split(";")[0].strip().lower())
    except ValidationError:
        raise BadRequest(
            "the audio part must be audio/* (or application/octet-stream)",
            errors=[FieldError("/audio", "not an audio media type")],
        ) from None
    if not audio.size:
        raise BadRequest("the audio part is empty", errors=[FieldError("/audio", "empty")])
    return Upload(metadata, audio.data, media_type, audio.size)
