"""The processor's claim on ids no message owns (HTTP crashed between enqueue and claim) is
written in the same transactional batch as the events it stores: never one without the other,
and a receipts change between its read and its write makes it plan again, not double-store."""

from __future__ import annotations

from typing import Any

import pytest

from shared.composition import App
from shared.ingest.receipts import RECEIPTS_ID, EventReceipts
from shared.ports.document_store import BatchFailed, DocumentStore, StoreError
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers, with_ports
from tests.stored import stored_records


class Failing:
    """A store whose receipts writes outside a batch fail (HTTP's claim is lost, as in a crash
    right after enqueue) and whose next batch fails when ``fail_batch`` is set."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.lose_http_claim, self.fail_batch = inner, True, False
        self.before_batch: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def replace(self, container: str, item: dict[str, Any], if_match: str | None = None) -> Any:
        if self.lose_http_claim and item.get("id") == RECEIPTS_ID:
            raise StoreError("injected: the claim was not written")
        return self.inner.replace(container, item, if_match=if_match)

    def create(self, container: str, item: dict[str, Any]) -> Any:
        if self.lose_http_claim and item.get("id") == RECEIPTS_ID:
            raise StoreError("injected: the claim was not written")
        return self.inner.create(container, item)

    def batch(self, container: str, pk: Any, ops: Any) -> Any:
        while self.before_batch:
            self.before_batch.pop()()
        if self.fail_batch:
            self.fail_batch = False
            raise BatchFailed(1, StoreError("injected: the events could not be written"))
        return self.inner.batch(container, pk, ops)


@pytest.fixture
def failing(client: AppClient) -> Failing:
    store = Failing(client.services.store)
    with_ports(client, store=store)
    return store


def owners(services: App, tenant_id: str, subject_id: str) -> dict[str, str]:
    snapshot = EventReceipts(services.store, services.clock).read((tenant_id, subject_id))
    return {e: r for r, _, ids in (snapshot.doc or {}).get("claims", []) for e in ids}


def test_the_claim_and_the_events_are_written_together_or_not_at_all(
    client: AppClient, tenant: dict[str, Any], failing: Failing
) -> None:
    tid, body = tenant["tenantId"], collect_body(4)
    assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 500
    failing.lose_http_claim = False
    subject = client.services.visitors.find(tid, "v-1").subject_id
    failing.fail_batch = True
    assert client.drain(limit=1) == 1  # the delivery failed: abandoned, nothing half-written
    assert owners(client.services, tid, subject) == {}
    assert stored_records(client.services.store, tid, "event") == []
    assert client.drain() == 1  # redelivered: claims and stores in one batch
    assert len(set(owners(client.services, tid, subject).values())) == 1
    events = stored_records(client.services.store, tid, "event")
    assert sorted(e["id"] for e in events) == sorted(e["id"] for e in body["events"])


def test_a_claim_made_between_the_processor_s_read_and_write_is_honoured(
    client: AppClient, tenant: dict[str, Any], failing: Failing
) -> None:
    """Another message claims two of the ids after the processor read the receipts: its batch
    fails on the receipts' ETag, it reads again and stores only the ids it still owns."""
    tid, body = tenant["tenantId"], collect_body(4)
    client.call("collect", body=body, headers=widget_headers(tenant))  # claim lost
    failing.lose_http_claim = False
    subject = client.services.visitors.find(tid, "v-1").subject_id
    taken = [e["id"].replace("-", "") for e in body["events"][:2]]
    receipts = EventReceipts(client.services.store, client.services.clock)
    failing.before_batch.append(
        lambda: receipts.claim((tid, subject), "sess-1", "other-message", taken, 86400)
    )
    client.drain()
    stored = {e["id"].replace("-", "") for e in stored_records(client.services.store, tid, "event")}
    assert stored == {e["id"].replace("-", "") for e in body["events"][2:]}
    claimed = owners(client.services, tid, subject)
    assert {e for e, r in claimed.items() if r == "other-message"} == set(taken)
