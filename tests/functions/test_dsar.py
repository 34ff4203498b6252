"""Data-subject requests in-process: HTTP starters with a recording Durable client, the
orchestrator driven step by step, activities running on the real embedded adapters."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import azure.functions as func
import pytest

from shared.containers import AUDIT, INDEX, SUBJECTS
from tests.app_client import FUNCTIONS, AppClient, principal
from tests.conftest import collect_body, visitor_secret, widget_headers
from tests.dsar_driver import Context, Orchestration
from tests.fakes import FakeClock

EMAIL, PHONE = "dsar.subject@example.org", "+33 6 11 22 33 44"
OPERATOR = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Operator", oid="oid-operator")}
APPROVER = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-approver")}


class RecordingClient:
    """Stands in for the Durable client binding (a runtime object): records what it was told."""

    def __init__(self) -> None:
        self.started: list[tuple[str, str, Any]] = []
        self.events: list[tuple[str, str, Any]] = []

    async def start_new(
        self, name: str, instance_id: str | None = None, client_input: Any = None
    ) -> str:
        self.started.append((name, instance_id or "", client_input))
        return instance_id or ""

    async def raise_event(self, instance_id: str, name: str, data: Any = None) -> None:
        self.events.append((instance_id, name, data))


class Dsar:
    """The use case as an admin lives it: start, verify, decide, let the orchestration run,
    read."""

    def __init__(self, client: AppClient, tenant: dict[str, Any], clock: FakeClock) -> None:
        self.client, self.tenant, self.clock = client, tenant, clock
        self.durable = RecordingClient()
        self.runs: dict[str, Orchestration] = {}
        self.failing: set[str] = set()
        self._started = self._raised = 0

    def _async(self, name: str, headers: dict[str, str], body: Any, **route: str) -> Any:
        request = func.HttpRequest(
            "POST",
            f"http://localhost/api/{name}",
            headers=headers,
            route_params={"tenantId": self.tenant["tenantId"], **route},
            body=json.dumps(body).encode() if body is not None else b"",
        )
        handler = FUNCTIONS[name].get_user_function().__wrapped__
        return asyncio.run(handler(request, client=self.durable))

    def start(self, body: dict[str, Any], headers: dict[str, str] = OPERATOR) -> Any:
        answer = self._async("start_dsar", headers, body)
        self.pump()
        return answer

    def verify(
        self, request_id: str, headers: dict[str, str] = OPERATOR, method: str = "document"
    ) -> Any:
        answer = self.client.call(
            "verify_dsar",
            headers=headers,
            route={"tenantId": self.tenant["tenantId"], "requestId": request_id},
            body={"method": method},
        )
        self.pump()
        return answer

    def decide(
        self,
        request_id: str,
        approve: bool,
        headers: dict[str, str] = APPROVER,
        reason: str = "identity checked",
    ) -> Any:
        answer = self._async(
            "decide_dsar", headers, {"approve": approve, "reason": reason}, requestId=request_id
        )
        self.pump()
        return answer

    def step(self, name: str, request_id: str, headers: dict[str, str], body: Any = None) -> Any:
        """One of the asynchronous workflow steps (resume, cancel, retry), then pump."""
        answer = self._async(name, headers, body, requestId=request_id)
        self.pump()
        return answer

    def pump(self) -> None:
        """Start what was started (a new start replaces the instance), deliver what was raised
        since the last pump, run every orchestration on."""
        for _, instance_id, payload in self.durable.started[self._started :]:
            ctx = Context(payload, self.clock, failing=self.failing)
            self.runs[instance_id] = Orchestration(ctx)
        self._started = len(self.durable.started)
        for instance_id, name, data in self.durable.events[self._raised :]:
            if instance_id in self.runs:
                self.runs[instance_id].ctx.raise_event(name, data)
        self._raised = len(self.durable.events)
        for run in self.runs.values():
            if not run.done:
                run.step()

    def status(self, request_id: str) -> Any:
        answer = self.client.call(
            "get_dsar",
            "GET",
            headers=OPERATOR,
            route={"tenantId": self.tenant["tenantId"], "requestId": request_id},
        )
        assert answer.status == 200, answer.body
        return answer.json()


@pytest.fixture
def dsar(client: AppClient, tenant: dict[str, Any], clock: FakeClock) -> Dsar:
    headers = widget_headers(tenant)
    for visitor, email in (("v-subject", EMAIL), ("v-other", "other@example.org")):
        client.call("collect", body=collect_body(3, visitor), headers=headers)
        client.call(
            "submit_contact",
            headers=headers,
            body={
                "visitorId": visitor,
                "visitorSecret": visitor_secret(visitor),
                "email": email,
                "phone": PHONE,
                "name": "Planted Name",
                "consent": {
                    "granted": True,
                    "purposes": ["callback", "analytics"],
                    "textVersion": "1",
                },
            },
        )
    client.drain()
    return Dsar(client, tenant, clock)


def items(client: AppClient, tenant_id: str, container: str = SUBJECTS.name) -> list[Any]:
    return client.services.store.query(container, (tenant_id,), max_items=10_000).items


def test_the_202_tells_the_request_as_accepted_however_fast_the_orchestration(
    dsar: Dsar,
) -> None:
    """An orchestrator that has already moved on by the time the answer is written must not
    make the same call answer "received" one time and "running" or "completed" the next."""
    class EagerClient(RecordingClient):
        async def start_new(
            self, name: str, instance_id: str | None = None, client_input: Any = None
        ) -> str:
            self.started.append((name, instance_id or "", client_input))
            dsar.pump()  # the orchestration runs before start_new returns
            return instance_id or ""

    dsar.durable = EagerClient()
    answer = dsar.start({"type": "access", "identifiers": {"email": EMAIL}})
    accepted = json.loads(answer.get_body())
    assert answer.status_code == 202 and accepted["status"] == "received"
    assert dsar.status(accepted["requestId"])["status"] == "completed"


def test_access_request_completes_with_a_downloadable_package(dsar: Dsar) -> None:
    answer = dsar.start({"type": "access", "identifiers": {"email": EMAIL}})
    assert answer.status_code == 202
    accepted = json.loads(answer.get_body())
    assert accepted["status"] == "received" and accepted["statusUrl"].endswith(
        accepted["requestId"]
    )
    status = dsar.status(accepted["requestId"])
    assert status["status"] == "completed", status
    counts = {c["category"]: c["records"] for c in status["result"]["categories"]}
    assert counts == {
        "behaviour": 3,
        "technical": 1,
        "contact": 1,
        "conversation": 0,
        "recording": 0,
        "consent": 1,
    }
    route = {"tenantId": dsar.tenant["tenantId"], "requestId": accepted["requestId"]}
    as_json = dsar.client.call("download_dsar_export", "GET", headers=OPERATOR, route=route)
    assert as_json.status == 200 and as_json.headers["Content-Type"] == "application/json"
    body = as_json.json()
    assert body["requestId"] == accepted["requestId"]
    assert [c["email"] for c in body["categories"]["contact"]] == [EMAIL]
    assert len(body["categories"]["behaviour"]) == 3
    download = dsar.client.call(
        "download_dsar_export", "GET", headers=OPERATOR, route=route, params={"format": "zip"}
    )
    assert download.status == 200 and download.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.body))
    assert {"contact.json", "contact.csv", "behaviour.json", "manifest.json"} <= set(
        archive.namelist()
    )
    assert EMAIL in archive.read("contact.json").decode()
    assert EMAIL in archive.read("contact.csv").decode()
    assert "other@example.org" not in archive.read("contact.json").decode()
    audit = json.dumps(items(dsar.client, dsar.tenant["tenantId"], AUDIT.name))
    assert "dsar.completed" in audit and EMAIL not in audit and "Planted Name" not in audit


def test_access_export_expires_after_seven_days(dsar: Dsar, clock: FakeClock) -> None:
    request_id = json.loads(
        dsar.start({"type": "portability", "identifiers": {"visitorId": "v-subject"}}).get_body()
    )["requestId"]
    clock.advance(timedelta(days=7, seconds=1))
    route = {"tenantId": dsar.tenant["tenantId"], "requestId": request_id}
    assert (
        dsar.client.call("download_dsar_export", "GET", headers=OPERATOR, route=route).status == 410
    )
    dsar.client.services.dsar_housekeeping.expire_exports()
    assert dsar.client.services.blobs.list("exports", f"dsar/{request_id}") == []


def test_erasure_waits_for_another_admin_then_leaves_nothing_readable(dsar: Dsar) -> None:
    tid = dsar.tenant["tenantId"]
    starter = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin", oid="oid-starter")}
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}}, headers=starter).get_body()
    )["requestId"]
    assert dsar.status(request_id)["status"] == "awaiting_approval"
    assert dsar.verify(request_id, headers=starter).status == 200
    assert dsar.decide(request_id, True, headers=starter).status_code == 403
    assert dsar.decide(request_id, True).status_code == 202
    status = dsar.status(request_id)
    assert status["status"] == "completed" and status["decidedBy"] == "oid-approver"
    assert status["result"]["verification"] == {
        "verified": True,
        "outcome": "verified",
        "subjectsErased": 1,
        "subjectsStillReadable": 0,
        "subjectsKeptUnderHold": 0,
    }
    left = items(dsar.client, tid)
    assert {i["subjectId"] for i in left} == {left[0]["subjectId"]}  # only the other visitor
    index = json.dumps(items(dsar.client, tid, INDEX.name))
    assert status["result"]["subjects"] == 1 and len(json.loads(index)) == 3


def test_erasure_keeps_held_data_and_says_why(dsar: Dsar) -> None:
    tid = dsar.tenant["tenantId"]
    dsar.client.call(
        "create_legal_hold",
        headers=APPROVER,
        route={"tenantId": tid},
        body={"scope": "subject", "identifiers": {"email": EMAIL}, "reason": "claim"},
    )
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}}).get_body()
    )["requestId"]
    dsar.verify(request_id)
    dsar.decide(request_id, True)
    result = dsar.status(request_id)["result"]
    kept = {c["category"]: c.get("keptBecause") for c in result["categories"] if c.get("kept")}
    assert kept["contact"] == "legal hold" and result["verification"]["subjectsKeptUnderHold"] == 1


def test_rejection_ends_the_request_with_its_reason(dsar: Dsar) -> None:
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}}).get_body()
    )["requestId"]
    dsar.decide(request_id, False, reason="identity could not be verified")
    status = dsar.status(request_id)
    assert status["status"] == "rejected"
    assert status["result"]["reason"] == "identity could not be verified"
    assert len(items(dsar.client, dsar.tenant["tenantId"])) > 10  # nothing erased


def test_rectification_changes_the_contact_and_keeps_its_ttl(dsar: Dsar) -> None:
    tid = dsar.tenant["tenantId"]
    request_id = json.loads(
        dsar.start(
            {
                "type": "rectification",
                "identifiers": {"email": EMAIL},
                "changes": {"email": "corrected@example.org", "name": "Right Name"},
            }
        ).get_body()
    )["requestId"]
    dsar.verify(request_id)
    dsar.decide(request_id, True)
    assert dsar.status(request_id)["status"] == "completed"
    contacts = dsar.client.call(
        "list_contacts", "GET", headers=APPROVER, route={"tenantId": tid}
    ).json()["items"]
    assert {c["email"] for c in contacts} == {"corrected@example.org", "other@example.org"}
    contact = next(
        i for i in items(dsar.client, tid) if i.get("type") == "contact" and "rectifiedAt" in i
    )
    assert contact["ttl"] == -1
    hold = dsar.client.call(
        "create_legal_hold",
        headers=APPROVER,
        route={"tenantId": tid},
        body={"scope": "subject", "identifiers": {"email": EMAIL}, "reason": "x"},
    )
    assert hold.json()["subjectCount"] == 0  # the old email no longer finds the subject


@pytest.mark.parametrize("kind", ["restriction", "objection"])
def test_restriction_and_objection_make_the_widget_refuse(dsar: Dsar, kind: str) -> None:
    dsar.start({"type": kind, "identifiers": {"visitorId": "v-subject"}})
    headers = widget_headers(dsar.tenant)
    answer = dsar.client.call("collect", body=collect_body(2, "v-subject"), headers=headers)
    assert answer.status == 409
    assert (
        dsar.client.call("collect", body=collect_body(2, "v-other"), headers=headers).status == 202
    )


def test_consent_withdrawal_stops_behaviour_collection(dsar: Dsar) -> None:
    dsar.start(
        {
            "type": "consent_withdrawal",
            "identifiers": {"visitorId": "v-subject"},
            "purposes": ["analytics"],
        }
    )
    answer = dsar.client.call(
        "collect", body=collect_body(2, "v-subject"), headers=widget_headers(dsar.tenant)
    )
    assert answer.status == 202 and answer.json() == {"accepted": 0, "duplicates": 0, "ignored": 2}


def test_undecided_request_escalates_then_becomes_overdue(dsar: Dsar, clock: FakeClock) -> None:
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}}).get_body()
    )["requestId"]
    clock.advance(timedelta(days=23, seconds=1))
    dsar.pump()
    status = dsar.status(request_id)
    assert status["escalated"] is True and status["overdue"] is False
    clock.advance(timedelta(days=7))
    dsar.pump()
    listing = dsar.client.call(
        "list_dsar", "GET", headers=OPERATOR, route={"tenantId": dsar.tenant["tenantId"]}
    ).json()["items"]
    assert listing[0]["requestId"] == request_id and listing[0]["overdue"] is True
    actions = [
        e["action"]
        for e in items(dsar.client, dsar.tenant["tenantId"], AUDIT.name)
        if "action" in e
    ]
    assert "dsar.escalated" in actions and "dsar.overdue" in actions
    dsar.verify(request_id)
    dsar.decide(request_id, True)
    assert dsar.status(request_id)["status"] == "completed"


def test_widget_request_waits_as_received_until_an_admin_acts(dsar: Dsar) -> None:
    answer = dsar.client.call(
        "submit_privacy_request",
        headers=widget_headers(dsar.tenant),
        body={"email": EMAIL, "type": "access"},
    )
    dsar.client.drain()
    request_id = answer.json()["requestId"]
    assert dsar.status(request_id)["status"] == "received" and dsar.durable.started == []
    dsar.verify(request_id)
    dsar.decide(request_id, True)
    assert dsar.status(request_id)["status"] == "completed"


DSAR_ROUTES: dict[str, tuple[str, set[str], Any]] = {
    "start_dsar": (
        "POST",
        {"Privacy.Operator", "Privacy.Admin"},
        {"type": "access", "identifiers": {"email": EMAIL}},
    ),
    "list_dsar": ("GET", {"Privacy.Operator", "Privacy.Admin"}, None),
    "get_dsar": ("GET", {"Privacy.Operator", "Privacy.Admin"}, None),
    "decide_dsar": ("POST", {"Privacy.Admin"}, {"approve": True, "reason": "ok"}),
    "extend_dsar": ("POST", {"Privacy.Admin"}, {"days": 10, "reason": "complex request"}),
    "download_dsar_export": ("GET", {"Privacy.Operator", "Privacy.Admin"}, None),
}
ROLES = ["Platform.Admin", "Privacy.Admin", "Privacy.Operator", "Support.Agent", "Auditor"]


@pytest.mark.parametrize("route", sorted(DSAR_ROUTES))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("in_scope", [True, False])
def test_dsar_routes_role_scope_matrix(dsar: Dsar, route: str, role: str, in_scope: bool) -> None:
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}}).get_body()
    )["requestId"]
    dsar.verify(request_id)
    method, allowed, body = DSAR_ROUTES[route]
    scope = (dsar.tenant["tenantId"],) if in_scope else ("t-elsewhere",)
    headers = {"X-MS-CLIENT-PRINCIPAL": principal(role, tenants=scope, oid="oid-matrix")}
    if route in ("start_dsar", "decide_dsar"):
        status = dsar._async(route, headers, body, requestId=request_id).status_code
    else:
        status = dsar.client.call(
            route,
            method,
            body=body,
            headers=headers,
            route={"tenantId": dsar.tenant["tenantId"], "requestId": request_id},
        ).status
    if role in allowed and in_scope:
        assert status not in (401, 403)
    else:
        assert status == 403


def test_dsar_routes_without_a_principal_are_401(dsar: Dsar) -> None:
    assert dsar._async("start_dsar", {}, DSAR_ROUTES["start_dsar"][2]).status_code == 401
    assert (
        dsar.client.call("list_dsar", "GET", route={"tenantId": dsar.tenant["tenantId"]}).status
        == 401
    )


def test_extension_moves_the_deadline_at_most_two_months(dsar: Dsar) -> None:
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}}).get_body()
    )["requestId"]
    route = {"tenantId": dsar.tenant["tenantId"], "requestId": request_id}
    before = dsar.status(request_id)["deadline"]
    first = dsar.client.call(
        "extend_dsar", headers=APPROVER, route=route, body={"days": 45, "reason": "complex"}
    )
    assert first.status == 200 and first.json()["deadline"] > before
    second = dsar.client.call(
        "extend_dsar", headers=APPROVER, route=route, body={"days": 30, "reason": "more"}
    )
    assert second.status == 409


def test_finishing_twice_keeps_the_export_package(dsar: Dsar) -> None:
    """An activity re-run after a crash must not replace the package with an empty one."""
    request_id = json.loads(
        dsar.start({"type": "access", "identifiers": {"email": EMAIL}}).get_body()
    )["requestId"]
    tid = dsar.tenant["tenantId"]
    dsar.client.services.dsar_requests.update(tid, request_id, {"status": "running"})
    dsar.client.services.dsar_steps.finish(tid, request_id, [])
    package = dsar.client.services.blobs.get("exports", f"dsar/{request_id}/export.zip")
    assert "contact.json" in zipfile.ZipFile(io.BytesIO(package)).namelist()


class PurgingClient(RecordingClient):
    def __init__(self, runtime_status: str | None) -> None:
        super().__init__()
        self.runtime_status = runtime_status
        self.purged: list[str] = []

    async def get_status(self, instance_id: str) -> Any:
        import azure.durable_functions as df

        status = (
            None
            if self.runtime_status is None
            else df.OrchestrationRuntimeStatus(self.runtime_status)
        )
        return type("Status", (), {"runtime_status": status})()

    async def purge_instance_history(self, instance_id: str) -> None:
        self.purged.append(instance_id)


@pytest.mark.parametrize(
    ("runtime", "purged"), [("Running", False), ("Completed", True), (None, True)]
)
def test_history_is_purged_only_once_the_orchestration_ended(
    dsar: Dsar, runtime: str | None, purged: bool
) -> None:
    from azure.functions.timer import TimerRequest

    request_id = json.loads(
        dsar.start({"type": "access", "identifiers": {"email": EMAIL}}).get_body()
    )["requestId"]
    client = PurgingClient(runtime)
    handler = FUNCTIONS["purge_finished_dsar"].get_user_function().__wrapped__
    asyncio.run(handler(TimerRequest(), client=client))
    assert (client.purged == [request_id]) is purged
    left = dsar.client.services.dsar_housekeeping.finished_unpurged()
    assert ((dsar.tenant["tenantId"], request_id) in left) is not purged


def test_a_principal_without_identity_claims_cannot_be_one_of_the_two_people(dsar: Dsar) -> None:
    """Hand-made dev principals (roles only) cannot be told apart: the two-person rule, which
    compares identities, refuses them as verifier and as approver of an erasure (real Entra
    principals always carry an object id). Changed deliberately: before the rule they could
    approve alone."""
    import base64

    bare = {
        "X-MS-CLIENT-PRINCIPAL": base64.b64encode(
            json.dumps(
                {
                    "claims": [
                        {"typ": "roles", "val": "Privacy.Admin"},
                        {"typ": "tenants", "val": "*"},
                    ]
                }
            ).encode()
        ).decode()
    }
    request_id = json.loads(
        dsar.start({"type": "erasure", "identifiers": {"email": EMAIL}}, headers=bare).get_body()
    )["requestId"]
    refused = dsar.verify(request_id, headers=bare)
    assert refused.status == 403 and refused.json()["rule"] == "identified-verifier"
    dsar.verify(request_id)
    refused = dsar.decide(request_id, True, headers=bare)
    assert refused.status_code == 403
    assert json.loads(refused.get_body())["rule"] == "identified-approver"
    assert dsar.status(request_id)["status"] == "awaiting_approval"
    assert dsar.decide(request_id, True).status_code == 202
    assert dsar.status(request_id)["status"] == "completed"
