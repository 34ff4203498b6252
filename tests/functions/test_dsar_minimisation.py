"""Records minimised after their purpose (issue 13, item 7): dsrRecordDays after a request
ends, its identifiers, requester details, notes, request key, digests and subject refs are
deleted; the certificate is still served. After an erasure, nothing the app can derive from
the person's identifiers is found in any container."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest

from shared.containers import AUDIT
from tests.app_client import FUNCTIONS, AppClient
from tests.conftest import PRIVACY_ADMIN, collect_body, visitor_secret, widget_headers
from tests.dsar_traces import stored_rows, traces
from tests.fakes import FakeClock
from tests.functions.test_dsar import Dsar, PurgingClient
from tests.functions.test_dsar_verification import ADMIN_A, ADMIN_B, verify

EMAIL, PHONE = "Gone.Person@Example.org", "+33 6 98 76 54 32"
NAME, VISITOR = "Gone Person", "v-gone"
PERSONAL = ("enc", "dataKey", "identifierDigests", "lookupIndexIds", "matches", "subjectIds")


def seed(client: AppClient, tenant: dict[str, Any]) -> None:
    headers = widget_headers(tenant)
    assert client.call("collect", body=collect_body(3, VISITOR), headers=headers).status == 202
    body = {"visitorId": VISITOR, "visitorSecret": visitor_secret(VISITOR), "email": EMAIL,
            "phone": PHONE, "name": NAME, "message": "call me back",
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"}}
    assert client.call("submit_contact", body=body, headers=headers).status == 202
    client.drain()


def housekeeping(client: AppClient) -> None:
    """The purge_finished_dsar timer, with a Durable client whose instances have ended."""
    handler = FUNCTIONS["purge_finished_dsar"].get_user_function().__wrapped__
    from azure.functions.timer import TimerRequest

    asyncio.run(handler(TimerRequest(), client=PurgingClient("Completed")))


def request_doc(client: AppClient, tenant_id: str, request_id: str) -> dict[str, Any]:
    return client.services.store.read("privacy_requests", (tenant_id,), request_id)


@pytest.fixture
def gone(client: AppClient, tenant: dict[str, Any], clock: FakeClock) -> tuple[Dsar, str, str]:
    """The person asked for access, then for erasure through the widget; both are done."""
    seed(client, tenant)
    dsar = Dsar(client, tenant, clock)
    access = json.loads(dsar.start(
        {"type": "access", "identifiers": {"email": EMAIL}, "requester": NAME,
         "notes": f"asked by phone from {PHONE}"}).get_body())["requestId"]
    body = {"type": "erasure", "visitorId": VISITOR, "visitorSecret": visitor_secret(VISITOR),
            "email": EMAIL, "phone": PHONE, "message": f"I am {NAME}, delete everything"}
    answer = client.call("submit_privacy_request", headers=widget_headers(tenant), body=body)
    client.drain()
    erasure = answer.json()["requestId"]
    assert verify(dsar, erasure, ADMIN_A, note=f"called back {PHONE}").status == 200
    assert dsar.decide(erasure, True, headers=ADMIN_B).status_code == 202
    assert dsar.status(erasure)["result"]["verification"]["outcome"] == "verified"
    return dsar, access, erasure


def test_a_finished_request_keeps_its_identifiers_until_its_record_days(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock, gone: tuple[Dsar, str, str]
) -> None:
    _, access, erasure = gone
    tid = tenant["tenantId"]
    clock.advance(timedelta(days=89))
    housekeeping(client)
    assert all(name in request_doc(client, tid, erasure) for name in ("enc", "dataKey"))
    clock.advance(timedelta(days=1, seconds=1))
    housekeeping(client)
    for request_id in (access, erasure):
        doc = request_doc(client, tid, request_id)
        assert [name for name in PERSONAL if doc.get(name)] == [], request_id
        assert doc["minimisedAt"] and doc["result"]["completedAt"]
    trail = [e for e in client.services.store.query(AUDIT.name, (tid,), max_items=1000).items
             if e.get("action") == "dsar.minimised"]
    assert sorted(e["target"] for e in trail) == sorted([access, erasure])


def test_after_the_record_days_nothing_of_the_erased_person_is_found_anywhere(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock, gone: tuple[Dsar, str, str]
) -> None:
    dsar, _, erasure = gone
    tid = tenant["tenantId"]
    route = {"tenantId": tid}
    client.call("update_tenant", "PATCH", headers=PRIVACY_ADMIN, route=route,
                body={"dsrRecordDays": 30})
    wanted = traces(client.services.keys, tid, EMAIL, PHONE, VISITOR, NAME)

    def found() -> set[tuple[str, str]]:
        """Everything found, except the subject's pseudonymous id as the target of audit
        entries written while it existed (contact.created...): the hash-chained trail is
        kept as it is, and those entries expire with the audit retention."""
        return {
            (where, label)
            for _, where, text in stored_rows(client.services.settings.data_dir)
            for label, value in wanted.items()
            if value in text and not (where == AUDIT.name and label.startswith("subject id"))
        }

    before = found()  # the search finds what is there: the finished requests' digests
    labels = {label.split(" (")[0] for where, label in before if where == "privacy_requests"}
    assert {"email digest", "phone digest", "visitor digest", "subject id"} <= labels, before
    clock.advance(timedelta(days=30, seconds=1))
    housekeeping(client)
    assert found() == set()
    certificate = dsar.status(erasure)
    assert certificate["status"] == "completed" and certificate["minimisedAt"]
    assert certificate["result"]["identityCheck"]["by"] == "oid-admin-a"
    assert certificate["result"]["verification"]["subjectsErased"] == 1
    shown = json.dumps(certificate)
    assert not [label for label, value in wanted.items() if value in shown]


def test_a_restriction_in_force_keeps_its_subjects_until_it_is_lifted(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    seed(client, tenant)
    dsar = Dsar(client, tenant, clock)
    request_id = json.loads(dsar.start(
        {"type": "restriction", "identifiers": {"visitorId": VISITOR}}).get_body())["requestId"]
    clock.advance(timedelta(days=91))
    housekeeping(client)
    tid = tenant["tenantId"]
    doc = request_doc(client, tid, request_id)
    assert "enc" not in doc and doc["subjectIds"]  # the lift still needs them
    route = {"tenantId": tid, "requestId": request_id}
    lifted = client.call("lift_dsar", headers=PRIVACY_ADMIN, route=route,
                         body={"reason": "settled"})
    assert lifted.status == 200
    housekeeping(client)
    assert "subjectIds" not in request_doc(client, tid, request_id)


def test_a_minimised_failed_request_cannot_be_retried(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    dsar = Dsar(client, tenant, clock)
    dsar.failing.add("dsar_category")
    request_id = json.loads(dsar.start(
        {"type": "access", "identifiers": {"email": EMAIL}}).get_body())["requestId"]
    assert dsar.status(request_id)["status"] == "failed"
    clock.advance(timedelta(days=91))
    housekeeping(client)
    dsar.failing.clear()
    refused = dsar.step("retry_dsar", request_id, PRIVACY_ADMIN)
    assert refused.status_code == 409 and b"start a new request" in refused.get_body()
    assert dsar.status(request_id)["status"] == "failed"
