"""Issue 16 end to end: one test per seed promise on the embedded host (its test clock moves
time; MFA is enforced as in the stamp). Admin calls use application identities (exempt from
MFA) unless a test is about a person's sign-in."""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.app_client import principal
from tests.conftest import visitor_secret
from tests.e2e.conftest import E2E_ENV
from tests.e2e.helpers import HostClock, advance, run_function, wait_for
from tests.e2e.host_process import HostProcess
from tests.recording_upload import metadata, multipart, telephony
from tests.stored import region_store, stored_records

pytestmark = pytest.mark.e2e
ORIGIN = "https://shop.example"
PLATFORM = {"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin", oid="oid-platform")}
OPERATOR = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Operator", oid="oid-operator")}
APPROVER = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-approver")}
ADMIN = APPROVER
AUDITOR = {"X-MS-CLIENT-PRINCIPAL": principal("Auditor", oid="oid-auditor")}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    base = tmp_path_factory.mktemp("seeds")
    env = {**E2E_ENV, "PRIVACY_REQUIRE_MFA": "true"}
    process = HostProcess(base / "data", base / "host.log", env, ("--test-clock",))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def api(host: HostProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{host.url}/api", timeout=30) as client:
        yield client


def now(host: HostProcess) -> datetime:
    return HostClock(host).now()


def tenant(api: httpx.Client, **extra: Any) -> dict[str, Any]:
    created = api.post("/v1/tenants", headers=PLATFORM,
                       json={"name": "Shop", "allowedOrigins": [ORIGIN], **extra})
    assert created.status_code == 201, created.text
    return dict(created.json())


def widget(key: str) -> dict[str, str]:
    return {"X-Widget-Key": key, "Origin": ORIGIN, "X-Forwarded-For": "198.51.100.9:4000"}


def contact(api: httpx.Client, shop: dict[str, Any], visitor: str, email: str) -> None:
    body = {"visitorId": visitor, "visitorSecret": visitor_secret(visitor), "email": email,
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "2026-01"}}
    assert api.post("/v1/contacts", headers=widget(shop["widgetKey"]), json=body).status_code == 202


