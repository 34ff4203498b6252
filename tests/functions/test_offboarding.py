"""Offboarding in-process: 403 after contract end, checksummed export, purge, certificate."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from shared.containers import AUDIT, INDEX, NOTIFICATIONS, REQUESTS, SUBJECTS
from tests.app_client import AppClient
from tests.conftest import (
    ORIGIN,
    PLATFORM,
    PRIVACY_ADMIN,
    collect_body,
    visitor_secret,
    widget_headers,
)
from tests.fakes import FakeClock
from tests.functions.notify_helpers import deliveries, register, widget_request
from tests.receiver import Receiver, serve

EMAIL, PHONE = "leaving.customer@example.org", "+33 6 55 44 33 22"


def seed(client: AppClient, tenant: dict[str, Any], visitor: str) -> None:
    headers = widget_headers(tenant)
    client.call("collect", body=collect_body(4, visitor), headers=headers)
    client.call(
        "submit_contact",
        headers=headers,
        body={
            "visitorId": visitor,
            "visitorSecret": visitor_secret(visitor),
            "email": EMAIL,
            "phone": PHONE,
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
        },
    )
    client.drain()


def rows(client: AppClient, tenant_id: str, container: str) -> list[dict[str, Any]]:
    return client.services.store.query(container, (tenant_id,), max_items=10_000).items


def lasting(client: AppClient, tenant_id: str) -> set[str]:
    """Ids of a tenant's items that no TTL removes (keys, contacts, consents, index entries)."""
    subjects = {
        i["id"]
        for i in rows(client, tenant_id, SUBJECTS.name)
        if i.get("ttl") == -1 and i.get("type") != "receipt"
    }
    return subjects | {i["id"] for i in rows(client, tenant_id, INDEX.name)}


def test_offboarding_exports_then_purges_only_that_tenant(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    other = client.call(
        "create_tenant",
        headers=PLATFORM,
        body={"name": "Stays", "region": "eu", "allowedOrigins": [ORIGIN]},
    ).json()
    seed(client, tenant, "v-1")
    seed(client, other, "v-2")
    tid = tenant["tenantId"]
    before_other = lasting(client, other["tenantId"])
    contract_end = clock.now() + timedelta(days=1)
    answer = client.call(
        "start_offboarding",
        headers=PRIVACY_ADMIN,
        route={"tenantId": tid},
        body={"contractEnd": contract_end.isoformat()},
    )
    assert answer.status == 202 and answer.json()["phase"] == "scheduled"
    assert (
        client.call("collect", body=collect_body(1), headers=widget_headers(tenant)).status == 202
    )
    client.drain()

    clock.advance(timedelta(days=1, minutes=1))
    assert (
        client.call("collect", body=collect_body(1), headers=widget_headers(tenant)).status == 403
    )
    client.run_timer("advance_offboarding")
    download = client.call(
        "download_offboarding_export", "GET", headers=PRIVACY_ADMIN, route={"tenantId": tid}
    )
    assert download.status == 200 and download.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.body))
    manifest = json.loads(archive.read("manifest.json"))
    for entry in manifest["files"]:
        data = archive.read(entry["name"])
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data.splitlines()) == entry["records"]
    records = {f["category"]: f["records"] for f in manifest["files"]}
    assert records == {"behaviour": 5, "technical": 1, "contact": 1, "consent": 1}  # one session
    assert EMAIL in archive.read("contact.jsonl").decode()

    clock.advance(timedelta(days=30))
    for _ in range(3):
        client.run_timer("advance_offboarding")
    status = client.call("get_offboarding", "GET", headers=PRIVACY_ADMIN, route={"tenantId": tid})
    plan = status.json()
    assert plan["phase"] == "purged"
    assert (
        client.call(
            "download_offboarding_export", "GET", headers=PRIVACY_ADMIN, route={"tenantId": tid}
        ).status
        == 410
    )
    left = rows(client, tid, SUBJECTS.name)
    assert [i["category"] for i in left] == ["consent"]  # proof, until contract end + 3 years
    assert rows(client, tid, INDEX.name) == [] and rows(client, tid, REQUESTS.name) == []
    assert client.services.blobs.list("exports", f"offboarding/{tid}/") == []
    counts = plan["certificate"]["purge"]["counts"]
    assert counts["deleted.contact"] == 1 and counts["deleted.dataKeys"] == 1, counts
    assert counts["kept.consent"] == 1
    audit = json.dumps(rows(client, tid, AUDIT.name))
    for planted in (EMAIL, PHONE, "+33655443322"):
        assert planted not in json.dumps(plan) and planted not in audit
    assert lasting(client, other["tenantId"]) == before_other

    clock.advance(timedelta(days=3 * 365 + 1))
    client.run_timer("advance_offboarding")
    assert rows(client, tid, SUBJECTS.name) == []
    assert client.services.tenants.get(tid).offboarding.phase == "closed"  # type: ignore[union-attr]


