"""Data-subject requests end to end: the real host runs each orchestration on its own Durable
engine (SQLite task hub), seeded through the widget, read over HTTP and checked on disk."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import SUBJECTS
from shared.ports.document_store import Filter, Query
from tests.app_client import principal
from tests.conftest import visitor_secret
from tests.e2e.helpers import (
    HostClock,
    advance,
    collect,
    run_function,
    store_path,
    wait_for,
    widget,
)
from tests.e2e.host_process import HostProcess

pytestmark = pytest.mark.e2e
ORIGIN = "https://shop.example"
EMAIL, PHONE_RAW, PHONE_E164 = "dsar.planted@example.org", "+33 6 12 98 76 54", "+33612987654"
NAME = "Planted Dsarname"
OTHER_EMAIL, OTHER_PHONE = "other.subject@example.org", "+33 6 44 55 66 77"
CORRECTED = "corrected.subject@example.org"
SUBJECT, OTHER = "v-subject", "v-other"
FINAL = {"completed", "rejected", "failed"}
EVENTS = 4

OPERATOR = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Operator", oid="oid-operator")}
STARTER = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-starter")}
APPROVER = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-approver")}
AUDITOR = {"X-MS-CLIENT-PRINCIPAL": principal("Auditor", oid="oid-auditor")}


# -- helpers ----------------------------------------------------------------------------------


@dataclass
class Shop:
    api: httpx.Client
    host: HostProcess
    tenant_id: str
    key: str

    @property
    def base(self) -> str:
        return f"/v1/tenants/{self.tenant_id}"

    def contacts(self) -> list[dict[str, Any]]:
        answer = self.api.get(f"{self.base}/contacts", headers=APPROVER, params={"limit": 500})
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def start(self, body: dict[str, Any], headers: dict[str, str] = OPERATOR) -> dict[str, Any]:
        answer = self.api.post(f"{self.base}/dsar", headers=headers, json=body)
        assert answer.status_code == 202, answer.text
        accepted: dict[str, Any] = answer.json()
        assert accepted["status"] in ("received", "awaiting_approval", "running"), accepted
        assert accepted["statusUrl"].endswith(f"{self.base}/dsar/{accepted['requestId']}")
        return accepted

    def status(self, accepted: dict[str, Any]) -> dict[str, Any]:
        answer = self.api.get(accepted["statusUrl"], headers=OPERATOR)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def wait_status(
        self, accepted: dict[str, Any], statuses: set[str] = FINAL, timeout: float = 20.0
    ) -> dict[str, Any]:
        last: dict[str, Any] = {}

        def reached() -> bool:
            last.update(self.status(accepted))
            return last["status"] in statuses

        try:
            wait_for(reached, timeout, f"request {accepted['requestId']} in {sorted(statuses)}")
        except TimeoutError:
            raise AssertionError(f"request did not reach {statuses}: {last}") from None
        return last

    def decide(
        self,
        request_id: str,
        approve: bool,
        headers: dict[str, str] = APPROVER,
        reason: str = "identity checked",
    ) -> httpx.Response:
        return self.api.post(
            f"{self.base}/dsar/{request_id}/decision",
            headers=headers,
            json={"approve": approve, "reason": reason},
        )

    def verify(
        self, request_id: str, headers: dict[str, str] = OPERATOR, method: str = "document"
    ) -> httpx.Response:
        return self.api.post(
            f"{self.base}/dsar/{request_id}/verification", headers=headers, json={"method": method}
        )

    def export(self, request_id: str) -> httpx.Response:
        return self.api.get(
            f"{self.base}/dsar/{request_id}/export", headers=OPERATOR, params={"format": "zip"}
        )

    def audit(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 1000}
        while True:
            page = self.api.get(f"{self.base}/audit", headers=AUDITOR, params=params)
            assert page.status_code == 200, page.text
            entries += page.json()["items"]
            if not page.json().get("continuation"):
                return entries
            params["continuation"] = page.json()["continuation"]

    def audited(self, action: str, request_id: str) -> int:
        return sum(1 for e in self.audit() if e["action"] == action and e["target"] == request_id)


def open_shop(api: httpx.Client, host: HostProcess) -> Shop:
    created = api.post(
        "/v1/tenants",
        headers={"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")},
        json={"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN]},
    )
    assert created.status_code == 201, created.text
    return Shop(api, host, created.json()["tenantId"], created.json()["widgetKey"])


def seed(shop: Shop) -> dict[str, str]:
    """The planted subject and another one, through the widget; their subject ids by visitor."""
    for visitor, email, phone in ((SUBJECT, EMAIL, PHONE_RAW), (OTHER, OTHER_EMAIL, OTHER_PHONE)):
        answer = collect(shop.api, shop.key, visitor, EVENTS)
        assert answer.status_code == 202 and answer.json()["accepted"] == EVENTS, answer.text
        answer = shop.api.post(
            "/v1/contacts",
            headers=widget(shop.key),
            json={
                "visitorId": visitor,
                "visitorSecret": visitor_secret(visitor),
                "email": email,
                "phone": phone,
                "name": NAME,
                "callbackRequested": True,
                "consent": {
                    "granted": True,
                    "purposes": ["callback", "analytics"],
                    "textVersion": "v1",
                },
            },
        )
        assert answer.status_code == 202, answer.text
    contacts = wait_for(lambda: len(shop.contacts()) == 2 and shop.contacts(), what="contacts")
    ids = {c["email"]: c["subjectId"] for c in contacts}
    assert set(ids) == {EMAIL, OTHER_EMAIL}
    subjects = {SUBJECT: ids[EMAIL], OTHER: ids[OTHER_EMAIL]}
    wait_for(
        lambda: all(
            behaviour(shop.host, shop.tenant_id, sid) == EVENTS for sid in subjects.values()
        ),
        what="events stored",
    )
    return subjects


def raw(host: HostProcess, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(str(store_path(host)), timeout=10)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def taskhub(host: HostProcess, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    path = host.data_dir / "regions" / "eu" / "taskhub.sqlite"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def orchestrations_done(host: HostProcess, *instance_ids: str) -> bool:
    marks = ",".join("?" * len(instance_ids))
    rows = taskhub(
        host, f"SELECT status FROM instances WHERE instance_id IN ({marks})", *instance_ids
    )
    return len(rows) == len(instance_ids) and {r[0] for r in rows} == {"Completed"}


def behaviour(host: HostProcess, tenant_id: str, subject_id: str) -> int:
    rows = raw(
        host,
        # records: a grouped document counts as its events
        "SELECT coalesce(sum(coalesce(json_array_length(body, '$.events'), 1)), 0)"
        " FROM items WHERE container = 'subjects'"
        " AND json_extract(body, '$.tenantId') = ? AND json_extract(body, '$.subjectId') = ?"
        " AND json_extract(body, '$.category') = 'behaviour'",
        tenant_id,
        subject_id,
    )
    return int(rows[0][0])


def stored_contacts(host: HostProcess, tenant_id: str) -> list[dict[str, Any]]:
    store = SqliteDocumentStore(store_path(host), HostClock(host))
    try:
        store.ensure_container(SUBJECTS)
        query = Query(filters=[Filter("type", "=", "contact")])
        return store.query(SUBJECTS.name, (tenant_id,), query, 1000).items
    finally:
        store.close()


def unzip(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def api_for(host: HostProcess) -> httpx.Client:
    return httpx.Client(base_url=f"{host.url}/api", timeout=10)


# -- tests ------------------------------------------------------------------------------------


def test_every_type_end_to_end(host: HostProcess) -> None:
    with api_for(host) as api:
        shop = open_shop(api, host)
        subjects = seed(shop)
        sid = subjects[SUBJECT]

        # access: the package has the planted subject's data in every category, no one else's
        access = shop.start({"type": "access", "identifiers": {"email": EMAIL}})
        done = shop.wait_status(access)
        assert done["status"] == "completed" and done["type"] == "access", done
        counts = {c["category"]: c["records"] for c in done["result"]["categories"]}
        assert counts["behaviour"] == EVENTS and counts["contact"] == 1, counts
        download = shop.export(access["requestId"])
        assert download.status_code == 200, download.text
        assert download.headers["content-type"].startswith("application/zip")
        files = unzip(download.content)
        assert {"contact.json", "contact.csv", "behaviour.json", "manifest.json"} <= set(files)
        assert EMAIL in files["contact.json"] and EMAIL in files["contact.csv"]
        assert PHONE_E164 in files["contact.json"]
        records = json.loads(files["behaviour.json"])
        assert len(records) == EVENTS and {r["subjectId"] for r in records} == {sid}
        assert not [
            n for n, text in files.items() if OTHER_EMAIL in text or subjects[OTHER] in text
        ]

        # portability: the same package shape, found by the visitor id
        portability = shop.start({"type": "portability", "identifiers": {"visitorId": SUBJECT}})
        done = shop.wait_status(portability)
        assert done["status"] == "completed", done
        download = shop.export(portability["requestId"])
        assert download.status_code == 200 and EMAIL in unzip(download.content)["contact.json"]

        # rectification waits for a decision, then changes the contact and keeps its TTL
        [before] = [c for c in stored_contacts(host, shop.tenant_id) if c["subjectId"] == sid]
        rectification = shop.start(
            {
                "type": "rectification",
                "identifiers": {"email": EMAIL},
                "changes": {"email": CORRECTED},
            }
        )
        waiting = shop.wait_status(rectification, {"awaiting_approval"})
        assert waiting.get("result") is None
        assert shop.verify(rectification["requestId"]).status_code == 200
        assert shop.decide(rectification["requestId"], True).status_code == 202
        done = shop.wait_status(rectification)
        assert done["status"] == "completed" and done["decidedBy"] == "oid-approver", done
        assert {c["email"] for c in shop.contacts()} == {CORRECTED, OTHER_EMAIL}
        [rectified] = [c for c in stored_contacts(host, shop.tenant_id) if "rectifiedAt" in c]
        assert rectified["id"] == before["id"] and "rectifiedAt" not in before
        assert rectified["ttl"] == before["ttl"] == -1
        assert rectified["createdAt"] == before["createdAt"]

        # restriction and objection: the widget refuses the subject, not the other one
        restriction = shop.start({"type": "restriction", "identifiers": {"visitorId": SUBJECT}})
        assert shop.wait_status(restriction)["status"] == "completed"
        assert collect(api, shop.key, SUBJECT, EVENTS).status_code == 409
        assert collect(api, shop.key, OTHER, EVENTS).status_code == 202
        objection = shop.start({"type": "objection", "identifiers": {"visitorId": "v-objector"}})
        done = shop.wait_status(objection)
        assert done["status"] == "completed", done
        assert collect(api, shop.key, "v-objector", EVENTS).status_code == 409
        assert collect(api, shop.key, OTHER, EVENTS).status_code == 202

        # consent withdrawal: the other visitor's behaviour is no longer collected
        withdrawal = shop.start(
            {
                "type": "consent_withdrawal",
                "identifiers": {"visitorId": OTHER},
                "purposes": ["analytics"],
            }
        )
        assert shop.wait_status(withdrawal)["status"] == "completed"
        answer = collect(api, shop.key, OTHER, 2)
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"] == 0 and answer.json()["ignored"] > 0, answer.json()

        # erasure last: decided by another admin, verified, nothing of the subject left
        erasure = shop.start(
            {"type": "erasure", "identifiers": {"email": CORRECTED, "visitorId": SUBJECT}}
        )
        shop.wait_status(erasure, {"awaiting_approval"})
        assert shop.verify(erasure["requestId"]).status_code == 200
        assert shop.decide(erasure["requestId"], True).status_code == 202
        done = shop.wait_status(erasure)
        assert done["status"] == "completed", done
        assert done["result"]["verification"]["verified"] is True, done["result"]
        assert done["result"]["verification"]["subjectsErased"] == 1, done["result"]
        assert {c["subjectId"] for c in shop.contacts()} == {subjects[OTHER]}
        listing = api.get(f"{shop.base}/dsar", headers=OPERATOR).json()["items"]
        assert len(listing) == 7 and {i["status"] for i in listing} == {"completed"}

    left = raw(
        host,
        "SELECT container, id FROM items WHERE container IN ('subjects', 'blind_index')"
        " AND (pk LIKE ? OR body LIKE ?)",
        f"%{sid}%",
        f"%{sid}%",
    )
    assert left == []
    sql = "SELECT count(*) FROM items WHERE container = 'subjects' AND pk LIKE ?"
    [(kept,)] = raw(host, sql, f"%{subjects[OTHER]}%")
    assert kept > EVENTS  # the other subject's events, contact, consent, keys
    index = raw(host, "SELECT id, body FROM items WHERE container = 'blind_index'")
    assert index and [row[0] for row in index if sid in row[1]] == []


def test_approval_escalation_rejection_and_self_approval(clock_host: HostProcess) -> None:
    host = clock_host
    with api_for(host) as api:
        shop = open_shop(api, host)
        seed(shop)
        earlier = shop.start({"type": "access", "identifiers": {"visitorId": OTHER}})
        assert shop.wait_status(earlier)["status"] == "completed"
        erasure = shop.start({"type": "erasure", "identifiers": {"email": EMAIL}}, STARTER)
        request_id = erasure["requestId"]
        status = shop.wait_status(erasure, {"awaiting_approval"})
        assert status["escalated"] is False and status["overdue"] is False

        advance(host, "P23DT1H")
        wait_for(lambda: shop.audited("dsar.escalated", request_id) == 1, what="escalation")
        status = shop.status(erasure)
        assert status["status"] == "awaiting_approval", status
        assert status["escalated"] is True and status["overdue"] is False, status
        later = shop.start({"type": "erasure", "identifiers": {"visitorId": OTHER}})
        shop.wait_status(later, {"awaiting_approval"})

        advance(host, "P7D")
        wait_for(lambda: shop.audited("dsar.overdue", request_id) == 1, what="overdue")
        status = shop.status(erasure)
        assert status["overdue"] is True and status["status"] == "awaiting_approval", status
        listing = api.get(f"{shop.base}/dsar", headers=OPERATOR).json()["items"]
        assert listing[0]["requestId"] == request_id
        assert [i["overdue"] for i in listing] == [True, False, False], listing
        actions = [e["action"] for e in shop.audit() if e["target"] == request_id]
        assert "dsar.escalated" in actions and "dsar.overdue" in actions

        refused = shop.decide(request_id, True, headers=STARTER)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert shop.status(erasure)["status"] == "awaiting_approval"
        rejected = shop.decide(request_id, False, reason="identity could not be verified")
        assert rejected.status_code == 202, rejected.text
        status = shop.wait_status(erasure)
        assert status["status"] == "rejected", status
        assert status["result"]["reason"] == "identity could not be verified", status
        assert status["decidedBy"] == "oid-approver" and status["overdue"] is False
        assert shop.audited("dsar.rejected", request_id) == 1
        assert shop.audited("dsar.completed", request_id) == 0
        assert {c["email"] for c in shop.contacts()} == {EMAIL, OTHER_EMAIL}  # nothing erased
        again = shop.decide(request_id, True)
        assert again.status_code == 409, again.text


def test_restart_while_waiting_and_while_running(host: HostProcess) -> None:
    with api_for(host) as api:
        shop = open_shop(api, host)
        subjects = seed(shop)
        erasure = shop.start({"type": "erasure", "identifiers": {"email": EMAIL}})
        shop.wait_status(erasure, {"awaiting_approval"})

    host.kill9()
    host.start()
    with api_for(host) as api:
        shop.api = api
        assert shop.status(erasure)["status"] == "awaiting_approval"
        assert shop.verify(erasure["requestId"]).status_code == 200
        assert shop.decide(erasure["requestId"], True).status_code == 202
        done = shop.wait_status(erasure)
        assert done["status"] == "completed", done
        assert done["result"]["verification"]["verified"] is True, done
        assert {c["subjectId"] for c in shop.contacts()} == {subjects[OTHER]}
        assert shop.audited("dsar.completed", erasure["requestId"]) == 1

        access = shop.start({"type": "access", "identifiers": {"visitorId": OTHER}})
    host.kill9()  # right after the 202: the orchestration's activities are in flight
    host.start()
    with api_for(host) as api:
        shop.api = api
        done = shop.wait_status(access)
        assert done["status"] == "completed", done
        counts = {c["category"]: c["records"] for c in done["result"]["categories"]}
        assert counts["contact"] == 1 and counts["behaviour"] == EVENTS, counts
        download = shop.export(access["requestId"])
        assert (
            download.status_code == 200 and OTHER_EMAIL in unzip(download.content)["contact.json"]
        )
        assert shop.audited("dsar.completed", access["requestId"]) == 1
        assert shop.audited("dsar.completed", erasure["requestId"]) == 1


def test_no_planted_value_outside_the_export(clock_host: HostProcess) -> None:
    host = clock_host
    with api_for(host) as api:
        shop = open_shop(api, host)
        seed(shop)
        access = shop.start({"type": "access", "identifiers": {"email": EMAIL}})
        assert shop.wait_status(access)["status"] == "completed"
        download = shop.export(access["requestId"])
        assert download.status_code == 200
        package = download.content  # kept in memory only
        files = unzip(package)
        assert EMAIL in files["contact.json"] and PHONE_E164 in files["contact.json"]
        assert NAME in files["contact.json"]

        erasure = shop.start({"type": "erasure", "identifiers": {"email": EMAIL}})
        shop.wait_status(erasure, {"awaiting_approval"})
        assert shop.verify(erasure["requestId"]).status_code == 200
        assert shop.decide(erasure["requestId"], True).status_code == 202
        done = shop.wait_status(erasure)
        assert done["status"] == "completed" and done["result"]["verification"]["verified"]
        ids = (access["requestId"], erasure["requestId"])
        # the request is completed by its last activity; the orchestration ends just after
        wait_for(lambda: orchestrations_done(host, *ids), what="orchestrations completed")
        run_function(host, "purge_finished_dsar")
    assert host.stop() == 0
    for table in ("instances", "history", "work"):  # the histories were purged
        sql = f"SELECT count(*) FROM {table} WHERE instance_id IN (?, ?)"
        assert taskhub(host, sql, *ids) == [(0,)], table

    blob = host.data_dir / "regions" / "eu" / "blobs" / "exports" / "dsar"
    blob = blob / access["requestId"] / "export.zip"
    assert blob.is_file() and blob.read_bytes() == package
    planted = [EMAIL, PHONE_RAW, PHONE_E164, PHONE_E164[1:], NAME]
    scanned = [p for p in host.data_dir.rglob("*") if p.is_file()] + [host.log_path]
    names = {p.name for p in scanned}
    assert {"taskhub.sqlite", "store.sqlite", "export.zip"} <= names, sorted(names)
    # the search finds what is there: the tenant id is stored in clear
    assert any(shop.tenant_id.encode() in p.read_bytes() for p in scanned if p.suffix == ".sqlite")
    hits = [
        (str(p.relative_to(host.data_dir.parent)), value)
        for p in scanned
        if p != blob
        for value in planted
        if value.encode() in p.read_bytes()
    ]
    assert hits == []

    host.start()
    with api_for(host) as api:
        shop.api = api
        assert shop.export(access["requestId"]).status_code == 200
        advance(host, "P7DT1M")
        run_function(host, "purge_finished_dsar")
        assert not blob.exists()
        gone = shop.export(access["requestId"])
        assert gone.status_code == 410, gone.text
        assert shop.status(access)["result"]["exportExpiresAt"]  # the certificate stays


def test_dsar_start_needs_an_operator(host: HostProcess) -> None:
    with api_for(host) as api:
        shop = open_shop(api, host)
        body = {"type": "access", "identifiers": {"email": EMAIL}}
        assert api.post(f"{shop.base}/dsar", json=body).status_code == 401
        agent = {"X-MS-CLIENT-PRINCIPAL": principal("Support.Agent", oid="oid-agent")}
        denied = api.post(f"{shop.base}/dsar", json=body, headers=agent)
        assert denied.status_code == 403, denied.text
        assert EMAIL not in denied.text
        assert api.get(f"{shop.base}/dsar", headers=OPERATOR).json()["items"] == []
