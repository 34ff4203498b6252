"""On Azure export packages go from Blob Storage straight to the admin's browser: the DSAR and
offboarding download routes answer 303 to a short-lived read-only link (here against Azurite),
audit that a link was handed out, and never write the link (a bearer secret) anywhere."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest

from shared.auth import Grant, Principal
from shared.dsar.models import DsarCreate
from tests.adapters.conftest import LocalAzurite, http_get, key_store
from tests.app_client import AppClient
from tests.conftest import with_ports
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import (
    EMAIL,
    as_role,
    assert_nothing_planted,
    audit_entries,
    plant,
)

OPERATOR = as_role("Privacy.Operator")


def completed_access_request(client: AppClient, tenant_id: str) -> str:
    """The orchestration's steps, run in order (the orchestrator itself is tested elsewhere)."""
    services = client.services
    cmd = DsarCreate.model_validate({"type": "access", "identifiers": {"email": EMAIL}})
    admin = Principal("oid-admin", frozenset({Grant("Privacy.Admin", "*")}))
    request_id = services.dsar_admin.submit(admin, tenant_id, cmd)
    plan = services.dsar_steps.register(tenant_id, request_id)
    services.dsar_steps.start(tenant_id, request_id)
    results = [
        services.dsar_steps.run_category(tenant_id, request_id, c) for c in plan["categories"]
    ]
    services.dsar_steps.finish(tenant_id, request_id, results)
    return request_id


@pytest.fixture
def tenant(client: AppClient, local_azurite: LocalAzurite) -> dict[str, Any]:
    """A tenant with planted data, on a stamp whose exports live in Blob Storage (Azurite)."""
    with_ports(client, blobs=key_store(local_azurite))  # before anything writes an export
    tenant: dict[str, Any] = client.call(
        "create_tenant",
        headers=as_role("Platform.Admin"),
        body={"name": "Shop", "region": "eu", "allowedOrigins": ["https://shop.example"]},
    ).json()
    plant(client, tenant, "v-subject", events=3)
    return tenant


def zip_download(client: AppClient, route: dict[str, str]) -> Any:
    return client.call(
        "download_dsar_export", "GET", headers=OPERATOR, route=route, params={"format": "zip"}
    )


def test_zip_download_is_a_redirect_to_a_short_lived_link(
    client: AppClient, tenant: dict[str, Any], local_azurite: LocalAzurite, clock: FakeClock
) -> None:
    request_id = completed_access_request(client, tenant["tenantId"])
    route = {"tenantId": tenant["tenantId"], "requestId": request_id}

    answer = zip_download(client, route)
    assert answer.status == 303 and answer.headers["Cache-Control"] == "no-store"
    link = answer.headers["Location"]
    assert link.startswith("https://") and "sp=r" in link
    status, body, headers = http_get(link, local_azurite.cert)
    assert status == 200 and headers["content-disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert EMAIL in archive.read("contact.json").decode()
    assert len(json.loads(archive.read("behaviour.json"))) == 3

    as_json = client.call("download_dsar_export", "GET", headers=OPERATOR, route=route)
    assert as_json.status == 200 and as_json.json()["requestId"] == request_id  # JSON: direct

    entries = audit_entries(client, tenant["tenantId"])
    linked = [e for e in entries if e["action"] == "dsar.export.linked"]
    assert len(linked) == 1 and linked[0]["details"] == {"expiresInSeconds": 900}
    written = json.dumps(entries)
    assert "sig=" not in written and link.split("?")[0] not in written
    assert_nothing_planted(written)

    clock.advance(timedelta(days=7, seconds=1))
    expired = zip_download(client, route)
    assert expired.status == 410 and "Location" not in expired.headers


def test_with_links_off_the_app_serves_the_zip_itself(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    client.services.settings.export_links = False  # storage reachable only privately
    with_ports(client)  # the app is composed from its settings
    request_id = completed_access_request(client, tenant["tenantId"])
    answer = zip_download(client, {"tenantId": tenant["tenantId"], "requestId": request_id})
    assert answer.status == 200 and answer.headers["Content-Type"] == "application/zip"
    assert EMAIL in zipfile.ZipFile(io.BytesIO(answer.body)).read("contact.json").decode()


def test_offboarding_download_is_a_redirect_to_the_streamed_package(
    client: AppClient, tenant: dict[str, Any], local_azurite: LocalAzurite, clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    admin = as_role("Privacy.Admin")
    contract_end = clock.now() + timedelta(days=1)
    body = {"contractEnd": contract_end.isoformat()}
    started = client.call("start_offboarding", headers=admin, route={"tenantId": tid}, body=body)
    assert started.status == 202
    clock.advance(timedelta(days=1, minutes=1))
    client.run_timer("advance_offboarding")

    answer = client.call(
        "download_offboarding_export", "GET", headers=admin, route={"tenantId": tid}
    )
    assert answer.status == 303 and answer.headers["Cache-Control"] == "no-store"
    status, package, _ = http_get(answer.headers["Location"], local_azurite.cert)
    assert status == 200
    archive = zipfile.ZipFile(io.BytesIO(package))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data.splitlines()) == entry["records"]
    assert {f["category"]: f["records"] for f in manifest["files"]}["behaviour"] == 3
    assert EMAIL in archive.read("contact.jsonl").decode()
    entries = audit_entries(client, tid)
    assert [e["details"] for e in entries if e["action"] == "offboarding.linked"] == [
        {"expiresInSeconds": 900}
    ]
    assert "sig=" not in json.dumps(entries)
