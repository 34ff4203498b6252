"""Call recordings (API.md v1.1): the telephony service posts them, a privacy admin listens.

Upload: ``multipart/form-data`` (``metadata`` JSON and ``audio``), at most 64 MiB of audio; the
body is bounded before it is read (413), parsed as a stream and sealed chunk by chunk. Download:
the audio or one byte range of it (``Range``), opened chunk by chunk; every read is audited.
"""

from __future__ import annotations

import mimetypes

import azure.functions as func

from functions._http import admin, answers_problems, json_response, limits_body, services
from shared.auth import Role
from shared.recordings.upload import MAX_BODY_BYTES, parse_upload

bp = func.Blueprint()
ROUTE = "v1/tenants/{tenantId}/recordings"


@bp.route(route=ROUTE, methods=["POST"])
@answers_problems
@limits_body(MAX_BODY_BYTES)
def store_recording(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id = req.route_params["tenantId"]
    principal = admin(req, {Role.TELEPHONY_INGEST}, tenant_id, "recording.store")
    upload = parse_upload(req.headers.get("content-type"), req.get_body())
    created = services().recordings.record(principal, tenant_id, upload)
    return json_response(created, status=201)


@bp.route(route=ROUTE + "/{recordingId}/audio", methods=["GET"])
@answers_problems
def download_recording_audio(req: func.HttpRequest) -> func.HttpResponse:
    tenant_id, recording_id = req.route_params["tenantId"], req.route_params["recordingId"]
    principal = admin(req, {Role.PRIVACY_ADMIN}, tenant_id, "recording.audio.read")
    wanted = req.headers.get("range")
    answer = services().recordings.audio(principal, tenant_id, recording_id, wanted)
    extension = mimetypes.guess_extension(answer.media_type) or ".bin"
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{recording_id}{extension}"',
    }
    if answer.span.partial:
        headers["Content-Range"] = answer.span.content_range(answer.total)
    return func.HttpResponse(
        answer.body,
        status_code=206 if answer.span.partial else 200,
        mimetype=answer.media_type,
        headers=headers,
    )
