"""The DSAR workflow as a privacy team runs it, end to end on the embedded host with its test
clock (issue 13): two people for a widget erasure and its waiting period, a child's 72 hours,
a pause that moves the deadline, a lifted restriction, a failed step and its retry, and the
record minimised until nothing of the erased person is left on disk but the certificate."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.adapters.file_keys import FileKeyProvider
from tests.app_client import principal
from tests.conftest import visitor_secret
from tests.dsar_traces import files, stored_rows, traces
from tests.e2e.helpers import advance, collect, run_function, store_path, wait_for, widget
from tests.e2e.host_process import HostProcess
from tests.e2e.test_dsar_e2e import (
    EMAIL,
    NAME,
    OPERATOR,
    OTHER,
    PHONE_RAW,
    SUBJECT,
    Shop,
    api_for,
    open_shop,
    seed,
)

pytestmark = pytest.mark.e2e
ADMIN_A = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-admin-a")}
ADMIN_B = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-admin-b")}
VERA = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Operator", "Privacy.Admin", oid="oid-vera")}


def post(shop: Shop, path: str, headers: dict[str, str], body: Any = None) -> httpx.Response:
    return shop.api.post(f"{shop.base}{path}", headers=headers, json=body)


def ask_through_widget(shop: Shop, visitor: str, kind: str = "erasure") -> dict[str, Any]:
    """A visitor's own request (anyone can send one: an admin too, anonymously)."""
    body = {"type": kind, "visitorId": visitor, "visitorSecret": visitor_secret(visitor),
            "email": EMAIL if visitor == SUBJECT else None}
    answer = shop.api.post("/v1/privacy-requests", headers=widget(shop.key),
                           json={k: v for k, v in body.items() if v})
    assert answer.status_code == 202, answer.text
    accepted = {"requestId": answer.json()["requestId"]}
    accepted["statusUrl"] = f"{shop.api.base_url}{shop.base}/dsar/{accepted['requestId']}"

    def registered() -> bool:
        return shop.api.get(accepted["statusUrl"], headers=OPERATOR).status_code == 200

    wait_for(registered, what="the widget request registered")
    return accepted


def decide(shop: Shop, request_id: str, headers: dict[str, str],
           approve: bool = True) -> httpx.Response:
    return shop.decide(request_id, approve, headers=headers)


def test_a_widget_erasure_needs_two_people_then_waits_its_period(
    clock_host: HostProcess,
) -> None:
    with api_for(clock_host) as api:
        shop = open_shop(api, clock_host)
        subjects = seed(shop)
        tenant = api.patch(shop.base, headers=ADMIN_A, json={"erasureWaitingDays": 2})
        assert tenant.status_code == 200, tenant.text

        # issue 11: an admin files an erasure through the widget and tries to approve it alone
        alone = ask_through_widget(shop, OTHER)
        rid = alone["requestId"]
        assert decide(shop, rid, ADMIN_A).json()["rule"] == "verification-first"
        assert shop.verify(rid, headers=ADMIN_A).status_code == 200
        refused = decide(shop, rid, ADMIN_A)
        assert refused.status_code == 403 and refused.json()["rule"] == "not-the-verifier"
        assert "two-person" in refused.json()["detail"]
        assert shop.status(alone)["status"] == "received"

        # the two-person path: an operator checks, someone else approves
        erasure = ask_through_widget(shop, SUBJECT)
        rid = erasure["requestId"]
        assert shop.verify(rid, headers=VERA).status_code == 200
        assert decide(shop, rid, OPERATOR).status_code == 403  # an operator never decides
        by_verifier = decide(shop, rid, VERA)
        assert by_verifier.status_code == 403 and by_verifier.json()["rule"] == (
            "not-the-verifier"
        )
        assert decide(shop, rid, ADMIN_B).status_code == 202
        waiting = shop.wait_status(erasure, {"approved"})
        runs_at = datetime.fromisoformat(waiting["runsAt"])
        wait = runs_at - datetime.fromisoformat(waiting["decidedAt"])
        assert timedelta(days=2) <= wait < timedelta(days=2, seconds=5)  # the clock runs on
        assert len([c for c in shop.contacts() if c["subjectId"] == subjects[SUBJECT]]) == 1

        advance(clock_host, "P2DT1M")
        done = shop.wait_status(erasure)
        assert done["status"] == "completed", done
        assert done["result"]["verification"]["verified"] is True
        assert done["result"]["identityCheck"]["by"] == "oid-vera"
        assert done["result"]["approver"] == "oid-admin-b"
        assert {c["subjectId"] for c in shop.contacts()} == {subjects[OTHER]}


