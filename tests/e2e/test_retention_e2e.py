"""Retention end to end over HTTP with the host's test clock: expiry per category, a shortened
period re-stamped with the time left, a legal hold on one subject, and offboarding from the
export window to the purge, checked against what a store read sees and what is on disk."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from collections import Counter
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import SUBJECTS
from shared.policies.stored_records import records
from shared.ports.document_store import Filter, Query
from tests.conftest import visitor_secret
from tests.e2e.helpers import (
    HostClock,
    advance,
    as_role,
    collect,
    run_function,
    store_path,
    wait_for,
    widget,
)
from tests.e2e.host_process import HostProcess

pytestmark = pytest.mark.e2e
ORIGIN = "https://shop.example"
CATEGORIES = ("behaviour", "technical", "contact", "consent", "conversation")
EMAIL, PHONE_RAW, PHONE_E164 = "offboard.me@example.org", "+33 6 55 44 33 22", "+33655443322"
PURGED_CONTAINERS = ("subjects", "blind_index", "privacy_requests")


# -- helpers ----------------------------------------------------------------------------------


def host_now(host: HostProcess) -> datetime:
    return HostClock(host).now()


def logged_since(host: HostProcess, offset: int, text: bytes) -> bool:
    with host.log_path.open("rb") as log:
        log.seek(offset)
        return text in log.read()


def visible(host: HostProcess, tenant_id: str) -> dict[str, list[dict[str, Any]]]:
    """Per category, the subject records of a tenant a read or query sees at the host's now."""
    store = SqliteDocumentStore(store_path(host), HostClock(host))
    try:
        store.ensure_container(SUBJECTS)
        found: dict[str, list[dict[str, Any]]] = {}
        for category in CATEGORIES:
            query = Query(filters=[Filter("category", "=", category)])
            items: list[dict[str, Any]] = []
            continuation = None
            while True:
                page = store.query(SUBJECTS.name, (tenant_id,), query, 500, continuation)
                items += [r for item in page.items for r in records(item)]
                continuation = page.continuation
                if not continuation:
                    break
            found[category] = items
        return found
    finally:
        store.close()


def counts(host: HostProcess, tenant_id: str) -> dict[str, int]:
    return {c: len(items) for c, items in visible(host, tenant_id).items()}


def by_subject(host: HostProcess, tenant_id: str, category: str) -> Counter[str]:
    return Counter(i["subjectId"] for i in visible(host, tenant_id)[category])


def wait_counts(host: HostProcess, tenant_id: str, expected: dict[str, int]) -> None:
    def reached() -> bool:
        now = counts(host, tenant_id)
        return all(now[c] == n for c, n in expected.items())

    wait_for(reached)


def raw_rows(data_dir: Path, tenant_id: str) -> list[tuple[str, str | None, str | None]]:
    """Every physical row of a tenant in the region store: (container, category, type)."""
    db = sqlite3.connect(str(data_dir / "regions" / "eu" / "store.sqlite"), timeout=10)
    try:
        return [
            (row[0], row[1], row[2])
            for row in db.execute(
                "SELECT container, json_extract(body, '$.category'), json_extract(body, '$.type')"
                " FROM items WHERE json_extract(body, '$.tenantId') = ?",
                (tenant_id,),
            )
        ]
    finally:
        db.close()


def has_request(data_dir: Path, tenant_id: str) -> bool:
    return any(row[0] == "privacy_requests" for row in raw_rows(data_dir, tenant_id))


def create_tenant(api: httpx.Client, **extra: Any) -> tuple[str, str]:
    created = api.post(
        "/v1/tenants",
        headers=as_role("Platform.Admin"),
        json={"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN], **extra},
    )
    assert created.status_code == 201, created.text
    return created.json()["tenantId"], created.json()["widgetKey"]


def contact(api: httpx.Client, key: str, visitor: str, email: str, phone: str) -> None:
    answer = api.post(
        "/v1/contacts",
        headers=widget(key),
        json={
            "visitorId": visitor,
            "visitorSecret": visitor_secret(visitor),
            "email": email,
            "phone": phone,
            "name": "Someone",
            "callbackRequested": True,
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "v3"},
        },
    )
    assert answer.status_code == 202, answer.text


