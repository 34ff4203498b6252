"""A breach notice is updated as information becomes available (seed 001, DPA 9.3: "in
phases"; seed 000, TOMs 11.3: "timely status updates"): each revision that changes what the
notice says is delivered to every affected tenant as ``incident.notice`` with its ``revision``
and makes that revision ``sent``; a PATCH that changes nothing tells nobody anything; a crash
half-way is finished by the incident timer, each tenant told once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from shared.containers import INCIDENTS
from shared.ports.document_store import DocumentStore, StoreError
from tests.app_client import AppClient
from tests.conftest import PLATFORM, with_ports
from tests.fakes import FakeClock
from tests.functions.accountability_helpers import audit_entries, new_tenant
from tests.functions.notify_helpers import body, register
from tests.functions.test_notify_delivery import own_notice
from tests.receiver import Receiver, serve


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from serve(Receiver())


class FailsOnce:
    """A directory store whose ``nth`` transactional batch on incidents fails (the host died
    there), while everything before it was written."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.nth = inner, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def batch(self, container: str, pk: Any, ops: Any) -> Any:
        if container == INCIDENTS.name and self.nth:
            self.nth -= 1
            if self.nth == 0:
                raise StoreError("injected: the host died here")
        return self.inner.batch(container, pk, ops)


def report(client: AppClient, clock: FakeClock, *tenant_ids: str) -> str:
    now = clock.now()
    answer = client.call("report_incident", headers=PLATFORM, body={
        "detectedAt": now.isoformat(),
        "startedAt": (now - timedelta(hours=3)).isoformat(),
        "nature": "support export sent to the wrong recipient",
        "systems": ["support console"],
        "categories": ["contact"],
        "measures": {"taken": ["recipient deleted it"], "proposed": []},
        "contact": "DPO desk",
        "tenantIds": list(tenant_ids),
    })
    assert answer.status == 201, answer.body
    return str(answer.json()["incidentId"])


def revise(client: AppClient, incident_id: str, changes: dict[str, Any]) -> Any:
    return client.call("update_incident", "PATCH", body=changes, headers=PLATFORM,
                       route={"incidentId": incident_id})


def told(receiver: Receiver, tenant_id: str) -> list[int]:
    """The revisions of the notices a tenant's receiver got, in order."""
    return [body(r)["data"]["revision"] for r in receiver.received
            if body(r)["data"]["tenantId"] == tenant_id]


def test_each_revision_that_changes_the_notice_is_delivered_and_sent(
    client: AppClient, clock: FakeClock, receiver: Receiver
) -> None:
    tenant_id = new_tenant(client, "A")["tenantId"]
    register(client, tenant_id, receiver.url, ["incident.notice"])
    incident_id = report(client, clock, tenant_id)
    client.drain_notify()
    assert told(receiver, tenant_id) == [1]

    clock.advance(timedelta(hours=5))
    measures = {"taken": ["recipient deleted it", "export links revoked"], "proposed": []}
    assert revise(client, incident_id, {"measures": measures}).status == 200
    client.drain_notify()
    assert told(receiver, tenant_id) == [1, 2]
    first, second = (r.headers["webhook-id"] for r in receiver.received)
    assert first != second  # a new event, not a retry of the first
    notice = own_notice(client, tenant_id, incident_id)
    assert notice["revision"] == 2 and notice["status"] == "sent"
    assert notice["measures"]["taken"][-1] == "export links revoked"
    view = client.call("get_incident", "GET", headers=PLATFORM,
                       route={"incidentId": incident_id}).json()
    assert view["affectedTenants"][0]["notice"]["outdated"] is False

    same = revise(client, incident_id, {"measures": measures, "contact": "DPO desk"})
    assert same.status == 200 and same.json()["revision"] == 2  # nothing changed
    client.run_timer("escalate_incident_notices")
    client.drain_notify()
    client.run_timer("dispatch_notifications")
    assert told(receiver, tenant_id) == [1, 2]
    updates = [e for e in audit_entries(client, tenant_id)
               if e["action"] == "incident.notice.updated"]
    assert [e["details"]["revision"] for e in updates] == [2]


def test_a_revision_cut_short_by_a_crash_is_told_to_the_rest_by_the_timer_once_each(
    client: AppClient, clock: FakeClock, receiver: Receiver
) -> None:
    tenants = [new_tenant(client, name)["tenantId"] for name in ("A", "B", "C")]
    for tenant_id in tenants:
        register(client, tenant_id, receiver.url, ["incident.notice"])
    incident_id = report(client, clock, *tenants)
    directory = FailsOnce(client.services.directory)
    with_ports(client, directory=directory)
    directory.nth = 2  # the first tenant is told, the host dies on the second
    assert revise(client, incident_id, {"rootCause": "a misrouted export job"}).status == 500
    client.drain_notify()
    assert sorted(len(told(receiver, t)) for t in tenants) == [1, 1, 2]

    client.run_timer("escalate_incident_notices")
    client.run_timer("escalate_incident_notices")
    client.drain_notify()
    client.run_timer("dispatch_notifications")
    assert {t: told(receiver, t) for t in tenants} == {t: [1, 2] for t in tenants}
    for tenant_id in tenants:
        assert own_notice(client, tenant_id, incident_id)["rootCause"] == "a misrouted export job"