def test_a_child_s_erasure_has_72_hours_and_comes_first(clock_host: HostProcess) -> None:
    with api_for(clock_host) as api:
        shop = open_shop(api, clock_host)
        first = shop.start({"type": "erasure", "identifiers": {"email": EMAIL}})
        advance(clock_host, "P28D")  # its deadline is two days away now
        child = shop.start(
            {"type": "erasure", "identifiers": {"visitorId": "v-kid"}, "reason": "child"}
        )
        status = shop.wait_status(child, {"awaiting_approval"})
        received = datetime.fromisoformat(status["receivedAt"])
        assert datetime.fromisoformat(status["deadline"]) - received == timedelta(hours=72)
        listing = api.get(f"{shop.base}/dsar", headers=OPERATOR).json()["items"]
        assert [i["requestId"] for i in listing] == [child["requestId"], first["requestId"]]


def test_a_pause_of_ten_days_moves_the_deadline_by_ten_days(clock_host: HostProcess) -> None:
    with api_for(clock_host) as api:
        shop = open_shop(api, clock_host)
        erasure = shop.start({"type": "erasure", "identifiers": {"email": EMAIL}})
        waiting = shop.wait_status(erasure, {"awaiting_approval"})
        before = datetime.fromisoformat(waiting["deadline"])
        rid = erasure["requestId"]
        paused = post(shop, f"/dsar/{rid}/pause", OPERATOR, {"reason": "identity_documents"})
        assert paused.status_code == 200 and paused.json()["status"] == "awaiting_requester"
        listing = api.get(f"{shop.base}/dsar", headers=OPERATOR).json()["items"]
        assert listing[0]["paused"]["reason"] == "identity_documents"
        advance(clock_host, "P10D")
        resumed = post(shop, f"/dsar/{rid}/resume", OPERATOR)
        assert resumed.status_code == 200, resumed.text
        after = datetime.fromisoformat(resumed.json()["deadline"])
        [pause] = resumed.json()["pauses"]
        waited = datetime.fromisoformat(pause["until"]) - datetime.fromisoformat(pause["since"])
        assert after - before == waited  # exactly the time paused: 10 days, and the test's ms
        assert timedelta(days=10) <= waited < timedelta(days=10, seconds=5)
        assert resumed.json()["status"] == "awaiting_approval"
        trail = [e["action"] for e in shop.audit() if e["target"] == rid]
        assert "dsar.paused" in trail and "dsar.resumed" in trail


def test_a_lifted_restriction_lets_the_widget_collect_again(clock_host: HostProcess) -> None:
    with api_for(clock_host) as api:
        shop = open_shop(api, clock_host)
        restriction = shop.start({"type": "restriction", "identifiers": {"visitorId": SUBJECT}})
        assert shop.wait_status(restriction)["status"] == "completed"
        assert collect(api, shop.key, SUBJECT, 2).status_code == 409
        rid = restriction["requestId"]
        lifted = post(shop, f"/dsar/{rid}/lift", ADMIN_A, {"reason": "dispute settled"})
        assert lifted.status_code == 200, lifted.text
        assert lifted.json()["result"]["lifted"]["by"] == "oid-admin-a"
        assert collect(api, shop.key, SUBJECT, 2).status_code == 202


