"""The workflow around a request (issue 13) over HTTP: waiting for the requester, the queue's
order, a child's track, extensions with their reason, lifting a restriction, and the rules that
refuse a step at the wrong moment (409, nothing changed)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.containers import AUDIT
from tests.conftest import PRIVACY_ADMIN, collect_body, widget_headers
from tests.fakes import FakeClock
from tests.functions.test_dsar import APPROVER, EMAIL, OPERATOR, Dsar, dsar, items  # noqa: F401
from tests.functions.test_dsar_verification import verify, widget_request


def call(dsar: Dsar, name: str, request_id: str, body: Any = None,  # noqa: F811
         headers: dict[str, str] = PRIVACY_ADMIN) -> Any:
    route = {"tenantId": dsar.tenant["tenantId"], "requestId": request_id}
    return dsar.client.call(name, headers=headers, route=route, body=body)


def start(dsar: Dsar, **body: Any) -> str:  # noqa: F811
    body = {"type": "erasure", "identifiers": {"email": EMAIL}} | body
    return str(json.loads(dsar.start(body).get_body())["requestId"])


def listed(dsar: Dsar) -> list[str]:  # noqa: F811
    answer = dsar.client.call(
        "list_dsar", "GET", headers=OPERATOR, route={"tenantId": dsar.tenant["tenantId"]}
    )
    return [i["requestId"] for i in answer.json()["items"]]


def test_a_request_waits_for_its_requester_only_before_the_decision(dsar: Dsar) -> None:  # noqa: F811
    request_id = start(dsar)
    assert dsar.step("resume_dsar", request_id, OPERATOR).status_code == 409  # not waiting
    bad = call(dsar, "pause_dsar", request_id, {"reason": "holiday"}, OPERATOR)
    assert bad.status == 400 and bad.json()["errors"][0]["path"] == "/reason"
    note = "sent a scan of the passport of Jean Dupont"
    paused = call(dsar, "pause_dsar", request_id, {"reason": "other", "note": note}, OPERATOR)
    assert paused.status == 200 and paused.json()["status"] == "awaiting_requester"
    assert call(dsar, "pause_dsar", request_id, {"reason": "other"}).status == 409
    refused = dsar.decide(request_id, True)
    assert refused.status_code == 409  # resume first: an approval needs the requester back
    stored = json.dumps(items(dsar.client, dsar.tenant["tenantId"], "privacy_requests"))
    assert "Jean Dupont" not in stored
    trail = json.dumps(items(dsar.client, dsar.tenant["tenantId"], AUDIT.name))
    assert '"dsar.paused"' in trail and "Jean Dupont" not in trail
    resumed = dsar.step("resume_dsar", request_id, OPERATOR)
    assert json.loads(resumed.get_body())["status"] == "awaiting_approval"
    verify(dsar, request_id, OPERATOR)
    dsar.decide(request_id, True)
    assert call(dsar, "pause_dsar", request_id, {"reason": "other"}).status == 409  # decided


def test_the_list_puts_a_child_first_and_paused_requests_apart(
    dsar: Dsar, clock: FakeClock  # noqa: F811
) -> None:
    old = start(dsar)  # its deadline comes before the child's, 28 days later
    paused = start(dsar)
    call(dsar, "pause_dsar", paused, {"reason": "identity_documents"})
    done = start(dsar, type="access")
    clock.advance(timedelta(days=28))
    child = start(dsar, reason="child")
    assert datetime.fromisoformat(dsar.status(child)["deadline"]) == clock.now() + timedelta(
        hours=72
    )
    assert listed(dsar) == [child, old, paused, done]


def test_reason_child_belongs_to_an_erasure(dsar: Dsar) -> None:  # noqa: F811
    answer = dsar._async("start_dsar", OPERATOR, {
        "type": "access", "identifiers": {"email": EMAIL}, "reason": "child"})
    assert answer.status_code == 400


def test_an_extension_keeps_its_reason_and_has_its_limits(
    dsar: Dsar, clock: FakeClock  # noqa: F811
) -> None:
    request_id = start(dsar)
    body = {"days": 30, "reason": "three systems to search"}
    extended = call(dsar, "extend_dsar", request_id, body)
    assert extended.status == 200
    [entry] = extended.json()["extensions"]
    assert (entry["days"], entry["reason"], entry["by"]) == (30, body["reason"], "oid-admin-1")
    child = start(dsar, reason="child")
    assert call(dsar, "extend_dsar", child, body).status == 409
    clock.advance(timedelta(days=61))  # past its (extended) deadline
    assert call(dsar, "extend_dsar", request_id, body).status == 409
    verify(dsar, request_id, OPERATOR)
    dsar.decide(request_id, True)
    certificate = dsar.status(request_id)["result"]
    assert certificate["extensions"][0]["reason"] == body["reason"]
    assert call(dsar, "extend_dsar", request_id, body).status == 409  # closed
    trail = json.dumps(items(dsar.client, dsar.tenant["tenantId"], AUDIT.name))
    assert "three systems" not in trail


@pytest.mark.parametrize(("kind", "flag"), [("restriction", "restricted"),
                                            ("objection", "objected")])
def test_lifting_a_restriction_lets_the_widget_collect_again(
    dsar: Dsar, kind: str, flag: str  # noqa: F811
) -> None:
    request_id = start(dsar, type=kind, identifiers={"visitorId": "v-subject"})
    headers = widget_headers(dsar.tenant)
    assert dsar.client.call("collect", body=collect_body(1, "v-subject"), headers=headers
                            ).status == 409
    reason = "the accuracy dispute is settled"
    assert call(dsar, "lift_dsar", request_id, {"reason": reason}, OPERATOR).status == 403
    lifted = call(dsar, "lift_dsar", request_id, {"reason": reason})
    assert lifted.status == 200, lifted.body
    assert lifted.json()["result"]["lifted"] | {"at": "-"} == {
        "at": "-", "by": "oid-admin-1", "reason": reason}
    answer = dsar.client.call("collect", body=collect_body(2, "v-subject"), headers=headers)
    assert answer.status == 202 and answer.json()["accepted"] == 2
    assert call(dsar, "lift_dsar", request_id, {"reason": reason}).status == 409
    trail = [e for e in items(dsar.client, dsar.tenant["tenantId"], AUDIT.name)
             if e.get("action") == "dsar.lifted"]
    assert [e["details"] for e in trail] == [{"type": kind, "subjects": 1}]


def test_only_a_restriction_or_objection_is_lifted(dsar: Dsar) -> None:  # noqa: F811
    access = start(dsar, type="access")
    assert call(dsar, "lift_dsar", access, {"reason": "r"}).status == 409


def test_cancel_and_retry_refuse_a_request_in_another_state(dsar: Dsar) -> None:  # noqa: F811
    request_id = start(dsar)
    assert dsar.step("cancel_dsar", request_id, PRIVACY_ADMIN, {"reason": "r"}
                     ).status_code == 409
    assert dsar.step("retry_dsar", request_id, PRIVACY_ADMIN).status_code == 409
    assert dsar.status(request_id)["status"] == "awaiting_approval"


def test_a_failed_request_retried_in_process_completes(dsar: Dsar) -> None:  # noqa: F811
    dsar.failing.add("dsar_finish")
    request_id = start(dsar, type="access")
    failed = dsar.status(request_id)
    assert failed["status"] == "failed" and failed["result"]["reason"] == "finish_failed"
    assert dsar.step("retry_dsar", request_id, OPERATOR).status_code == 403
    dsar.failing.clear()
    assert dsar.step("retry_dsar", request_id, PRIVACY_ADMIN).status_code == 202
    assert dsar.status(request_id)["status"] == "completed"


def test_waiting_and_record_settings_are_bounded(dsar: Dsar) -> None:  # noqa: F811
    route = {"tenantId": dsar.tenant["tenantId"]}
    shown = dsar.client.call("get_tenant", "GET", headers=PRIVACY_ADMIN, route=route).json()
    assert (shown["erasureWaitingDays"], shown["dsrRecordDays"]) == (0, 90)
    for body, path in (({"erasureWaitingDays": 15}, "/erasureWaitingDays"),
                       ({"dsrRecordDays": 366}, "/dsrRecordDays"),
                       ({"dsrRecordDays": 0}, "/dsrRecordDays"),
                       ({"dsrRecordDays": None}, "/dsrRecordDays")):
        answer = dsar.client.call("update_tenant", "PATCH", headers=PRIVACY_ADMIN, route=route,
                                  body=body)
        assert answer.status == 400, (body, answer.body)
        assert [e["path"] for e in answer.json()["errors"]] == [path]
    ok = dsar.client.call("update_tenant", "PATCH", headers=PRIVACY_ADMIN, route=route,
                          body={"erasureWaitingDays": 14, "dsrRecordDays": 365})
    assert ok.status == 200 and ok.json()["dsrRecordDays"] == 365


def test_a_widget_request_paused_and_resumed_keeps_its_place(dsar: Dsar) -> None:  # noqa: F811
    request_id = widget_request(dsar)
    call(dsar, "pause_dsar", request_id, {"reason": "identity_documents"}, OPERATOR)
    assert dsar.step("resume_dsar", request_id, OPERATOR).status_code == 200
    assert dsar.status(request_id)["status"] == "received" and dsar.durable.events == []


def test_a_request_paused_before_it_was_registered_resumes_awaiting_its_decision(
    dsar: Dsar,  # noqa: F811
) -> None:
    answer = dsar._async("start_dsar", OPERATOR, {"type": "erasure",
                                                  "identifiers": {"email": EMAIL}})
    request_id = json.loads(answer.get_body())["requestId"]  # its orchestration has not run
    call(dsar, "pause_dsar", request_id, {"reason": "clarification"}, OPERATOR)
    dsar.pump()  # registered while paused
    assert dsar.status(request_id)["status"] == "awaiting_requester"
    resumed = dsar.step("resume_dsar", request_id, OPERATOR)
    assert json.loads(resumed.get_body())["status"] == "awaiting_approval"
