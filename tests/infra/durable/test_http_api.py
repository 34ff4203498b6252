"""The management API and the client binding, in-process (the subprocess test covers the wire)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import warnings
from typing import Any

import azure.durable_functions as df
import azure.functions as func
import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

from infra.embedded_host.app_loader import FunctionDescriptor, call_sync
from infra.embedded_host.durable.client_binding import (
    ClientBinder,
    binding_json,
    local_origin,
    system_key,
)
from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.http_api import DurableHttpApi
from infra.embedded_host.host_keys import HostKeys

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

KEYS = HostKeys(master="master-key", default="function-key")
KEY = system_key(KEYS)
BASE = "/runtime/webhooks/durabletask"


@pytest.fixture
def http(engine: DurableEngine) -> TestClient:
    api = DurableHttpApi(engine, KEYS, "TestHubName", KEY)
    return TestClient(Starlette(routes=api.routes()), headers={"x-functions-key": KEY})


def test_management_api_start_status_event_terminate_purge(
    http: TestClient, engine: DurableEngine
) -> None:
    started = http.post(f"{BASE}/orchestrators/approval/req-1", content=b"1")
    assert started.status_code == 202
    links = started.json()
    assert links["id"] == "req-1"
    assert started.headers["location"] == links["statusQueryGetUri"]
    assert links["statusQueryGetUri"].startswith(f"http://testserver{BASE}/instances/req-1?")
    assert f"code={KEY}" in links["statusQueryGetUri"]

    pending = http.get(f"{BASE}/instances/req-1")
    assert (pending.status_code, pending.json()["runtimeStatus"], pending.json()["input"]) == (
        202,
        "Pending",
        1,
    )
    engine.run_until_idle()
    # The Python client double-encodes event data: a JSON string holding the JSON text.
    raised = http.post(
        f"{BASE}/instances/req-1/raiseEvent/Decision",
        content=json.dumps(json.dumps({"approve": True})),
    )
    assert raised.status_code == 202
    engine.run_until_idle()
    done = http.get(
        f"{BASE}/instances/req-1", params={"showHistory": "true", "showHistoryOutput": "true"}
    )
    body = done.json()
    assert (done.status_code, body["runtimeStatus"], body["output"]) == (
        200,
        "Completed",
        {"recorded": {"approve": True}},
    )
    assert {"name", "instanceId", "customStatus", "createdTime", "lastUpdatedTime"} <= set(body)
    assert [e["EventType"] for e in body["historyEvents"]] == [
        "ExecutionStarted",
        "EventRaised",
        "TaskCompleted",
        "ExecutionCompleted",
    ]
    assert body["historyEvents"][2]["FunctionName"] == "record"

    http.post(f"{BASE}/orchestrators/approval/req-2")
    assert http.post(f"{BASE}/instances/req-2/terminate", params={"reason": "r"}).status_code == 202
    assert http.post(f"{BASE}/instances/req-2/terminate").status_code == 410
    assert http.post(f"{BASE}/instances/req-2/raiseEvent/Decision", content=b"1").status_code == 410
    listed = http.get(f"{BASE}/instances/", params={"runtimeStatus": "Terminated"}).json()
    assert [(i["instanceId"], i["output"]) for i in listed] == [("req-2", "r")]
    assert http.delete(f"{BASE}/instances/req-2").json() == {"instancesDeleted": 1}
    assert http.delete(f"{BASE}/instances/req-2").status_code == 404
    assert http.get(f"{BASE}/instances/req-2").status_code == 404
    assert http.post(f"{BASE}/instances/nope/raiseEvent/Decision", content=b"1").status_code == 404


def test_management_api_errors_and_auth(http: TestClient) -> None:
    unknown = http.post(f"{BASE}/orchestrators/missing")
    assert unknown.status_code == 400 and "missing" in unknown.json()["ExceptionMessage"]
    assert http.post(f"{BASE}/orchestrators/approval", content=b"{not json").status_code == 400
    assert http.post(f"{BASE}/instances/x/suspend").status_code == 501
    anonymous = TestClient(http.app, client=("127.0.0.1", 5000))  # loopback is no key
    assert anonymous.get(f"{BASE}/instances/").status_code == 401
    assert anonymous.post(f"{BASE}/orchestrators/approval", content=b"1",
                          headers={"Origin": "https://evil.example"}).status_code == 401
    assert anonymous.get(f"{BASE}/instances/", params={"code": "function-key"}).status_code == 401
    assert anonymous.get(f"{BASE}/instances/", params={"code": "master-key"}).status_code == 200
    assert anonymous.get(f"{BASE}/instances/", params={"code": KEY}).status_code == 200
    # The client's rpcBaseUrl carries the system key as a path segment; a wrong one is refused.
    assert anonymous.get(f"{BASE}/rpc/{KEY}/instances/").status_code == 200
    assert anonymous.get(f"{BASE}/rpc/wrong-key/instances/").status_code == 401
    assert anonymous.post(f"{BASE}/rpc/wrong-key/orchestrators/approval").status_code == 401
    assert anonymous.get(f"{BASE}/rpc/").status_code == 401


def test_binding_is_what_the_library_client_reads() -> None:
    origin = local_origin("0.0.0.0", 7071)
    client = df.DurableOrchestrationClient(binding_json(origin, "Hub", KEY))
    assert client._orchestration_bindings.rpc_base_url == f"http://127.0.0.1:7071{BASE}/rpc/{KEY}/"
    assert client._get_start_new_url("i-1", "approval") == (
        f"http://127.0.0.1:7071{BASE}/rpc/{KEY}/orchestrators/approval/i-1"
    )
    request = func.HttpRequest("POST", "http://localhost:9000/api/start", body=b"")
    response = client.create_check_status_response(request, "i-1")
    links = json.loads(response.get_body())
    assert response.status_code == 202 and links["id"] == "i-1"
    assert links["statusQueryGetUri"] == (
        f"http://localhost:9000{BASE}/instances/i-1?taskHub=Hub&connection=Storage&code={KEY}"
    )
    assert local_origin("::", 1) == "http://[::1]:1"


def test_client_bound_functions_get_the_argument_on_every_trigger() -> None:
    seen: dict[str, Any] = {}

    async def housekeeping(timer: object, client: str) -> str:
        seen.update(timer=timer, client=json.loads(client))
        return "ok"

    descriptor = FunctionDescriptor(
        name="housekeeping",
        trigger_type="timerTrigger",
        arg_name="timer",
        user_function=housekeeping,
        is_async=True,
        durable_clients=("client",),
    )
    [bound] = ClientBinder(lambda: binding_json("http://h:1", "Hub", KEY)).bind([descriptor])
    assert call_sync(bound, "tick") == "ok"
    assert seen["timer"] == "tick" and seen["client"]["taskHubName"] == "Hub"

    binder = ClientBinder(lambda: "{}")
    loop = asyncio.new_event_loop()
    try:
        binder.loop = loop  # a runner thread's call hops onto the host loop
        [bound] = binder.bind([dataclasses.replace(descriptor, user_function=_loop_id)])
        runner = threading.Thread(target=loop.run_forever)
        runner.start()
        try:
            assert call_sync(bound, "tick") == id(loop)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            runner.join(5)
    finally:
        loop.close()


async def _loop_id(timer: object, client: str) -> int:
    return id(asyncio.get_running_loop())