def test_delete_now_purges_at_contract_end_with_a_certificate_and_no_export(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    seed(client, tenant, "v-leaving")
    end = (clock.now() + timedelta(hours=1)).isoformat()
    route = {"tenantId": tid}
    body = {"contractEnd": end, "mode": "delete_now"}
    started = client.call("start_offboarding", body=body, headers=PRIVACY_ADMIN, route=route)
    assert started.status == 202 and started.json()["mode"] == "delete_now"
    assert started.json()["exportAvailableUntil"] == started.json()["contractEnd"]
    client.run_timer("advance_offboarding")
    assert client.call("get_offboarding", "GET", headers=PRIVACY_ADMIN,
                       route=route).json()["phase"] == "scheduled"  # not before contract end
    clock.advance(timedelta(hours=2))
    client.run_timer("advance_offboarding")
    plan = client.call("get_offboarding", "GET", headers=PRIVACY_ADMIN, route=route).json()
    assert plan["phase"] == "closed" and "export" not in plan
    certificate = plan["certificate"]
    assert certificate["mode"] == "delete_now" and certificate["export"].startswith("none")
    counts = certificate["purge"]["counts"]
    assert counts["deleted.contact"] == 1 and counts["deleted.consent"] == 1
    assert not any(k.startswith("kept.") for k in counts)
    for container in (SUBJECTS.name, INDEX.name, REQUESTS.name):
        assert rows(client, tid, container) == [], container  # only the certificate is left
    assert client.services.blobs.list("exports", f"offboarding/{tid}") == []
    download = client.call("download_offboarding_export", "GET", headers=PRIVACY_ADMIN,
                           route=route)
    assert download.status == 410 and "without export" in download.json()["detail"]
    actions = [e["action"] for e in rows(client, tid, AUDIT.name) if e.get("type") == "entry"]
    assert "offboarding.deleting" in actions and "offboarding.closed" in actions
    assert "offboarding.exported" not in actions
    assert client.call("get_tenant", "GET", headers=PLATFORM, route=route).json()[
        "status"] == "offboarded"


def test_an_unknown_offboarding_mode_is_a_400(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    body = {"contractEnd": "2031-01-01T00:00:00Z", "mode": "keep_forever"}
    answer = client.call("start_offboarding", body=body, headers=PRIVACY_ADMIN,
                         route={"tenantId": tenant["tenantId"]})
    assert answer.status == 400 and answer.json()["errors"][0]["path"] == "/mode"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


def test_the_purge_deletes_the_tenant_s_webhooks_secrets_and_delivery_log(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock, receiver: Receiver
) -> None:
    tid = tenant["tenantId"]
    hook = register(client, tid, receiver.url, ["dsar.received"])
    widget_request(client, tenant)
    client.drain_notify()
    assert [d["status"] for d in deliveries(client, tid, hook["webhookId"])] == ["delivered"]
    [webhook] = [n for n in rows(client, tid, NOTIFICATIONS.name) if n["kind"] == "webhook"]
    sealed = webhook["secrets"][0]["token"]
    route = {"tenantId": tid}
    end = (clock.now() + timedelta(hours=1)).isoformat()
    started = client.call("start_offboarding", headers=PRIVACY_ADMIN, route=route,
                          body={"contractEnd": end, "mode": "delete_now"})
    assert started.status == 202
    clock.advance(timedelta(hours=2))
    client.run_timer("advance_offboarding")

    plan = client.call("get_offboarding", "GET", headers=PRIVACY_ADMIN, route=route).json()
    assert plan["phase"] == "closed"
    counts = plan["certificate"]["purge"]["counts"]
    assert counts["deleted.webhooks"] == 1 and counts["deleted.deliveries"] == 1, counts
    assert rows(client, tid, NOTIFICATIONS.name) == []
    assert sealed not in json.dumps(client.services.store.query(
        NOTIFICATIONS.name, (), max_items=10_000).items)
    listed = client.call("list_webhooks", "GET", headers=PRIVACY_ADMIN, route=route)
    assert listed.status == 200 and listed.json()["items"] == []
