"""Breach notice facts (seed 001, 9.2; seed 000, TOMs 11.2): the categories of data subjects,
known or suspected consequences, root cause, remediation tracked to done, and the specific
persons, as pseudonymous ids, for the controller on its instruction."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.app_client import AppClient
from tests.conftest import PLATFORM
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import PLANTED, audit_entries, new_tenant, plant
from tests.functions.test_incidents import report

FACTS = {
    "subjectCategories": ["website visitors", "callback requesters"],
    "consequences": "contact details may be used for unsolicited calls",
    "rootCause": "a firewall rule was removed by a faulty deployment script",
    "remediation": [
        {"action": "restore the firewall rule", "status": "done"},
        {"action": "check deployment scripts against the baseline", "status": "planned"},
    ],
}


@pytest.fixture
def planted(client: AppClient, clock: FakeClock) -> dict[str, Any]:
    """Tenant A: a visitor before the window, two in it, one after; tenant B: one in it."""
    a, b = new_tenant(client, "Shop A"), new_tenant(client, "Shop B")
    plant(client, a, "v-old", 1)
    clock.advance(timedelta(hours=2))
    start = clock.now() - timedelta(minutes=30)
    for visitor in ("v-1", "v-2"):
        plant(client, a, visitor, 2)
    plant(client, b, "v-9", 1)
    end = clock.now() + timedelta(minutes=30)
    clock.advance(timedelta(hours=1))
    plant(client, a, "v-late", 1)
    return {"a": a, "b": b, "start": start, "end": end}


def incident(client: AppClient, clock: FakeClock, planted: dict[str, Any], **fields: Any) -> str:
    answer = report(client, detectedAt=clock.now().isoformat(),
                    startedAt=planted["start"].isoformat(), endedAt=planted["end"].isoformat(),
                    **fields)
    assert answer.status == 201, answer.body
    return str(answer.json()["incidentId"])


def notice(client: AppClient, incident_id: str, tenant_id: str, **params: str) -> Any:
    route = {"incidentId": incident_id, "tenantId": tenant_id}
    return client.call("get_incident_notice", "GET", headers=PLATFORM, route=route, params=params)


def patch(client: AppClient, incident_id: str, body: dict[str, Any]) -> Any:
    return client.call("update_incident", "PATCH", body=body, headers=PLATFORM,
                       route={"incidentId": incident_id})


def test_the_notice_carries_the_new_facts_as_json_and_markdown(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    incident_id = incident(client, clock, planted, **FACTS)
    tenant_id = planted["a"]["tenantId"]
    body = notice(client, incident_id, tenant_id).json()
    assert body["subjectCategories"] == FACTS["subjectCategories"]
    assert body["consequences"] == FACTS["consequences"]
    assert body["rootCause"] == FACTS["rootCause"]
    assert [(r["action"], r["status"]) for r in body["remediation"]] == [
        ("restore the firewall rule", "done"),
        ("check deployment scripts against the baseline", "planned"),
    ]
    assert body["remediation"][0]["doneAt"] and "doneAt" not in body["remediation"][1]
    text = notice(client, incident_id, tenant_id, format="markdown").body.decode()
    for section in ("## Data subjects affected", "## Known or suspected consequences",
                    "## Root cause", "## Remediation"):
        assert section in text
    assert "| restore the firewall rule | done |" in text and "callback requesters" in text


def test_without_the_facts_the_notice_says_they_are_being_established(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    incident_id = incident(client, clock, planted)
    text = notice(client, incident_id, planted["a"]["tenantId"], format="markdown").body.decode()
    assert "still being established" in text and "under analysis" in text
    assert "none recorded yet" in text


def test_remediation_moves_forward_only_and_is_never_dropped(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    incident_id = incident(client, clock, planted, **FACTS)
    done, planned = notice(client, incident_id, planted["a"]["tenantId"]).json()["remediation"]
    step = {"id": planned["id"], "action": planned["action"], "status": "in_progress"}
    added = {"action": "rotate the storage keys"}
    moved = patch(client, incident_id, {"remediation": [step, added]})
    assert moved.status == 200, moved.body
    actions = moved.json()["remediation"]
    assert [a["status"] for a in actions] == ["done", "in_progress", "planned"]
    assert moved.json()["revision"] == 2
    back = patch(client, incident_id, {"remediation": [{**step, "id": done["id"]}]})
    assert back.status == 409  # done stays done
    unknown = patch(client, incident_id, {"remediation": [{**step, "id": "rem-unknown"}]})
    assert unknown.status == 400 and unknown.json()["errors"][0]["path"] == "/remediation/0/id"
    finished = patch(client, incident_id, {"remediation": [{**step, "status": "done"}]})
    assert [a["status"] for a in finished.json()["remediation"]] == ["done", "done", "planned"]
    cleared = patch(client, incident_id, {"rootCause": None})
    assert cleared.status == 200 and "rootCause" not in cleared.json()
    assert patch(client, incident_id, {"nature": None}).status == 400


def test_the_specific_persons_are_listed_by_id_on_instruction_and_audited(
    client: AppClient, clock: FakeClock, planted: dict[str, Any]
) -> None:
    incident_id = incident(client, clock, planted)
    a = planted["a"]["tenantId"]
    route = {"incidentId": incident_id, "tenantId": a}
    answer = client.call("list_affected_subjects", body={"instruction": "controller ticket 42"},
                         headers=PLATFORM, route=route)
    assert answer.status == 200, answer.body
    found = answer.json()
    expected = {client.services.visitors.find(a, v).subject_id for v in ("v-1", "v-2")}
    assert set(found["subjectIds"]) == expected and found["count"] == 2  # not v-old, v-late
    assert found["instruction"] == "controller ticket 42"
    assert not [v for v in PLANTED if v in answer.body.decode()]
    [entry] = [e for e in audit_entries(client, a) if e["action"] == "incident.subjects.listed"]
    assert entry["details"] == {"subjects": 2} and "ticket" not in str(entry)
    elsewhere = new_tenant(client, "Not affected")["tenantId"]
    missing = client.call("list_affected_subjects", body={"instruction": "x"}, headers=PLATFORM,
                          route={"incidentId": incident_id, "tenantId": elsewhere})
    assert missing.status == 404