def tenant(api: httpx.Client, tenant_id: str) -> dict[str, Any]:
    answer = api.get(f"/v1/tenants/{tenant_id}", headers=as_role("Platform.Admin"))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def audit_entries(api: httpx.Client, tenant_id: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    params: dict[str, str] = {"limit": "1000"}
    while True:
        page = api.get(f"/v1/tenants/{tenant_id}/audit", headers=as_role("Auditor"), params=params)
        assert page.status_code == 200, page.text
        entries += page.json()["items"]
        if not page.json().get("continuation"):
            return entries
        params["continuation"] = page.json()["continuation"]


# -- tests ------------------------------------------------------------------------------------


def test_each_category_expires_on_time(clock_host: HostProcess) -> None:
    with httpx.Client(base_url=f"{clock_host.url}/api", timeout=10) as api:
        tenant_id, key = create_tenant(api)
        assert collect(api, key, "v-1", 5).status_code == 202
        contact(api, key, "v-1", "keep.me@example.org", "+33 6 12 34 56 78")
        consent = api.post(
            "/v1/consents",
            headers=widget(key),
            json={
                "visitorId": "v-1",
                "visitorSecret": visitor_secret("v-1"),
                "purposes": {"analytics": True},
                "textVersion": "v3",
            },
        )
        assert consent.status_code == 202, consent.text
        message = api.post(
            "/v1/conversations/conv-1/messages",
            headers=widget(key),
            json={
                "visitorId": "v-1",
                "visitorSecret": visitor_secret("v-1"),
                "author": "visitor",
                "text": "hello",
                "ts": "2026-11-23T10:00:00Z",
            },
        )
        assert message.status_code == 202, message.text
        everything = {"behaviour": 5, "technical": 1, "contact": 1, "consent": 2, "conversation": 1}
        wait_counts(clock_host, tenant_id, everything)

        advance(clock_host, "P29D")
        assert counts(clock_host, tenant_id) == everything
        advance(clock_host, "P2D")  # day 31
        assert counts(clock_host, tenant_id) == everything | {"behaviour": 0, "technical": 0}
        advance(clock_host, "P60D")  # day 91
        assert counts(clock_host, tenant_id) == {
            "behaviour": 0,
            "technical": 0,
            "contact": 1,
            "consent": 2,
            "conversation": 0,
        }
        listed = api.get(f"/v1/tenants/{tenant_id}/contacts", headers=as_role("Privacy.Admin"))
        assert listed.status_code == 200, listed.text
        [shown] = listed.json()["items"]
        assert shown["email"] == "keep.me@example.org"


def test_shortened_retention_restamps_with_remaining_time(clock_host: HostProcess) -> None:
    with httpx.Client(base_url=f"{clock_host.url}/api", timeout=10) as api:
        tenant_id, key = create_tenant(api)
        assert collect(api, key, "v-1", 10).status_code == 202
        wait_counts(clock_host, tenant_id, {"behaviour": 10, "technical": 1})
        logged = clock_host.log_path.stat().st_size
        advance(clock_host, "P5D")
        # Moving the clock wakes every timer; let the re-stamp timer's run pass first, so the
        # job requested below is seen pending (it runs again only 30 s later).
        wait_for(partial(logged_since, clock_host, logged, b"retention jobs advanced"))

        patched = api.patch(
            f"/v1/tenants/{tenant_id}",
            headers=as_role("Platform.Admin"),
            json={"retention": {"behaviour": 7}},
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["retentionJob"]["status"] == "pending"
        job = tenant(api, tenant_id)["retentionJob"]
        assert job["status"] == "pending" and "retention.changed" in job["reasons"]
        run_function(clock_host, "run_retention_jobs")
        after = tenant(api, tenant_id)
        assert after["retentionJob"]["status"] == "completed"
        assert after["retentionJob"]["jobId"] == job["jobId"]
        assert after["retention"] == {"behaviour": 7}
        assert after["effectiveRetention"]["behaviour"] == 7

        advance(clock_host, "P1DT23H")  # 6 days 23 hours after the events
        assert counts(clock_host, tenant_id)["behaviour"] == 10
        advance(clock_host, "PT2H")  # 7 days 1 hour: 2 days after the change, not 7
        now = counts(clock_host, tenant_id)
        assert now["behaviour"] == 0 and now["technical"] == 1

        refused = api.patch(
            f"/v1/tenants/{tenant_id}",
            headers=as_role("Platform.Admin"),
            json={"retention": {"behaviour": 100000}},
        )
        assert refused.status_code == 400
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "behaviour" in refused.json()["detail"]
        assert tenant(api, tenant_id)["retention"] == {"behaviour": 7}


def test_legal_hold_keeps_one_subject(clock_host: HostProcess) -> None:
    with httpx.Client(base_url=f"{clock_host.url}/api", timeout=10) as api:
        tenant_id, key = create_tenant(api)
        assert collect(api, key, "v-held", 5).status_code == 202
        wait_counts(clock_host, tenant_id, {"behaviour": 5})
        [held] = by_subject(clock_host, tenant_id, "behaviour")
        assert collect(api, key, "v-free", 7).status_code == 202
        wait_counts(clock_host, tenant_id, {"behaviour": 12, "technical": 2})
        subjects = by_subject(clock_host, tenant_id, "behaviour")
        [free] = set(subjects) - {held}
        assert subjects == {held: 5, free: 7}

        created = api.post(
            f"/v1/tenants/{tenant_id}/legal-holds",
            headers=as_role("Privacy.Admin"),
            json={
                "scope": "subject",
                "identifiers": {"visitorId": "v-held"},
                "reason": "litigation",
            },
        )
        assert created.status_code == 201, created.text
        hold_id = created.json()["holdId"]
        run_function(clock_host, "run_retention_jobs")
        settings = tenant(api, tenant_id)
        assert [(h["holdId"], h["subjectIds"]) for h in settings["legalHolds"]] == [
            (hold_id, [held])
        ]
        assert settings["retentionJob"]["status"] == "completed"

        advance(clock_host, "P31D")
        assert by_subject(clock_host, tenant_id, "behaviour") == {held: 5}
        assert by_subject(clock_host, tenant_id, "technical") == {held: 1}
        assert [h["holdId"] for h in tenant(api, tenant_id)["legalHolds"]] == [hold_id]

        released = api.delete(
            f"/v1/tenants/{tenant_id}/legal-holds/{hold_id}", headers=as_role("Privacy.Admin")
        )
        assert released.status_code == 204, released.text
        run_function(clock_host, "run_retention_jobs")
        left = counts(clock_host, tenant_id)
        assert left["behaviour"] == 0 and left["technical"] == 0
        assert tenant(api, tenant_id)["legalHolds"] == []

        entries = audit_entries(api, tenant_id)
        actions = [e["action"] for e in entries]
        assert "hold.created" in actions and "hold.released" in actions
        text = json.dumps(entries)
        assert "v-held" not in text and "v-free" not in text


def test_offboarding_exports_then_purges(clock_host: HostProcess) -> None:
    host = clock_host
    data = host.data_dir
    with httpx.Client(base_url=f"{host.url}/api", timeout=10) as api:
        a_id, a_key = create_tenant(api)
        # B keeps its events longer than the test runs, so none of its rows may change.
        b_id, b_key = create_tenant(api, retention={"behaviour": 365, "technical": 365})
        for key, email, phone in (
            (a_key, EMAIL, PHONE_RAW),
            (b_key, "stay.here@example.org", "+33 6 11 22 33 44"),
        ):
            assert collect(api, key, "v-1", 10).status_code == 202
            contact(api, key, "v-1", email, phone)
            asked = api.post(
                "/v1/privacy-requests",
                headers=widget(key),
                json={"visitorId": "v-1", "visitorSecret": visitor_secret("v-1"), "type": "access"},
            )
            assert asked.status_code == 202, asked.text
        for tid in (a_id, b_id):
            wait_counts(host, tid, {"behaviour": 10, "technical": 1, "contact": 1, "consent": 1})
            wait_for(partial(has_request, data, tid))
        b_before = Counter(r for r in raw_rows(host.data_dir, b_id) if r[0] != "audit")
        assert sum(n for r, n in b_before.items() if r[0] == "blind_index") == 3

        contract_end = host_now(host) + timedelta(days=1)
        started = api.post(
            f"/v1/tenants/{a_id}/offboarding",
            headers=as_role("Privacy.Admin"),
            json={"contractEnd": contract_end.isoformat()},
        )
        assert started.status_code == 202, started.text
        assert collect(api, a_key, "v-1", 5).status_code == 202  # before contract end
        wait_counts(host, a_id, {"behaviour": 15, "technical": 1})  # one session
        advance(host, "P1DT1H")
        assert collect(api, a_key, "v-1", 1).status_code == 403
        run_function(host, "advance_offboarding")
        plan = api.get(f"/v1/tenants/{a_id}/offboarding", headers=as_role("Privacy.Admin"))
        assert plan.json()["phase"] == "export_available", plan.text

        download = api.get(
            f"/v1/tenants/{a_id}/offboarding/export", headers=as_role("Privacy.Admin")
        )
        assert download.status_code == 200, download.text
        assert download.headers["content-type"].startswith("application/zip")
        with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        manifest = json.loads(files.pop("manifest.json"))
        assert manifest["tenantId"] == a_id
        assert {f["name"] for f in manifest["files"]} == set(files)
        for entry in manifest["files"]:
            content = files[entry["name"]]
            assert hashlib.sha256(content).hexdigest() == entry["sha256"]
            assert entry["bytes"] == len(content)
            assert entry["records"] == len(content.splitlines())
        records = {f["category"]: f["records"] for f in manifest["files"]}
        assert records == {"behaviour": 15, "technical": 1, "contact": 1, "consent": 1}
        [exported] = [json.loads(line) for line in files["contact.jsonl"].splitlines()]
        assert exported["email"] == EMAIL and exported["phone"] == PHONE_E164
        assert b_id.encode() not in b"".join(files.values())

        advance(host, "P30D")
        for _ in range(5):
            run_function(host, "advance_offboarding")
            plan = api.get(f"/v1/tenants/{a_id}/offboarding", headers=as_role("Privacy.Admin"))
            if plan.json()["phase"] == "purged":
                break
        assert plan.json()["phase"] == "purged", plan.text
        certificate = plan.json()["certificate"]
        gone = api.get(f"/v1/tenants/{a_id}/offboarding/export", headers=as_role("Privacy.Admin"))
        assert gone.status_code == 410, gone.text
        assert tenant(api, a_id)["status"] == "offboarded"
        run_function(host, "purge_expired_items")
        audit_actions = [e["action"] for e in audit_entries(api, a_id)]
        assert "offboarding.exported" in audit_actions and "offboarding.purged" in audit_actions
    assert host.stop() == 0

    a_rows = raw_rows(host.data_dir, a_id)
    left = [r for r in a_rows if r[0] in PURGED_CONTAINERS]
    assert left == [("subjects", "consent", "consent")]
    assert sum(1 for r in a_rows if r[0] == "audit") >= len(audit_actions)
    b_after = Counter(r for r in raw_rows(host.data_dir, b_id) if r[0] != "audit")
    assert b_after == b_before

    purge_counts = certificate["purge"]["counts"]
    assert certificate["tenantId"] == a_id
    assert purge_counts["deleted.contact"] == 1 and purge_counts["kept.consent"] == 1
    assert purge_counts["deleted.blindIndex"] == 3 and purge_counts["deleted.privacyRequests"] == 1
    assert all(isinstance(n, int) for n in purge_counts.values())
    planted = [EMAIL, PHONE_RAW, PHONE_E164, PHONE_E164[1:]]
    assert not [v for v in planted if v in json.dumps(certificate)]

    exports = host.data_dir / "regions" / "eu" / "blobs" / "exports" / "offboarding" / a_id
    assert not exports.exists() or not [p for p in exports.rglob("*") if p.is_file()]
    files_on_disk = [p for p in host.data_dir.rglob("*") if p.is_file()] + [host.log_path]
    assert len(files_on_disk) > 3
    hits = [
        (str(p.relative_to(host.data_dir.parent)), v)
        for p in files_on_disk
        for v in planted
        if v.encode() in p.read_bytes()
    ]
    assert hits == []
