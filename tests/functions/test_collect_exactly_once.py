"""Each accepted event is stored exactly once, in one document per message, even when the
widget resends after a failure that left the first copy queued without its receipt."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.containers import SUBJECTS
from shared.ports.document_store import DocumentStore, Query, StoreError
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers, with_ports
from tests.stored import stored_records


class LosesReceipts:
    """Fails the next write of a session's receipts, as a crash right after enqueue would."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.armed = inner, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def _check(self, item: dict[str, Any]) -> None:
        if self.armed and item.get("type") == "receipts":
            self.armed = False
            raise StoreError("injected: the receipts write did not happen")

    def create(self, container: str, item: dict[str, Any]) -> Any:
        self._check(item)
        return self.inner.create(container, item)

    def replace(self, container: str, item: dict[str, Any], if_match: str | None = None) -> Any:
        self._check(item)
        return self.inner.replace(container, item, if_match=if_match)


@pytest.fixture
def flaky(client: AppClient) -> LosesReceipts:
    store = LosesReceipts(client.services.store)
    with_ports(client, store=store)
    return store


def subject_documents(client: AppClient, tenant_id: str) -> list[dict[str, Any]]:
    return client.services.store.query(SUBJECTS.name, (tenant_id,), Query(), 1000).items


def test_events_of_one_message_share_one_document(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    client.call("collect", body=collect_body(20), headers=widget_headers(tenant))
    client.drain()
    behaviour = [
        d for d in subject_documents(client, tenant["tenantId"]) if d.get("category") == "behaviour"
    ]
    assert len(behaviour) == 1 and len(behaviour[0]["events"]) == 20
    assert "jean" not in str(behaviour[0])  # every event's url is sealed
    assert len(stored_records(client.services.store, tenant["tenantId"], "event")) == 20


def test_a_resend_after_a_lost_receipt_stores_each_event_once(
    client: AppClient, tenant: dict[str, Any], flaky: LosesReceipts
) -> None:
    body = collect_body(5)
    flaky.armed = True
    assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 500
    resent = client.call("collect", body=body, headers=widget_headers(tenant))
    assert resent.status == 202 and resent.json() == {"accepted": 5, "duplicates": 0}
    assert client.drain() == 2  # both copies were queued
    events = stored_records(client.services.store, tenant["tenantId"], "event")
    assert sorted(e["id"] for e in events) == sorted(e["id"] for e in body["events"])
    again = client.call("collect", body=body, headers=widget_headers(tenant))
    assert again.json() == {"accepted": 0, "duplicates": 5}


def test_overlapping_messages_store_the_union_once(
    client: AppClient, tenant: dict[str, Any], flaky: LosesReceipts
) -> None:
    first = collect_body(5)
    second = copy.deepcopy(first)
    second["events"] = first["events"][2:] + collect_body(2)["events"]
    flaky.armed = True
    client.call("collect", body=first, headers=widget_headers(tenant))  # queued, receipt lost
    answer = client.call("collect", body=second, headers=widget_headers(tenant))
    assert answer.json() == {"accepted": 5, "duplicates": 0}
    client.drain()
    events = stored_records(client.services.store, tenant["tenantId"], "event")
    expected = {e["id"] for e in first["events"] + second["events"]}
    assert len(events) == 7 and {e["id"] for e in events} == expected


def test_technical_data_is_kept_once_per_session(client: AppClient, tenant: dict[str, Any]) -> None:
    later_page = collect_body(2)
    other_session = collect_body(2) | {"sessionId": "sess-2"}
    for body in (collect_body(3), later_page, other_session):
        assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 202
    client.drain()
    technical = stored_records(client.services.store, tenant["tenantId"], "technical")
    assert len(technical) == 2 and {t["sessionId"] for t in technical} == {"sess-1", "sess-2"}
    assert len(stored_records(client.services.store, tenant["tenantId"], "event")) == 7


def test_a_resend_is_a_duplicate_whatever_session_it_names(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    body = collect_body(4)
    client.call("collect", body=body, headers=widget_headers(tenant))
    resend = body | {"sessionId": "sess-after-reload"}
    answer = client.call("collect", body=resend, headers=widget_headers(tenant))
    assert answer.json() == {"accepted": 0, "duplicates": 4}
    client.drain()
    assert len(stored_records(client.services.store, tenant["tenantId"], "event")) == 4


def test_concurrent_overlapping_batches_from_many_tabs_store_each_event_once(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    pool = collect_body(40)["events"]
    bodies = [collect_body(1) | {"events": pool[i * 5 : i * 5 + 20]} for i in range(5)]
    bodies += [copy.deepcopy(b) for b in bodies]  # every batch sent twice, at the same time
    with ThreadPoolExecutor(max_workers=8) as tabs:
        answers = list(
            tabs.map(
                lambda b: client.call("collect", body=b, headers=widget_headers(tenant)), bodies
            )
        )
    assert all(a.status == 202 for a in answers), [a.body for a in answers if a.status != 202]
    distinct = {e["id"] for b in bodies for e in b["events"]}
    assert sum(a.json()["accepted"] for a in answers) == len(distinct)  # exact, even racing
    client.drain()
    events = stored_records(client.services.store, tenant["tenantId"], "event")
    assert sorted(e["id"] for e in events) == sorted(distinct)