def contacts(api: httpx.Client, tenant_id: str) -> list[dict[str, Any]]:
    answer = api.get(f"/v1/tenants/{tenant_id}/contacts", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def dsar(api: httpx.Client, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    started = api.post(f"/v1/tenants/{tenant_id}/dsar", headers=OPERATOR, json=body)
    assert started.status_code == 202, started.text
    return dict(started.json())


def finished(api: httpx.Client, request: dict[str, Any]) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        status = api.get(request["statusUrl"], headers=OPERATOR).json()
        return status if status["status"] in ("completed", "rejected", "failed") else None

    return dict(wait_for(done, 30, "request finished"))


def files_holding(host: HostProcess, data: bytes, skip: str = "") -> list[str]:
    found = []
    for path in [p for p in host.data_dir.rglob("*") if p.is_file()] + [host.log_path]:
        if skip and skip in str(path):
            continue
        if data in path.read_bytes():
            found.append(str(path.relative_to(host.data_dir.parent)))
    return found


def test_1_recordings_off_409_on_exported_erased_never_in_the_clear(
    api: httpx.Client, host: HostProcess
) -> None:
    shop = tenant(api)
    tid = shop["tenantId"]
    audio = os.urandom(700_000)
    body, headers = multipart(metadata("v-caller"), audio)
    refused = api.post(f"/v1/tenants/{tid}/recordings", content=body,
                       headers={**telephony(tid), **headers})
    assert refused.status_code == 409, refused.text
    assert files_holding(host, audio[:4096]) == []
    assert not list((host.data_dir / "regions").rglob("recordings"))

    switched = api.patch(f"/v1/tenants/{tid}", headers=PLATFORM, json={"recordingEnabled": True})
    assert switched.status_code == 200
    created = api.post(f"/v1/tenants/{tid}/recordings", content=body,
                       headers={**telephony(tid), **headers})
    assert created.status_code == 201, created.text
    recording_id = created.json()["recordingId"]
    listened = api.get(f"/v1/tenants/{tid}/recordings/{recording_id}/audio", headers=ADMIN)
    assert listened.status_code == 200 and listened.content == audio

    access = finished(api, dsar(api, tid, {"type": "access",
                                           "identifiers": {"visitorId": "v-caller"}}))
    assert access["status"] == "completed", access
    package = api.get(f"/v1/tenants/{tid}/dsar/{access['requestId']}/export", headers=OPERATOR,
                      params={"format": "zip"})
    assert zipfile.ZipFile(io.BytesIO(package.content)).read(
        f"recordings/{recording_id}.mp3") == audio
    # the controller's export is the one deliberate clear copy; nothing else holds the audio
    for probe in (audio[:4096], audio[300_000:304_096], audio[-4096:]):
        assert files_holding(host, probe, skip=f"dsar/{access['requestId']}") == []

    erasure = dsar(api, tid, {"type": "erasure", "identifiers": {"visitorId": "v-caller"}})
    wait_for(lambda: api.get(erasure["statusUrl"], headers=OPERATOR).json()["status"]
             == "awaiting_approval", 30, "erasure awaiting approval")
    verified = api.post(f"/v1/tenants/{tid}/dsar/{erasure['requestId']}/verification",
                        headers=OPERATOR, json={"method": "document"})
    assert verified.status_code == 200, verified.text
    decided = api.post(f"/v1/tenants/{tid}/dsar/{erasure['requestId']}/decision",
                       headers=APPROVER, json={"approve": True, "reason": "identity checked"})
    assert decided.status_code == 202, decided.text
    assert finished(api, erasure)["status"] == "completed"
    gone = api.get(f"/v1/tenants/{tid}/recordings/{recording_id}/audio", headers=ADMIN)
    assert gone.status_code == 404
    assert not [p for p in (host.data_dir / "regions").rglob("*")
                if p.is_file() and "recordings" in p.parts]


def test_2_the_contacts_listing_shows_each_leads_consent(
    api: httpx.Client, host: HostProcess
) -> None:
    shop = tenant(api)
    contact(api, shop, "v-lead", "lead@example.org")
    [lead] = wait_for(lambda: contacts(api, shop["tenantId"]), 20, "the lead stored")
    assert lead["consent"]["granted"] is True and lead["consent"]["purposes"] == ["callback"]
    assert lead["consent"]["textVersion"] == "2026-01"
    csv = api.get(f"/v1/tenants/{shop['tenantId']}/contacts", headers=ADMIN,
                  params={"format": "csv"})
    assert csv.status_code == 200 and "consentTextVersion" in csv.text and "2026-01" in csv.text


def test_3_an_objection_on_day_10_is_accepted_under_14_days_refused_under_7(
    api: httpx.Client, host: HostProcess
) -> None:
    current = tenant(api)["tenantId"]
    older = tenant(api, dpaVersion="2025-05 appendix D", objectionWindowDays=7)["tenantId"]
    change = api.post("/v1/subprocessors/changes", headers=PLATFORM, json={
        "kind": "add", "subprocessor": {
            "name": "Mailer Inc", "purpose": "callback confirmations", "location": "EU",
            "dataCategories": ["contact"], "transferSafeguard": "processing in the EU"}})
    assert change.status_code == 201, change.text
    advance(host, "P10D")

    def objection(tenant_id: str) -> httpx.Response:
        return api.post(f"/v1/tenants/{tenant_id}/subprocessor-objections", headers=ADMIN,
                        json={"changeId": change.json()["changeId"], "reason": "EU-only mail"})

    assert objection(current).status_code == 201
    assert objection(older).status_code == 409
    records = api.get(f"/v1/tenants/{older}/records-of-processing", headers=AUDITOR).json()
    assert records["contractTerms"] == {"dpaVersion": "2025-05 appendix D",
                                        "objectionWindowDays": 7}


def test_4_a_tenant_created_without_a_region_is_in_the_eu(api: httpx.Client) -> None:
    shop = tenant(api)
    assert shop["region"] == "eu"
    assert api.get(f"/v1/tenants/{shop['tenantId']}", headers=ADMIN).json()["region"] == "eu"


def test_5_the_notice_document_carries_the_new_incident_facts(
    api: httpx.Client, host: HostProcess
) -> None:
    shop = tenant(api)
    at = now(host)
    reported = api.post("/v1/incidents", headers=PLATFORM, json={
        "detectedAt": at.isoformat(), "startedAt": (at - timedelta(hours=1)).isoformat(),
        "nature": "support export sent to the wrong recipient", "systems": ["support console"],
        "categories": ["contact"], "tenantIds": [shop["tenantId"]],
        "measures": {"taken": ["recipient deleted it"], "proposed": []}, "contact": "DPO desk",
        "subjectCategories": ["callback requesters"],
        "consequences": "unsolicited calls possible", "rootCause": "a mistyped address",
        "remediation": [{"action": "confirm deletion in writing", "status": "in_progress"}]})
    assert reported.status_code == 201, reported.text
    path = f"/v1/incidents/{reported.json()['incidentId']}/notices/{shop['tenantId']}"
    document = api.get(path, headers=PLATFORM, params={"format": "markdown"}).text
    for fact in ("callback requesters", "unsolicited calls possible", "a mistyped address",
                 "| confirm deletion in writing | in_progress |"):
        assert fact in document


def test_6_a_gagged_authority_request_reaches_the_tenant_only_at_its_date(
    api: httpx.Client, host: HostProcess
) -> None:
    tid = tenant(api)["tenantId"]
    until = now(host) + timedelta(days=20)
    recorded = api.post("/v1/authority-requests", headers=PLATFORM, json={
        "authority": "Public prosecutor", "legalBasis": "Art. 60-1 CPP",
        "receivedAt": now(host).isoformat(), "tenantIds": [tid], "categories": ["contact"],
        "gag": {"ordered": True, "until": until.isoformat()}})
    assert recorded.status_code == 201, recorded.text
    notices = f"/v1/tenants/{tid}/authority-notices"
    assert api.get(notices, headers=ADMIN).json()["items"] == []
    advance(host, "P19D")
    run_function(host, "release_authority_notices")
    assert api.get(notices, headers=ADMIN).json()["items"] == []
    trail = api.get(f"/v1/tenants/{tid}/audit", headers=AUDITOR, params={"limit": 1000}).json()
    assert not [e for e in trail["items"] if e["action"] == "authority.notice.released"]
    advance(host, "P1DT1M")
    run_function(host, "release_authority_notices")
    [notice] = api.get(notices, headers=ADMIN).json()["items"]
    assert notice["gagged"] is True and notice["authority"] == "Public prosecutor"


def test_7_a_privileged_action_without_mfa_is_403(api: httpx.Client) -> None:
    claims = [{"typ": "roles", "val": "Platform.Admin"}, {"typ": "tenants", "val": "*"},
              {"typ": "name", "val": "Ada Admin"}, {"typ": "amr", "val": "pwd"},
              {"typ": "oid", "val": "oid-ada"}]
    person = base64.b64encode(json.dumps({"auth_typ": "aad", "claims": claims}).encode())
    body = {"name": "Shop", "allowedOrigins": [ORIGIN]}
    refused = api.post("/v1/tenants", headers={"X-MS-CLIENT-PRINCIPAL": person.decode()},
                       json=body)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/mfa-required")
    claims[3]["val"] = "pwd,mfa"
    person = base64.b64encode(json.dumps({"auth_typ": "aad", "claims": claims}).encode())
    allowed = api.post("/v1/tenants", headers={"X-MS-CLIENT-PRINCIPAL": person.decode()},
                       json=body)
    assert allowed.status_code == 201, allowed.text


def test_9_delete_now_leaves_only_the_certificate(api: httpx.Client, host: HostProcess) -> None:
    shop = tenant(api)
    tid = shop["tenantId"]
    contact(api, shop, "v-leaving", "leaving@example.org")
    wait_for(lambda: contacts(api, tid), 20, "the lead stored")
    end = now(host) + timedelta(hours=1)
    started = api.post(f"/v1/tenants/{tid}/offboarding", headers=ADMIN,
                       json={"contractEnd": end.isoformat(), "mode": "delete_now"})
    assert started.status_code == 202, started.text
    advance(host, "PT2H")  # the offboarding timer is due: the host runs it

    def closed() -> dict[str, Any] | None:
        plan = api.get(f"/v1/tenants/{tid}/offboarding", headers=ADMIN).json()
        return dict(plan) if plan["phase"] == "closed" else None

    plan = wait_for(closed, 30, "offboarding closed")
    certificate = plan["certificate"]
    assert certificate["mode"] == "delete_now" and certificate["export"].startswith("none")
    assert certificate["purge"]["counts"]["deleted.contact"] == 1, plan
    assert api.get(f"/v1/tenants/{tid}/offboarding/export", headers=ADMIN).status_code == 410
    exports = host.data_dir / "regions" / "eu" / "blobs" / "exports" / "offboarding" / tid
    assert not exports.exists()
    with region_store(host.data_dir) as store:
        assert stored_records(store, tid) == []  # only the certificate (and the audit) remain
    verified = api.get(f"/v1/tenants/{tid}/audit/verify", headers=AUDITOR).json()
    assert verified["valid"] is True
