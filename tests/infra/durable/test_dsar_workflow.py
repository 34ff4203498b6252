"""The workflow around a DSAR on the embedded Durable engine (the real library's replay, the
six-day timer limit, events): a pause moves the deadline and its timers, a child's erasure
escalates after 24 hours, an approved erasure waits its tenant's period or is cancelled, a
step that keeps failing ends the request failed and a retry completes it.

What is checked is what the privacy team sees: statuses, deadlines, audit times, the data.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import azure.functions as func
import pytest

from infra.embedded_host.app_loader import describe
from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.store import TaskHubStore
from shared.containers import SUBJECTS
from shared.ports.blob_store import BlobStore
from tests.app_client import FUNCTIONS, AppClient, principal
from tests.conftest import PRIVACY_ADMIN, collect_body, widget_headers, with_ports
from tests.fakes import FakeClock
from tests.infra.durable.test_dsar_timers import OPERATOR, Desk, _DurableFunctions

SECOND = timedelta(seconds=1)


class Team(Desk):
    """The desk, with any request and every workflow step."""

    def open(self, body: dict[str, Any]) -> str:
        return str(self._post("start_dsar", OPERATOR, body)["requestId"])

    def act(self, name: str, request_id: str, body: Any = None,
            headers: dict[str, str] = PRIVACY_ADMIN) -> Any:
        """A workflow step over HTTP (async ones get the engine's client), then let it run."""
        route = {"tenantId": self.tenant_id, "requestId": request_id}
        if name in ("resume_dsar", "cancel_dsar", "retry_dsar"):
            request = func.HttpRequest("POST", f"http://localhost/api/{name}", headers=headers,
                                       route_params=route, body=json.dumps(body).encode())
            handler = FUNCTIONS[name].get_user_function().__wrapped__
            answer = asyncio.run(handler(request, client=self.durable))
            status, payload = answer.status_code, json.loads(answer.get_body())
        else:
            called = self.client.call(name, headers=headers, route=route, body=body)
            status, payload = called.status, called.json()
        assert status in (200, 202), payload
        self.engine.run_until_idle()
        return payload

    def instance(self, request_id: str) -> str:
        found = self.engine.status(request_id)
        assert found is not None
        return str(found.status)


@pytest.fixture
def team(client: AppClient, tenant: dict[str, Any], clock: FakeClock,
         tmp_path: Path) -> Iterator[Team]:
    headers = widget_headers(tenant)
    assert client.call("collect", body=collect_body(3, "v-kid"), headers=headers).status == 202
    client.drain()
    store = TaskHubStore(tmp_path / "taskhub.sqlite")
    engine = DurableEngine(describe(_DurableFunctions()), store, clock)
    yield Team(client, tenant["tenantId"], engine, clock)
    store.close()


def set_waiting_days(client: AppClient, tenant_id: str, days: int) -> None:
    answer = client.call("update_tenant", "PATCH", headers=PRIVACY_ADMIN,
                         route={"tenantId": tenant_id}, body={"erasureWaitingDays": days})
    assert answer.status == 200, answer.body


def when(team: Team, action: str) -> list[datetime]:
    return team.audited(action)


def test_a_pause_moves_the_deadline_and_its_escalation_by_the_time_paused(
    team: Team, clock: FakeClock
) -> None:
    request_id = team.open({"type": "erasure", "identifiers": {"email": "p@example.org"}})
    deadline = datetime.fromisoformat(team.status(request_id)["deadline"])
    team.at(clock.now() + timedelta(days=20))
    paused = team.act("pause_dsar", request_id, {"reason": "identity_documents"},
                      headers=OPERATOR)
    assert paused["status"] == "awaiting_requester" and paused["overdue"] is False
    assert paused["paused"]["reason"] == "identity_documents"
    team.at(deadline - timedelta(days=7) + SECOND)  # the old escalation time passes unheeded
    assert when(team, "dsar.escalated") == []
    assert team.status(request_id)["escalated"] is False
    team.at(datetime.fromisoformat(paused["paused"]["since"]) + timedelta(days=10))
    resumed = team.act("resume_dsar", request_id, headers=OPERATOR)
    moved = deadline + timedelta(days=10)
    assert resumed["status"] == "awaiting_approval" and "paused" not in resumed
    assert datetime.fromisoformat(resumed["deadline"]) == moved
    assert resumed["pauses"][0]["days"] == 10
    team.at(moved - timedelta(days=7) - SECOND)
    assert when(team, "dsar.escalated") == []
    team.at(moved - timedelta(days=7))
    assert when(team, "dsar.escalated") == [moved - timedelta(days=7)]
    team.at(moved)
    assert when(team, "dsar.overdue") == [moved]


def test_a_child_s_erasure_has_72_hours_and_escalates_after_24(
    team: Team, clock: FakeClock
) -> None:
    received = clock.now()
    request_id = team.open(
        {"type": "erasure", "identifiers": {"visitorId": "v-kid"}, "reason": "child"}
    )
    status = team.status(request_id)
    assert datetime.fromisoformat(status["deadline"]) == received + timedelta(hours=72)
    team.at(received + timedelta(hours=24) - SECOND)
    assert when(team, "dsar.escalated") == []
    team.at(received + timedelta(hours=24))
    assert when(team, "dsar.escalated") == [received + timedelta(hours=24)]
    set_waiting_days(team.client, team.tenant_id, 7)
    team.decide(request_id)
    done = team.status(request_id)
    assert done["status"] == "completed", done  # no waiting period for a child
    assert done["result"]["reason"] == "child"


def subject_items(team: Team) -> int:
    store = team.client.services.store
    return len(store.query(SUBJECTS.name, (team.tenant_id,), max_items=1000).items)


def test_an_approved_erasure_waits_its_period_then_runs(team: Team, clock: FakeClock) -> None:
    set_waiting_days(team.client, team.tenant_id, 3)
    request_id = team.open({"type": "erasure", "identifiers": {"visitorId": "v-kid"}})
    team.decide(request_id)
    approved = team.status(request_id)
    runs_at = datetime.fromisoformat(approved["runsAt"])
    assert approved["status"] == "approved" and runs_at == clock.now() + timedelta(days=3)
    team.at(runs_at - SECOND)
    assert team.status(request_id)["status"] == "approved" and subject_items(team) > 0
    team.at(runs_at)
    done = team.status(request_id)
    assert done["status"] == "completed" and done["result"]["verification"]["verified"]
    assert subject_items(team) == 0
    assert team.instance(request_id) == "Completed"


def test_an_erasure_cancelled_in_its_waiting_period_erases_nothing(
    team: Team, clock: FakeClock
) -> None:
    set_waiting_days(team.client, team.tenant_id, 14)
    request_id = team.open({"type": "erasure", "identifiers": {"visitorId": "v-kid"}})
    team.decide(request_id)
    team.at(clock.now() + timedelta(days=8))  # past one six-day timer
    before = subject_items(team)
    cancelled = team.act("cancel_dsar", request_id, {"reason": "the requester withdrew it"})
    assert cancelled["status"] == "cancelled"
    assert cancelled["result"]["outcome"] == "cancelled"
    assert team.instance(request_id) == "Completed"
    assert team.engine.store.next_timer_due() is None  # no timer left behind
    team.at(clock.now() + timedelta(days=20))  # past its end (still within the data's 30 days)
    assert subject_items(team) == before and team.status(request_id)["status"] == "cancelled"
    assert when(team, "dsar.completed") == []


class FailingBlobs:
    """Exports' blob storage that refuses every write while ``broken``: a step that keeps
    failing whatever the retries (a fake at the port)."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner, self.broken = inner, True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def put(self, container: str, name: str, data: bytes | BinaryIO) -> None:
        if self.broken:
            raise OSError("storage unavailable")
        self.inner.put(container, name, data)


def test_a_step_that_keeps_failing_ends_the_request_failed_and_a_retry_completes_it(
    team: Team, clock: FakeClock
) -> None:
    blobs = FailingBlobs(team.client.services.blobs)
    with_ports(team.client, blobs=blobs)
    request_id = team.open({"type": "access", "identifiers": {"visitorId": "v-kid"}})
    team.at(clock.now() + timedelta(minutes=5))  # every retry of the activity runs and fails
    failed = team.status(request_id)
    assert failed["status"] == "failed" and failed["escalated"] is True
    assert failed["result"] == failed["result"] | {"outcome": "failed", "reason": "category_failed"}
    assert len(when(team, "dsar.failed")) == len(when(team, "dsar.escalated")) == 1
    assert team.instance(request_id) == "Completed"  # the orchestration ended it, cleanly
    blobs.broken = False
    retried = team.act("retry_dsar", request_id)
    done = team.status(request_id)
    assert done["status"] == "completed", (retried, done)
    assert [h["status"] for h in done["history"]] == [
        "received", "running", "failed", "received", "running", "completed"]
    assert done["result"]["categories"] and "failedAt" not in done["result"]
    assert [e for e in team.client.services.store.query(
        "audit", (team.tenant_id,), max_items=1000).items if e.get("action") == "dsar.retried"]


def test_a_decision_after_a_resume_is_heard_at_once(team: Team, clock: FakeClock) -> None:
    request_id = team.open({"type": "erasure", "identifiers": {"visitorId": "v-kid"}})
    team.act("pause_dsar", request_id, {"reason": "clarification"}, headers=OPERATOR)
    team.at(clock.now() + timedelta(days=2))
    team.act("resume_dsar", request_id, headers=OPERATOR)
    team.decide(request_id)
    assert team.status(request_id)["status"] == "completed"
    assert team.engine.store.next_timer_due() is None


def test_a_paused_request_can_be_rejected(team: Team) -> None:
    request_id = team.open({"type": "erasure", "identifiers": {"visitorId": "v-kid"}})
    team.act("pause_dsar", request_id, {"reason": "identity_documents"}, headers=OPERATOR)
    rejecter = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-rejecter")}
    team._post("decide_dsar", rejecter, {"approve": False, "reason": "no documents came"},
               requestId=request_id)
    assert team.status(request_id)["status"] == "rejected"
    assert team.instance(request_id) == "Completed"
