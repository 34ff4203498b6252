"""Identity verification and the two-person rule (API.md v1.1): who checked the requester and
how is recorded (the note sealed), the verifier sees what matched and may exclude a wrong
match, and an erasure, a rectification or any widget request is approved only by a second
Privacy.Admin. Written as a hostile admin would try it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.containers import AUDIT, REQUESTS, SUBJECTS
from tests.app_client import AppClient, principal
from tests.conftest import visitor_secret, widget_headers
from tests.fakes import FakeClock
from tests.functions.test_dsar import APPROVER, EMAIL, OPERATOR, Dsar, dsar, items  # noqa: F401
from tests.functions.test_dsar_matches import contact

ADMIN_A = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-admin-a")}
ADMIN_B = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-admin-b")}
NOTE = "Passport FR 12AB34567 checked on a video call"


def widget_request(dsar: Dsar, kind: str = "erasure", **ids: str) -> str:  # noqa: F811
    body: dict[str, Any] = {"type": kind, **(ids or {"email": EMAIL})}
    if "visitorId" in body:
        body["visitorSecret"] = visitor_secret(body["visitorId"])
    answer = dsar.client.call(
        "submit_privacy_request", headers=widget_headers(dsar.tenant), body=body
    )
    assert answer.status == 202, answer.body
    dsar.client.drain()
    return str(answer.json()["requestId"])


def verify(dsar: Dsar, request_id: str, headers: dict[str, str], **body: Any) -> Any:  # noqa: F811
    return dsar.client.call(
        "verify_dsar",
        headers=headers,
        route={"tenantId": dsar.tenant["tenantId"], "requestId": request_id},
        body={"method": "document", **body},
    )


def refusal(answer: Any) -> tuple[int, str]:
    return answer.status_code, json.loads(answer.get_body()).get("rule", "")


def test_verification_records_who_how_and_when_and_seals_the_note(dsar: Dsar) -> None:  # noqa: F811
    request_id = widget_request(dsar)
    assert dsar.status(request_id)["verified"] is False
    answer = verify(dsar, request_id, OPERATOR, method="document", note=NOTE)
    assert answer.status == 200, answer.body
    view = answer.json()
    assert view["verified"] is True
    assert view["verification"] | {"at": "-"} == {"method": "document", "by": "oid-operator",
                                                  "at": "-"}
    [match] = view["matches"]  # what the verifier checks: who the identifiers found, and how
    assert match["matchedBy"] == ["email"] and match["records"] > 0 and match["lastSeen"]
    tid = dsar.tenant["tenantId"]
    stored = json.dumps(items(dsar.client, tid, REQUESTS.name))
    assert "12AB34567" not in stored and EMAIL not in stored
    assert dsar.client.services.dsar_requests.sealed(
        dsar.client.services.dsar_requests.get(tid, request_id), "verificationNote"
    ) == NOTE
    trail = [e for e in items(dsar.client, tid, AUDIT.name) if e.get("action") == "dsar.verified"]
    assert [e["details"]["method"] for e in trail] == ["document"]
    assert "12AB34567" not in json.dumps(items(dsar.client, tid, AUDIT.name))
    again = verify(dsar, request_id, ADMIN_A)
    assert again.status == 409  # one verification, never overwritten by a friendlier one


def test_a_widget_erasure_needs_two_people(dsar: Dsar) -> None:  # noqa: F811
    request_id = widget_request(dsar)
    assert refusal(dsar.decide(request_id, True, headers=ADMIN_A)) == (403, "verification-first")
    assert verify(dsar, request_id, ADMIN_A).status == 200
    assert refusal(dsar.decide(request_id, True, headers=ADMIN_A)) == (403, "not-the-verifier")
    by_operator = dsar.decide(request_id, True, headers=OPERATOR)
    assert by_operator.status_code == 403  # an operator never decides
    assert dsar.status(request_id)["status"] == "received"
    assert dsar.decide(request_id, True, headers=ADMIN_B).status_code == 202
    done = dsar.status(request_id)
    assert done["status"] == "completed" and done["decidedBy"] == "oid-admin-b"
    assert done["result"]["identityCheck"]["by"] == "oid-admin-a"
    assert done["result"]["approver"] == "oid-admin-b"


def test_one_admin_cannot_erase_anyone_alone_through_the_widget(dsar: Dsar) -> None:  # noqa: F811
    """Issue 11: file the erasure as a visitor, then approve it. Whatever the order of the
    steps one person can take, the request stays undecided and the data stays."""
    request_id = widget_request(dsar, visitorId="v-subject")
    assert refusal(dsar.decide(request_id, True, headers=ADMIN_A))[0] == 403
    assert verify(dsar, request_id, ADMIN_A).status == 200
    assert refusal(dsar.decide(request_id, True, headers=ADMIN_A))[0] == 403
    assert dsar.status(request_id)["status"] == "received" and dsar.durable.started == []
    assert len(items(dsar.client, dsar.tenant["tenantId"])) > 10  # nothing erased


@pytest.mark.parametrize("kind", ["erasure", "rectification"])
def test_the_starter_who_verified_cannot_approve_and_neither_can_the_verifier(
    dsar: Dsar, kind: str  # noqa: F811
) -> None:
    body: dict[str, Any] = {"type": kind, "identifiers": {"email": EMAIL}}
    if kind == "rectification":
        body["changes"] = {"name": "Right Name"}
    request_id = json.loads(dsar.start(body, headers=ADMIN_A).get_body())["requestId"]
    assert verify(dsar, request_id, ADMIN_B).status == 200
    assert refusal(dsar.decide(request_id, True, headers=ADMIN_A)) == (403, "starter")
    assert refusal(dsar.decide(request_id, True, headers=ADMIN_B)) == (403, "not-the-verifier")
    assert dsar.decide(request_id, True, headers=APPROVER).status_code == 202
    assert dsar.status(request_id)["status"] == "completed"


def test_rejecting_needs_no_verification_and_the_verifier_may_reject(dsar: Dsar) -> None:  # noqa: F811
    first = widget_request(dsar)
    assert dsar.decide(first, False, headers=ADMIN_A, reason="not the account holder"
                       ).status_code == 202
    assert dsar.status(first)["status"] == "rejected"
    second = widget_request(dsar)
    assert verify(dsar, second, ADMIN_A).status == 200
    assert dsar.decide(second, False, headers=ADMIN_A).status_code == 202
    assert dsar.status(second)["status"] == "rejected"
    assert verify(dsar, second, ADMIN_B).status == 409  # decided: nothing left to verify


def shared_email_erasure(client: AppClient, tenant: dict[str, Any], clock: FakeClock) -> tuple[
        Dsar, str, dict[str, str]]:
    for visitor in ("v-parent", "v-child"):
        contact(client, tenant, visitor, "family@example.org")
    client.drain()
    dsar = Dsar(client, tenant, clock)  # noqa: F811
    request_id = json.loads(dsar.start(
        {"type": "erasure", "identifiers": {"email": "family@example.org"}}).get_body()
    )["requestId"]
    subjects = {
        v: client.services.visitors.find(tenant["tenantId"], v).subject_id
        for v in ("v-parent", "v-child")
    }
    return dsar, request_id, subjects


def exclude(dsar: Dsar, request_id: str, ref: str, headers: dict[str, str] = OPERATOR) -> Any:  # noqa: F811
    return dsar.client.call(
        "exclude_dsar_match",
        headers=headers,
        route={"tenantId": dsar.tenant["tenantId"], "requestId": request_id, "matchRef": ref},
        body={"reason": "a family member sharing the address"},
    )


def test_an_excluded_match_is_left_out_of_the_erasure(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    dsar, request_id, subjects = shared_email_erasure(client, tenant, clock)  # noqa: F811
    assert verify(dsar, request_id, OPERATOR).status == 200
    assert exclude(dsar, request_id, "not-a-match").status == 404
    answer = exclude(dsar, request_id, subjects["v-parent"])
    assert answer.status == 200, answer.body
    flags = {m["subjectRef"]: m["excluded"] for m in answer.json()["matches"]}
    assert flags == {subjects["v-parent"]: True, subjects["v-child"]: False}
    assert dsar.decide(request_id, True).status_code == 202
    done = dsar.status(request_id)
    assert done["status"] == "completed" and done["result"]["subjects"] == 1
    assert done["result"]["excludedMatches"] == 1
    left = {i["subjectId"] for i in items(client, tenant["tenantId"], SUBJECTS.name)}
    assert subjects["v-parent"] in left and subjects["v-child"] not in left
    assert exclude(dsar, request_id, subjects["v-child"]).status == 409  # decided


def test_an_approved_request_acts_on_the_matches_its_approver_saw(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    """A subject that starts using the email after the approval is not erased with it."""
    dsar = Dsar(client, tenant, clock)  # noqa: F811
    contact(client, tenant, "v-first", "late@example.org")
    client.drain()
    body = {"type": "erasure", "email": "late@example.org"}
    answer = client.call("submit_privacy_request", headers=widget_headers(tenant), body=body)
    client.drain()
    request_id = answer.json()["requestId"]
    [seen] = verify(dsar, request_id, OPERATOR).json()["matches"]
    contact(client, tenant, "v-second", "late@example.org")
    client.drain()
    assert dsar.decide(request_id, True).status_code == 202
    done = dsar.status(request_id)
    assert [m["subjectRef"] for m in done["matches"]] == [seen["subjectRef"]]
    late = client.services.visitors.find(tenant["tenantId"], "v-second").subject_id
    assert late in {i["subjectId"] for i in items(client, tenant["tenantId"], SUBJECTS.name)}
