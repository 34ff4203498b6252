"""Data-subject requests under pressure: two decisions at once, a long list in pages, a stored
request that no longer parses."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from shared.containers import REQUESTS
from shared.ports.document_store import DocumentStore
from tests.app_client import AppClient, principal
from tests.fakes import FakeClock
from tests.functions.test_dsar import APPROVER, EMAIL, OPERATOR, Dsar, dsar  # noqa: F401

SECOND_APPROVER = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-approver-2")}


class MeetBeforeWriting:
    """Holds the first two request writes until both writers have read: a real race, every
    time (without it, one decision usually lands before the other reads)."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.barrier, self.left = inner, threading.Barrier(2, timeout=10), 2

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def replace(self, container: str, item: dict[str, Any], if_match: str | None = None) -> Any:
        if container == REQUESTS.name and self.left > 0:
            self.left -= 1
            self.barrier.wait()
        return self.inner.replace(container, item, if_match=if_match)


def start(dsar: Dsar, kind: str = "erasure") -> str:  # noqa: F811
    answer = dsar.start({"type": kind, "identifiers": {"email": EMAIL}})
    return str(json.loads(answer.get_body())["requestId"])


def test_two_concurrent_decisions_one_wins_the_other_is_409(dsar: Dsar) -> None:  # noqa: F811
    request_id = start(dsar)
    assert dsar.status(request_id)["status"] == "awaiting_approval"
    requests = dsar.client.services.dsar_requests
    requests._store = MeetBeforeWriting(requests._store)  # type: ignore[assignment]
    with ThreadPoolExecutor(max_workers=2) as admins:
        answers = list(
            admins.map(
                lambda who: dsar._async(
                    "decide_dsar", who, {"approve": False, "reason": "r"}, requestId=request_id
                ),
                (APPROVER, SECOND_APPROVER),
            )
        )
    assert sorted(a.status_code for a in answers) == [202, 409]
    loser = next(a for a in answers if a.status_code == 409)
    assert loser.mimetype == "application/problem+json"
    trail = dsar.client.call(
        "list_audit",
        "GET",
        headers={"X-MS-CLIENT-PRINCIPAL": principal("Auditor")},
        route={"tenantId": dsar.tenant["tenantId"]},
    ).json()["items"]
    assert [e["action"] for e in trail].count("dsar.decided") == 1


def page_through(client: AppClient, tenant_id: str, limit: int) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        params = {"limit": str(limit)} | ({"continuation": token} if token else {})
        answer = client.call(
            "list_dsar", "GET", headers=OPERATOR, route={"tenantId": tenant_id}, params=params
        )
        assert answer.status == 200, answer.body
        pages.append(answer.json()["items"])
        token = answer.json().get("continuation")
        if not token:
            return pages


def test_the_list_comes_in_pages_overdue_first(dsar: Dsar, clock: FakeClock) -> None:  # noqa: F811
    finished = start(dsar, "access")  # completes at once
    early = [start(dsar) for _ in range(3)]
    clock.advance(timedelta(days=10))
    late = [start(dsar) for _ in range(2)]
    clock.advance(timedelta(days=25))  # the early ones are overdue now, the late ones not
    pages = page_through(dsar.client, dsar.tenant["tenantId"], limit=2)
    listed = [i["requestId"] for page in pages for i in page]
    assert set(listed[:3]) == set(early) and set(listed[3:5]) == set(late)
    assert listed[5:] == [finished] and len(listed) == len(set(listed))
    assert all(len(page) <= 2 for page in pages)
    overdue = [i["overdue"] for page in pages for i in page]
    assert overdue == [True, True, True, False, False, False]


@pytest.mark.parametrize("token", ["garbage", "eyJwIjogOX0=", "e30=", "%%%"])
def test_a_malformed_continuation_is_400(dsar: Dsar, token: str) -> None:  # noqa: F811
    answer = dsar.client.call(
        "list_dsar",
        "GET",
        headers=OPERATOR,
        route={"tenantId": dsar.tenant["tenantId"]},
        params={"continuation": token},
    )
    assert answer.status == 400 and answer.json()["errors"][0]["path"] == "?continuation"


def test_a_broken_request_is_quarantined_not_a_500(dsar: Dsar) -> None:  # noqa: F811
    broken_id, fine_id = start(dsar), start(dsar)
    store, tenant_id = dsar.client.services.store, dsar.tenant["tenantId"]
    doc = store.read(REQUESTS.name, (tenant_id,), broken_id)
    store.replace(REQUESTS.name, doc | {"status": "lost", "deadline": "soon"})
    route = {"tenantId": tenant_id, "requestId": broken_id}
    answer = dsar.client.call("get_dsar", "GET", headers=OPERATOR, route=route)
    assert answer.status == 409 and answer.json()["type"].endswith("/quarantined")
    listed = page_through(dsar.client, tenant_id, limit=50)[0]
    assert [i["requestId"] for i in listed] == [fine_id]
    dsar.client.services.dsar_housekeeping.expire_exports()  # the timer's reads go on
    quarantined = dsar.client.call(
        "list_quarantine", "GET", headers={"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")}
    ).json()["items"]
    assert [(q["container"], q["documentId"]) for q in quarantined] == [
        ("privacy_requests", broken_id)
    ]
