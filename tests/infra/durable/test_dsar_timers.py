"""The app's DSAR orchestration on the embedded engine, which drives the library as Azure does
(replay schema v3, the storage provider's six-day timer limit, the extension's in-order await).

The HTTP starters run with a client that talks to the engine; activities run on the test's
services; the host clock is the suite's FakeClock. What is checked is what an operator sees:
the audit trail, the request's status and the orchestration's state.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

import function_app
from infra.embedded_host.app_loader import ACTIVITY_TRIGGER, ORCHESTRATION_TRIGGER, describe
from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.store import TaskHubStore
from shared.containers import AUDIT
from tests.app_client import FUNCTIONS, AppClient, principal
from tests.fakes import FakeClock

OPERATOR = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Operator", oid="oid-operator")}
APPROVER = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-approver")}


class _DurableFunctions:
    """The app's orchestrator and activities only (other triggers need host settings)."""

    auth_level = function_app.app.auth_level

    @staticmethod
    def get_functions() -> list[Any]:
        kinds = (ORCHESTRATION_TRIGGER, ACTIVITY_TRIGGER)
        return [f for f in FUNCTIONS.values() if f.get_trigger().get_dict_repr()["type"] in kinds]


class EngineClient:
    """The ``durableClient`` the starters get, wired straight to the engine."""

    def __init__(self, engine: DurableEngine) -> None:
        self.engine = engine

    async def start_new(self, name: str, instance_id: str | None = None,
                        client_input: Any = None) -> str:
        return self.engine.start_new(name, instance_id, json.dumps(client_input))

    async def raise_event(self, instance_id: str, name: str, data: Any = None) -> None:
        self.engine.raise_event(instance_id, name, json.dumps(data))


class Desk:
    """An operator's view: start and decide over HTTP, read status and audit, move the clock."""

    def __init__(self, client: AppClient, tenant_id: str, engine: DurableEngine,
                 clock: FakeClock) -> None:
        self.client, self.tenant_id, self.engine, self.clock = client, tenant_id, engine, clock
        self.durable = EngineClient(engine)

    def _post(self, name: str, headers: dict[str, str], body: Any, **route: str) -> Any:
        request = func.HttpRequest(
            "POST", f"http://localhost/api/{name}", headers=headers, body=json.dumps(body).encode(),
            route_params={"tenantId": self.tenant_id, **route})
        handler = FUNCTIONS[name].get_user_function().__wrapped__
        answer = asyncio.run(handler(request, client=self.durable))
        assert answer.status_code == 202, answer.get_body()
        self.engine.run_until_idle()
        return json.loads(answer.get_body())

    def start(self) -> str:
        body = {"type": "erasure", "identifiers": {"email": "subject@example.org"}}
        return str(self._post("start_dsar", OPERATOR, body)["requestId"])

    def verify(self, request_id: str) -> None:
        answer = self.client.call("verify_dsar", headers=OPERATOR, body={"method": "document"},
                                  route={"tenantId": self.tenant_id, "requestId": request_id})
        assert answer.status == 200, answer.body

    def decide(self, request_id: str, approve: bool = True) -> None:
        """A Privacy.Admin's decision (an approval after an operator's identity check)."""
        if approve:
            self.verify(request_id)
        self._post("decide_dsar", APPROVER, {"approve": approve, "reason": "identity checked"},
                   requestId=request_id)

    def status(self, request_id: str) -> dict[str, Any]:
        answer = self.client.call("get_dsar", "GET", headers=OPERATOR,
                                  route={"tenantId": self.tenant_id, "requestId": request_id})
        assert answer.status == 200, answer.body
        return dict(answer.json())

    def audited(self, action: str) -> list[datetime]:
        entries = self.client.services.store.query(AUDIT.name, (self.tenant_id,),
                                                   max_items=10_000).items
        return [datetime.fromisoformat(e["at"]) for e in entries if e.get("action") == action]

    def at(self, moment: datetime) -> None:
        """Let time pass until ``moment``: every timer fires when it is due, as on a host."""
        while (due := self.engine.store.next_timer_due()) is not None and due <= moment:
            self.clock.set(max(due, self.clock.now()))
            self.engine.run_until_idle()
        self.clock.set(moment)
        self.engine.run_until_idle()


@pytest.fixture
def desk(client: AppClient, tenant: dict[str, Any], clock: FakeClock,
         tmp_path: Path) -> Iterator[Desk]:
    store = TaskHubStore(tmp_path / "taskhub.sqlite")
    engine = DurableEngine(describe(_DurableFunctions()), store, clock)
    yield Desk(client, tenant["tenantId"], engine, clock)
    store.close()


def test_escalation_and_overdue_fire_at_their_deadlines_on_the_host_clock(desk: Desk) -> None:
    request_id = desk.start()
    deadline = datetime.fromisoformat(desk.status(request_id)["deadline"])
    escalation, second = deadline - timedelta(days=7), timedelta(seconds=1)
    desk.at(escalation - second)
    assert desk.audited("dsar.escalated") == []
    desk.at(escalation)
    assert desk.audited("dsar.escalated") == [escalation]
    desk.at(deadline - second)
    assert desk.audited("dsar.overdue") == []
    desk.at(deadline)
    assert desk.audited("dsar.overdue") == [deadline]
    status = desk.status(request_id)
    assert (status["status"], status["escalated"], status["overdue"]) == (
        "awaiting_approval", True, True)


@pytest.mark.parametrize("day", [2, 10, 22, 25, 28])
def test_a_decision_completes_the_request_at_once_whatever_timer_is_pending(
    desk: Desk, clock: FakeClock, day: int
) -> None:
    """Timers beyond the provider's six days would become the library's LongTimerTask, whose
    cancel() never reaches the extension (azure-functions-durable-python#573): the decision
    would then wait for the pending sub-timer, up to three days, at every step."""
    request_id = desk.start()
    desk.at(clock.now() + timedelta(days=day))
    desk.decide(request_id)
    assert desk.status(request_id)["status"] == "completed"
    found = desk.engine.status(request_id)
    assert found is not None and found.status == "Completed"
    assert desk.engine.store.next_timer_due() is None