def subject_doc(clock_host: HostProcess, subject_id: str) -> tuple[str, str]:
    db = sqlite3.connect(str(store_path(clock_host)), timeout=10)
    try:
        [(pk, body)] = db.execute(
            "SELECT pk, body FROM items WHERE container = 'subjects' AND id = 'subject'"
            " AND pk LIKE ?", (f"%{subject_id}%",)).fetchall()
        return str(pk), str(body)
    finally:
        db.close()


def write_subject_doc(clock_host: HostProcess, pk: str, body: str) -> None:
    db = sqlite3.connect(str(store_path(clock_host)), timeout=10)
    try:
        db.execute("UPDATE items SET body = ? WHERE container = 'subjects' AND id = 'subject'"
                   " AND pk = ?", (body, pk))
        db.commit()
    finally:
        db.close()


def test_a_step_that_always_fails_ends_the_request_failed_and_a_retry_completes_it(
    clock_host: HostProcess,
) -> None:
    with api_for(clock_host) as api:
        shop = open_shop(api, clock_host)
        subjects = seed(shop)
        pk, body = subject_doc(clock_host, subjects[SUBJECT])
        broken = json.loads(body)
        broken["dataKey"]["wrapped"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        write_subject_doc(clock_host, pk, json.dumps(broken))  # its key no longer unwraps
        access = shop.start({"type": "access", "identifiers": {"visitorId": SUBJECT}})

        def failed() -> bool:
            advance(clock_host, "PT10S")  # the activity's retries wait on the host clock
            return bool(shop.status(access)["status"] == "failed")

        wait_for(failed, timeout=60, what="the request failed after the activity's retries")
        status = shop.status(access)
        assert status["result"]["reason"] == "category_failed" and status["escalated"] is True
        rid = access["requestId"]
        assert shop.audited("dsar.failed", rid) == 1
        assert post(shop, f"/dsar/{rid}/retry", OPERATOR).status_code == 403
        write_subject_doc(clock_host, pk, body)  # repaired
        assert post(shop, f"/dsar/{rid}/retry", ADMIN_A).status_code == 202
        done = shop.wait_status(access)
        assert done["status"] == "completed", done
        counts = {c["category"]: c["records"] for c in done["result"]["categories"]}
        assert counts["contact"] == 1 and shop.audited("dsar.retried", rid) == 1


def test_after_the_record_days_nothing_of_the_erased_person_is_left_but_the_certificate(
    clock_host: HostProcess,
) -> None:
    with api_for(clock_host) as api:
        shop = open_shop(api, clock_host)
        seed(shop)
        api.patch(shop.base, headers=ADMIN_A, json={"dsrRecordDays": 7})
        erasure = ask_through_widget(shop, SUBJECT)
        rid = erasure["requestId"]
        assert shop.verify(rid, headers=OPERATOR).status_code == 200
        assert decide(shop, rid, ADMIN_B).status_code == 202
        assert shop.wait_status(erasure)["status"] == "completed"
        advance(clock_host, "P7DT1M")
        run_function(clock_host, "purge_finished_dsar")
        served = shop.status(erasure)
        assert served["minimisedAt"] and served["result"]["verification"]["verified"] is True
        tenant_id = shop.tenant_id
    assert clock_host.stop() == 0  # the stores are checkpointed and closed

    keys = FileKeyProvider(clock_host.data_dir / "regions" / "eu" / "keys")
    wanted = traces(keys, tenant_id, EMAIL, PHONE_RAW, SUBJECT, NAME)
    subject_ids = {v for k, v in wanted.items() if k.startswith("subject id")}
    on_disk = [
        (name, label)
        for name, content in files(clock_host.data_dir)
        for label, value in wanted.items()
        if value.encode() in content and value not in subject_ids
    ]
    assert on_disk == []  # plaintexts and digests, in every file: stores, WAL, queue, exports
    in_rows = [
        (where, label)
        for _, where, text in stored_rows(clock_host.data_dir)
        for label, value in wanted.items()
        if value in subject_ids and value in text and where != "audit"
    ]
    assert in_rows == []  # the subject id: only as the target of the audit trail's entries
    log = clock_host.log_path.read_text()
    assert not [label for label, value in wanted.items() if value in log]
