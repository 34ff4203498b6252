"""Two runs of the offboarding timer at once (a manual ``POST /admin/functions/advance_offboarding``
overlapping the timer's own run) never purge one tenant together: the second finds the first's
lease and leaves the tenant alone, so the purge certificate counts every record exactly once. A
run that dies mid-purge holds the tenant until its lease runs out; the next run then finishes
the purge, still counting each record once. A run that stalls past its lease and wakes up
writes nothing more: its export is neither uploaded nor announced."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from shared.containers import AUDIT, INDEX, MAINTENANCE, SUBJECTS
from shared.policies.stored_records import record_count
from shared.ports.document_store import DocumentStore, StoreError
from shared.retention.leases import LEASE
from tests.app_client import AppClient
from tests.conftest import PRIVACY_ADMIN, collect_body, widget_headers, with_ports
from tests.fakes import FakeClock

SESSIONS = 280
"""Each session stores an events document and a technical item: more than one purge page
(500 items), so a run overlapping another would lose or double whole pages."""


class Overlap:
    """A store at which the first run to read the tenant's first purge page stops until the
    test lets it go: the other run then works while this one is in the middle of its purge."""

    def __init__(self, inner: DocumentStore, tenant_id: str) -> None:
        self.inner, self.tenant_id = inner, tenant_id
        self.paused, self.go = threading.Event(), threading.Event()
        self._lock, self._taken = threading.Lock(), False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def query(self, container: str, pk: Any, *args: Any, **kwargs: Any) -> Any:
        page = self.inner.query(container, pk, *args, **kwargs)
        if container == SUBJECTS.name and tuple(pk) == (self.tenant_id,):
            with self._lock:
                first, self._taken = not self._taken, True
            if first:
                self.paused.set()
                assert self.go.wait(30), "the test never let the first run go on"
        return page


class DiesMidPurge:
    """A store the host stops reaching in the middle of a purge (killed: from its first bulk
    delete on, nothing it does is written any more, its lease is not released)."""

    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.armed, self.dead = inner, False, False

    def __getattr__(self, name: str) -> Any:
        if self.dead and name in ("create", "replace", "upsert", "delete", "batch"):
            raise StoreError("injected: the host is gone")
        return getattr(self.inner, name)

    def delete_many(self, container: str, refs: Any) -> int:
        if self.armed:
            self.armed, self.dead = False, True
            raise StoreError("injected: the host died here")
        return int(self.inner.delete_many(container, refs))


def seed_sessions(client: AppClient, tenant: dict[str, Any]) -> Counter[str]:
    """Many sessions of one visitor; returns what the tenant holds, per category, in records."""
    for n in range(SESSIONS):
        body = collect_body(2, "v-many") | {"sessionId": f"sess-{n}"}
        assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 202
    client.drain(limit=SESSIONS + 10)
    tid = tenant["tenantId"]
    held: Counter[str] = Counter()
    for item in client.services.store.query(SUBJECTS.name, (tid,), max_items=10_000).items:
        kind = item.get("category") or item.get("type")
        held["dataKeys" if kind == "subject" else str(kind)] += record_count(item)
    assert held["behaviour"] == 2 * SESSIONS and held["technical"] == SESSIONS
    return held


def delete_now(client: AppClient, tenant: dict[str, Any], clock: FakeClock) -> None:
    end = (clock.now() + timedelta(hours=1)).isoformat()
    started = client.call("start_offboarding", headers=PRIVACY_ADMIN,
                          route={"tenantId": tenant["tenantId"]},
                          body={"contractEnd": end, "mode": "delete_now"})
    assert started.status == 202, started.body
    clock.advance(timedelta(hours=2))


def plan_of(client: AppClient, tenant_id: str) -> dict[str, Any]:
    answer = client.call("get_offboarding", "GET", headers=PRIVACY_ADMIN,
                         route={"tenantId": tenant_id})
    assert answer.status == 200
    return dict(answer.json())


def deleted(plan: dict[str, Any]) -> dict[str, int]:
    counts = plan["certificate"]["purge"]["counts"]
    return {k.removeprefix("deleted."): v for k, v in counts.items() if k.startswith("deleted.")}


def audited(client: AppClient, tenant_id: str, action: str) -> int:
    entries = client.services.store.query(AUDIT.name, (tenant_id,), max_items=10_000).items
    return sum(1 for e in entries if e.get("type") == "entry" and e["action"] == action)


def test_two_overlapping_runs_purge_a_tenant_once_and_count_each_record_once(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    held = seed_sessions(client, tenant)
    index_entries = len(client.services.store.query(INDEX.name, (tid,), max_items=1000).items)
    delete_now(client, tenant, clock)
    store = Overlap(client.services.store, tid)
    with_ports(client, store=store)
    first = threading.Thread(target=client.run_timer, args=("advance_offboarding",))
    first.start()
    try:
        assert store.paused.wait(30), "the first run never reached the purge"
        client.run_timer("advance_offboarding")  # the manual run, while the timer's is mid-purge
        assert plan_of(client, tid)["phase"] == "purging"  # it left the tenant to the first run
    finally:
        store.go.set()
        first.join(60)
    assert not first.is_alive()

    plan = plan_of(client, tid)
    assert plan["phase"] == "closed"
    expected = dict(held) | ({"blindIndex": index_entries} if index_entries else {})
    assert deleted(plan) == expected
    assert client.services.store.query(SUBJECTS.name, (tid,), max_items=10).items == []
    assert audited(client, tid, "offboarding.closed") == 1
    assert audited(client, tid, "offboarding.deleting") == 1


def test_a_run_that_dies_mid_purge_holds_the_tenant_until_its_lease_ends_then_counts_once(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    held = seed_sessions(client, tenant)
    delete_now(client, tenant, clock)
    store = DiesMidPurge(client.services.store)
    with_ports(client, store=store)
    store.armed = True
    with pytest.raises(StoreError):
        client.run_timer("advance_offboarding")
    store.dead = False  # a new host starts
    [lease] = client.services.store.query(MAINTENANCE.name, (tid,), max_items=10).items
    assert lease["state"]["pending"], "the page it was deleting is recorded before deleting"

    client.run_timer("advance_offboarding")  # the dead run's lease still holds the tenant
    assert plan_of(client, tid)["phase"] == "purging"
    clock.advance(LEASE + timedelta(seconds=1))
    client.run_timer("advance_offboarding")

    plan = plan_of(client, tid)
    assert plan["phase"] == "closed"
    assert {k: v for k, v in deleted(plan).items() if k != "blindIndex"} == dict(held)
    assert client.services.store.query(SUBJECTS.name, (tid,), max_items=10).items == []
    assert client.services.store.query(MAINTENANCE.name, (tid,), max_items=10).items == []


def test_a_run_overtaken_while_it_builds_the_export_uploads_and_announces_nothing(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    collected = client.call("collect", body=collect_body(2), headers=widget_headers(tenant))
    assert collected.status == 202
    client.drain()
    end = (clock.now() + timedelta(hours=1)).isoformat()
    started = client.call("start_offboarding", headers=PRIVACY_ADMIN, route={"tenantId": tid},
                          body={"contractEnd": end})
    assert started.status == 202
    clock.advance(timedelta(hours=2))
    store = Overlap(client.services.store, tid)
    with_ports(client, store=store)
    first = threading.Thread(target=client.run_timer, args=("advance_offboarding",))
    first.start()
    try:
        assert store.paused.wait(30), "the first run never began the export"
        clock.advance(LEASE + timedelta(seconds=1))  # it stalls past its lease
        client.run_timer("advance_offboarding")  # the next run takes the tenant over
    finally:
        store.go.set()
        first.join(60)
    assert not first.is_alive()

    plan = plan_of(client, tid)
    assert plan["phase"] == "export_available"
    assert audited(client, tid, "offboarding.exported") == 1
    package = client.call("download_offboarding_export", "GET", headers=PRIVACY_ADMIN,
                          route={"tenantId": tid})
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(package.body)).read("manifest.json"))
    assert manifest["generatedAt"] == plan["export"]["generatedAt"]  # the taker's, not replaced
