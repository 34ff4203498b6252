"""Call recordings in-process (seed 003, API.md v1.1): switched off means 409 and nothing
stored; switched on, the audio is sealed in chunks, read back exactly, in ranges, audited."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.containers import SUBJECTS
from shared.ports.document_store import PatchOp
from shared.recordings.audio import CHUNK_BYTES, MAX_AUDIO_BYTES
from tests.app_client import AppClient, principal
from tests.conftest import PLATFORM, PRIVACY_ADMIN, collect_body, widget_headers
from tests.fakes import FakeClock
from tests.functions.test_dsar import OPERATOR, Dsar
from tests.recording_upload import metadata, multipart, planted_audio, telephony
from tests.stored import stored_records


def _enable(client: AppClient, tenant_id: str, on: bool = True) -> None:
    answer = client.call("update_tenant", "PATCH", body={"recordingEnabled": on},
                         headers=PLATFORM, route={"tenantId": tenant_id})
    assert answer.status == 200, answer.body


def post(client: AppClient, tenant_id: str, body: bytes, headers: dict[str, str],
         who: dict[str, str] | None = None) -> Any:
    return client.call("store_recording", raw=body, headers={**(who or telephony(tenant_id)),
                       **headers}, route={"tenantId": tenant_id})


def audio_of(client: AppClient, tenant_id: str, recording_id: str, **headers: str) -> Any:
    return client.call("download_recording_audio", "GET", headers={**PRIVACY_ADMIN, **headers},
                       route={"tenantId": tenant_id, "recordingId": recording_id})


def blob_files(client: AppClient) -> list[Path]:
    root = client.services.settings.data_dir
    return [p for p in root.rglob("*") if p.is_file() and "recordings" in p.parts]


def nothing_recorded(client: AppClient, tenant_id: str) -> bool:
    return not stored_records(client.services.store, tenant_id, "recording") and not blob_files(
        client
    )


def test_recording_switched_off_is_409_and_nothing_is_stored(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    body, headers = multipart(metadata(), planted_audio(1000))
    answer = post(client, tid, body, headers)
    assert answer.status == 409, answer.body
    assert "switched off" in answer.json()["detail"]
    assert stored_records(client.services.store, tid) == []  # not even a subject
    assert blob_files(client) == []
    [refused] = client.services.audit_for("eu").entries(tid, action="recording.refused").items
    assert refused["outcome"] == "denied" and refused["details"] == {"reason": "recording off"}


def test_a_recording_is_sealed_in_chunks_and_read_back_exactly(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    audio = planted_audio(3 * CHUNK_BYTES + 1234)
    body, headers = multipart(metadata(), audio)
    answer = post(client, tid, body, headers)
    assert answer.status == 201, answer.body
    created = answer.json()
    assert created["bytes"] == len(audio) and created["chunks"] == 4
    [doc] = stored_records(client.services.store, tid, "recording")
    assert doc["category"] == "recording" and doc["status"] == "stored"
    assert doc["ttl"] == 90 * 86400 and "call-0042" not in json.dumps(doc)
    files = blob_files(client)
    assert len(files) == 4
    assert all(audio[i : i + 64] not in f.read_bytes() for f in files for i in (0, CHUNK_BYTES))

    full = audio_of(client, tid, created["recordingId"])
    assert full.status == 200 and full.body == audio
    assert full.headers["Content-Type"] == "audio/mpeg"
    assert full.headers["Accept-Ranges"] == "bytes"
    start, end = CHUNK_BYTES - 10, 2 * CHUNK_BYTES + 5
    part = audio_of(client, tid, created["recordingId"], Range=f"bytes={start}-{end}")
    assert part.status == 206 and part.body == audio[start : end + 1]
    assert part.headers["Content-Range"] == f"bytes {start}-{end}/{len(audio)}"
    tail = audio_of(client, tid, created["recordingId"], Range="bytes=-100")
    assert tail.status == 206 and tail.body == audio[-100:]
    outside = audio_of(client, tid, created["recordingId"], Range=f"bytes={len(audio)}-")
    assert outside.status == 416 and outside.headers["Content-Range"] == f"bytes */{len(audio)}"

    actions = [e["action"] for e in client.services.audit_for("eu").entries(tid, limit=20).items]
    assert actions.count("recording.audio.read") == 3 and "recording.stored" in actions


def test_the_recording_joins_the_visitors_subject(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    body, headers = multipart(metadata("v-1"), planted_audio(100))
    assert post(client, tid, body, headers).status == 201
    [doc] = stored_records(client.services.store, tid, "recording")
    found = client.services.visitors.find(tid, "v-1")
    assert doc["subjectId"] == found.subject_id and found.doc is not None
    assert any(i.startswith("visitor:") for i in found.doc["indexIds"])


def test_a_restricted_subject_gets_no_recording(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    subject = client.services.visitors.find(tid, "v-caller").subject_id
    client.services.subject_keys.cipher_or_create(tid, subject)
    flag = [PatchOp("set", "/flags/restricted", True)]
    client.services.store.patch(SUBJECTS.name, (tid, subject), "subject", flag)
    body, headers = multipart(metadata(), planted_audio(100))
    assert post(client, tid, body, headers).status == 409
    assert nothing_recorded(client, tid)


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: multipart(metadata(), None), "/audio"),
        (lambda: multipart(None, b"abc"), "/metadata"),
        (lambda: multipart(metadata(), b""), "/audio"),
        (lambda: multipart(metadata(), b"abc", extra_parts=1), "/part[3]"),
        (lambda: multipart(metadata(), b"abc", media_type="text/html"), "/audio"),
        (lambda: multipart(metadata(durationSeconds=-1), b"abc"), "/metadata/durationSeconds"),
        (lambda: multipart(metadata(visitorId="jean@example.com"), b"abc"),
         "/metadata/visitorId"),
        (lambda: multipart(b"{not json", b"abc"), None),
        (lambda: multipart(b"x" * 5000, b"abc"), "/metadata"),
    ],
)
def test_bad_uploads_are_400_and_store_nothing(
    client: AppClient, tenant: dict[str, Any], build: Any, path: str | None
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    body, headers = build()
    answer = post(client, tid, body, headers)
    assert answer.status == 400, answer.body
    problem = answer.json()
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    if path:
        assert path in [e["path"] for e in problem["errors"]], problem
    assert "jean@example.com" not in answer.body.decode()
    assert nothing_recorded(client, tid)


def test_a_body_that_is_not_multipart_is_400(client: AppClient, tenant: dict[str, Any]) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    answer = post(client, tid, b'{"a": 1}', {"Content-Type": "application/json"})
    assert answer.status == 400 and "multipart/form-data" in answer.json()["detail"]
    cut = {"Content-Type": "multipart/form-data; boundary=b"}
    broken = post(client, tid, b"--b\r\nno end", cut)
    assert broken.status == 400


def test_audio_over_the_limit_is_413(client: AppClient, tenant: dict[str, Any]) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    body, headers = multipart(metadata(), bytes(MAX_AUDIO_BYTES + 1))
    answer = post(client, tid, body, headers)
    assert answer.status == 413, answer.body[:200]
    assert blob_files(client) == []


def test_only_the_telephony_role_posts_and_only_a_privacy_admin_listens(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    body, headers = multipart(metadata(), planted_audio(100))
    assert post(client, tid, body, headers, who=PRIVACY_ADMIN).status == 403
    created = post(client, tid, body, headers).json()
    refused = client.call("download_recording_audio", "GET", headers=telephony(tid),
                          route={"tenantId": tid, "recordingId": created["recordingId"]})
    assert refused.status == 403
    other = {"X-MS-CLIENT-PRINCIPAL": principal("Telephony.Ingest", tenants=("t-other",))}
    assert post(client, tid, body, headers, who=other).status == 403
    assert audio_of(client, tid, "rec-unknown").status == 404
    elsewhere = client.call("create_tenant", body={"name": "B", "allowedOrigins": []},
                            headers=PLATFORM).json()["tenantId"]
    assert audio_of(client, elsewhere, created["recordingId"]).status == 404  # not B's


def test_access_exports_the_audio_file_and_erasure_deletes_it(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    audio = planted_audio(300_000)
    body, headers = multipart(metadata("v-subject"), audio)
    created = post(client, tid, body, headers).json()
    dsar = Dsar(client, tenant, clock)
    access = json.loads(
        dsar.start({"type": "access", "identifiers": {"visitorId": "v-subject"}}).get_body()
    )
    status = dsar.status(access["requestId"])
    counts = {c["category"]: c["records"] for c in status["result"]["categories"]}
    assert status["status"] == "completed" and counts["recording"] == 1
    route = {"tenantId": tid, "requestId": access["requestId"]}
    package = client.call("download_dsar_export", "GET", headers=OPERATOR, route=route,
                          params={"format": "zip"})
    archive = zipfile.ZipFile(io.BytesIO(package.body))
    name = f"recordings/{created['recordingId']}.mp3"
    assert archive.read(name) == audio
    [record] = json.loads(archive.read("recording.json"))
    assert record["audioFile"] == name and record["callId"] == "call-0042"
    manifest = json.loads(archive.read("manifest.json"))
    assert name in [f["name"] for f in manifest["files"]]

    erasure = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"visitorId": "v-subject"}}).get_body()
    )
    dsar.verify(erasure["requestId"])  # the two-person rule: an identity check first
    assert dsar.decide(erasure["requestId"], True).status_code == 202
    assert dsar.status(erasure["requestId"])["status"] == "completed"
    assert stored_records(client.services.store, tid, "recording") == []
    assert [p for p in blob_files(client) if "dsar" not in p.parts] == []
    assert audio_of(client, tid, created["recordingId"]).status == 404


def test_a_recording_past_its_period_loses_its_audio_at_the_next_sweep(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    body, headers = multipart(metadata(), planted_audio(1000))
    created = post(client, tid, body, headers).json()
    clock.advance(timedelta(days=89))
    client.run_timer("sweep_expired_items")
    assert len(blob_files(client)) == 1 and audio_of(client, tid, created["recordingId"]).body
    clock.advance(timedelta(days=1, seconds=1))  # TTL has removed the document
    client.run_timer("sweep_expired_items")
    assert blob_files(client) == []
    trail = client.services.audit_for("eu")
    [swept] = trail.entries(tid, action="retention.sweep-recordings").items
    assert swept["details"] == {"deleted": {"orphanChunks": 1}}


def test_offboarding_exports_the_audio_then_purges_it(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    _enable(client, tid)
    audio = planted_audio(2000)
    body, headers = multipart(metadata(), audio)
    created = post(client, tid, body, headers).json()
    end = (clock.now() + timedelta(hours=1)).isoformat()
    started = client.call("start_offboarding", body={"contractEnd": end}, headers=PRIVACY_ADMIN,
                          route={"tenantId": tid})
    assert started.status == 202, started.body
    clock.advance(timedelta(hours=2))
    assert post(client, tid, body, headers).status == 403  # the contract has ended
    client.run_timer("advance_offboarding")
    package = client.call("download_offboarding_export", "GET", headers=PRIVACY_ADMIN,
                          route={"tenantId": tid})
    archive = zipfile.ZipFile(io.BytesIO(package.body))
    name = f"recordings/{created['recordingId']}.mp3"
    assert archive.read(name) == audio
    assert json.loads(archive.read("manifest.json"))["audio"][0]["name"] == name
    clock.advance(timedelta(days=31))
    client.run_timer("advance_offboarding")
    client.run_timer("advance_offboarding")
    status = client.call("get_offboarding", "GET", headers=PRIVACY_ADMIN, route={"tenantId": tid})
    assert status.json()["phase"] == "purged", status.body
    assert nothing_recorded(client, tid)


def test_call_events_are_kept_as_call_metadata_as_the_records_say(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    body = collect_body(2, "v-caller")
    body["events"][1]["type"] = "call_started"
    assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 202
    client.drain()
    stored = stored_records(client.services.store, tid, "event")
    by_type = {r["eventType"]: r["category"] for r in stored}
    assert by_type == {"page_view": "behaviour", "call_started": "conversation"}
    records = client.call("get_records_of_processing", "GET", headers=PRIVACY_ADMIN,
                          route={"tenantId": tid}).json()
    described = {c["category"]: c["examples"] for c in records["categories"]}
    assert "call_started" in described["conversation"] and "call" not in described["behaviour"]
    assert described["recording"].startswith("call recordings")
    assert {c["category"]: c.get("effectiveDays") for c in records["categories"]}["recording"] == 90


def test_a_tenant_sets_its_recording_period_within_the_operators_ceiling(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    client.services.settings.retention_ceilings = {"recording": 120}
    route = {"tenantId": tid}
    longer = client.call("update_tenant", "PATCH", body={"retention": {"recording": 200}},
                         headers=PRIVACY_ADMIN, route=route)
    assert longer.status == 400 and "recording" in longer.json()["detail"]
    shorter = client.call("update_tenant", "PATCH",
                          body={"retention": {"recording": 30}, "recordingEnabled": True},
                          headers=PLATFORM, route=route)
    assert shorter.status == 200 and shorter.json()["effectiveRetention"]["recording"] == 30
    body, headers = multipart(metadata(), planted_audio(100))
    assert post(client, tid, body, headers).status == 201
    [doc] = stored_records(client.services.store, tid, "recording")
    assert doc["ttl"] == 30 * 86400
