"""Resolution shows the operator which subjects matched and how, never one merged set; an
erasure that finds nobody says so instead of claiming a verified erasure."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from shared.subjects.index_entries import MAX_SUBJECTS
from tests.app_client import AppClient
from tests.conftest import collect_body, visitor_secret, widget_headers
from tests.fakes import FakeClock
from tests.functions.test_dsar import APPROVER, Dsar

SHARED = "family@example.org"


def contact(client: AppClient, tenant: dict[str, Any], visitor: str, email: str) -> None:
    body = {
        "visitorId": visitor,
        "visitorSecret": visitor_secret(visitor),
        "email": email,
        "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
    }
    answer = client.call("submit_contact", body=body, headers=widget_headers(tenant))
    assert answer.status == 202, answer.body


def start(dsar: Dsar, body: dict[str, Any]) -> dict[str, Any]:
    request_id = json.loads(dsar.start(body).get_body())["requestId"]
    return dict(dsar.status(request_id))


def test_an_email_two_visitors_used_shows_two_subjects(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    headers = widget_headers(tenant)
    client.call("collect", body=collect_body(3, "v-parent"), headers=headers)
    clock.advance(timedelta(hours=2))
    contact(client, tenant, "v-parent", SHARED)
    clock.advance(timedelta(days=1))
    contact(client, tenant, "v-child", SHARED)
    client.drain()
    status = start(
        Dsar(client, tenant, clock),
        {"type": "access", "identifiers": {"email": SHARED, "visitorId": "v-child"}},
    )
    matches = {tuple(m["matchedBy"]): m for m in status["matches"]}
    assert set(matches) == {("email",), ("email", "visitor")}, status["matches"]
    parent, child = matches[("email",)], matches[("email", "visitor")]
    assert parent["subjectRef"] != child["subjectRef"]
    assert (parent["records"], child["records"]) == (3 + 1 + 1 + 1, 2)  # events, tech, contact
    assert parent["firstSeen"] == "2026-11-02T09:00:00Z"
    assert parent["lastSeen"] == "2026-11-02T11:00:00Z"
    assert child["firstSeen"] == child["lastSeen"] == "2026-11-03T11:00:00Z"
    assert not parent["excluded"] and not child["excluded"]
    assert "matchesIncompleteFor" not in status
    assert SHARED not in json.dumps(status)


def test_a_visitor_id_names_its_subject_before_any_data_arrives(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    status = start(
        Dsar(client, tenant, clock),
        {"type": "restriction", "identifiers": {"visitorId": "v-future"}},
    )
    [match] = status["matches"]
    assert match["matchedBy"] == ["visitor"] and match["records"] == 0
    assert "firstSeen" not in match
    body = collect_body(1, "v-future")
    assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 409


def test_an_identifier_shared_by_too_many_visitors_says_the_list_is_incomplete(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    for n in range(MAX_SUBJECTS + 2):
        contact(client, tenant, f"v-{n:03}", SHARED)
        clock.advance(timedelta(minutes=1))
        client.drain()
    access = {"type": "access", "identifiers": {"email": SHARED}}
    status = start(Dsar(client, tenant, clock), access)
    assert len(status["matches"]) == MAX_SUBJECTS
    assert status["matchesIncompleteFor"] == ["email"]
    assert len(status["result"]["categories"]) == 6 and status["status"] == "completed"


def test_an_erasure_that_resolves_nobody_reports_nothing_found(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    dsar = Dsar(client, tenant, clock)
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": "nobody@example.org"}}).get_body()
    )["requestId"]
    assert dsar.verify(request_id).status == 200
    assert dsar.decide(request_id, True, headers=APPROVER).status_code == 202
    status = dsar.status(request_id)
    assert status["status"] == "completed" and status["matches"] == []
    verification = status["result"]["verification"]
    assert verification["verified"] is False and verification["outcome"] == "nothing_found"
