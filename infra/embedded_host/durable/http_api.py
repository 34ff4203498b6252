"""The Durable Functions HTTP management API under ``/runtime/webhooks/durabletask``.

Same paths, status codes and bodies as the extension (the documented HTTP API, which is also
what ``DurableOrchestrationClient`` calls through ``rpcBaseUrl``). Host-level: every caller,
loopback included, needs the master key or the durable system key (``code`` or
``x-functions-key``; the in-process client's ``rpcBaseUrl`` carries the system key as a path
segment under ``RPC_PATH``). Suspend, resume, rewind, restart and entities answer 501.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from infra.embedded_host.admin_routes import presented_key
from infra.embedded_host.durable.client_binding import RPC_PATH, WEBHOOK_PATH, management_urls
from infra.embedded_host.durable.engine import DurableEngine, UnknownOrchestrator
from infra.embedded_host.durable.history import history_view, parse_time, stamp
from infra.embedded_host.durable.model import FAILED, PENDING, RUNNING, Instance, Outcome
from infra.embedded_host.host_keys import HostKeys, same_key
from infra.embedded_host.http_conversion import problem

Handler = Callable[[Request], Awaitable[Response]]
_TRUE = ("true", "1")
_INVALID_ID = set("/\\#?")


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def normalize_input(body: bytes) -> str | None:
    """The JSON text of the value sent. The Python client double-encodes (it posts a JSON
    string holding the JSON text), other callers post the value itself: accept both."""
    if not body.strip():
        return None
    value = json.loads(body)
    if isinstance(value, str):
        try:
            json.loads(value)
            return value
        except ValueError:
            pass
    return json.dumps(value)


def status_body(
    instance: Instance, *, show_input: bool, history: list[Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": instance.name, "instanceId": instance.instance_id,
        "runtimeStatus": instance.status,
        "input": _load(instance.input) if show_input else None,
        "customStatus": _load(instance.custom_status), "output": _load(instance.output),
        "createdTime": stamp(instance.created), "lastUpdatedTime": stamp(instance.updated),
    }
    if history is not None:
        body["historyEvents"] = history
    return body


class DurableHttpApi:
    def __init__(self, engine: DurableEngine, keys: HostKeys, hub: str, key: str) -> None:
        self.engine, self.keys, self.hub, self.key = engine, keys, hub, key

    def denied(self, request: Request) -> Response | None:
        presented = request.path_params.get("rpc_key") or presented_key(request)
        if presented and (same_key(presented, self.key) or same_key(presented, self.keys.master)):
            return None
        return problem(401, "Unauthorized", detail="the Durable Functions API needs the master "
                       "key or the system key (x-functions-key header or code parameter)")

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            return denied if (denied := self.denied(request)) else await handler(request)
        return guarded

    def routes(self) -> list[BaseRoute]:
        """The API at the extension's paths, and again under ``RPC_PATH/<key>`` (the client)."""
        g = self._guarded
        table: list[tuple[str, Handler, list[str]]] = [
            ("/orchestrators/{name}", self.start, ["POST"]),
            ("/orchestrators/{name}/{instance_id}", self.start, ["POST"]),
            ("/instances", self.list_instances, ["GET"]),
            ("/instances/", self.list_instances, ["GET"]),
            ("/instances/{instance_id}", self.status, ["GET"]),
            ("/instances/{instance_id}", self.purge, ["DELETE"]),
            ("/instances/{instance_id}/raiseEvent/{event}", self.raise_event, ["POST"]),
            ("/instances/{instance_id}/terminate", self.terminate, ["POST"]),
            ("/{rest:path}", self.unsupported, ["GET", "POST", "DELETE"]),
        ]
        return [Route(f"{base}{path}", g(handler), methods=methods)
                for base in (RPC_PATH + "/{rpc_key}", WEBHOOK_PATH)
                for path, handler, methods in table]

    def _links(self, request: Request, instance_id: str) -> dict[str, str]:
        origin = f"{request.url.scheme}://{request.url.netloc}"
        return management_urls(origin, self.hub, self.key, instance_id)

    async def start(self, request: Request) -> Response:
        instance_id = request.path_params.get("instance_id")
        if instance_id is not None and (_INVALID_ID & set(instance_id) or len(instance_id) > 256
                                        or not instance_id.strip()):
            return _bad_request("Instance id contains invalid characters or is too long.")
        try:
            input_json = normalize_input(await request.body())
        except ValueError:
            return _bad_request("Only application/json request content is supported")
        try:
            started: str = await anyio.to_thread.run_sync(
                self.engine.start_new, request.path_params["name"], instance_id, input_json)
        except UnknownOrchestrator as exc:
            return _bad_request(f"The function '{exc}' doesn't exist, is disabled, or is not "
                                "an orchestrator function.")
        links = self._links(request, started)
        return JSONResponse(links, status_code=202, headers={
            "Location": links["statusQueryGetUri"], "Retry-After": "10"})

    async def status(self, request: Request) -> Response:
        query = request.query_params
        instance = await anyio.to_thread.run_sync(
            self.engine.status, request.path_params["instance_id"])
        if instance is None:
            return Response(status_code=404)
        history = None
        if query.get("showHistory", "").lower() in _TRUE:
            events = await anyio.to_thread.run_sync(self.engine.store.history,
                                                    instance.instance_id)
            history = history_view(
                events, show_output=query.get("showHistoryOutput", "").lower() in _TRUE)
        body = status_body(instance, history=history,
                           show_input=query.get("showInput", "true").lower() in _TRUE)
        code = 202 if instance.status in (PENDING, RUNNING) else 200
        if instance.status == FAILED and query.get(
                "returnInternalServerErrorOnFailure", "").lower() in _TRUE:
            code = 500
        return JSONResponse(body, status_code=code)

    async def list_instances(self, request: Request) -> Response:
        query = request.query_params
        try:
            created_from, created_to = (
                parse_time(query[k]) if query.get(k) else None
                for k in ("createdTimeFrom", "createdTimeTo"))
        except ValueError:
            return _bad_request("createdTimeFrom/createdTimeTo must be ISO 8601 times")
        statuses = [s for s in query.get("runtimeStatus", "").split(",") if s]
        found = await anyio.to_thread.run_sync(lambda: self.engine.store.query(
            statuses, query.get("instanceIdPrefix", ""), created_from, created_to))
        show_input = query.get("showInput", "true").lower() in _TRUE
        return JSONResponse([status_body(i, show_input=show_input, history=None) for i in found])

    async def raise_event(self, request: Request) -> Response:
        try:
            data = normalize_input(await request.body())
        except ValueError:
            return _bad_request("Only application/json request content is supported")
        outcome = await anyio.to_thread.run_sync(
            self.engine.raise_event, request.path_params["instance_id"],
            request.path_params["event"], data)
        return _outcome(outcome)

    async def terminate(self, request: Request) -> Response:
        outcome = await anyio.to_thread.run_sync(
            self.engine.terminate, request.path_params["instance_id"],
            request.query_params.get("reason"))
        return _outcome(outcome)

    async def purge(self, request: Request) -> Response:
        deleted = await anyio.to_thread.run_sync(
            self.engine.purge, request.path_params["instance_id"])
        return JSONResponse({"instancesDeleted": deleted}, status_code=200 if deleted else 404)

    async def unsupported(self, request: Request) -> Response:
        return problem(501, "Not Implemented",
                       detail="not supported by the embedded host's Durable Functions engine")


def _bad_request(message: str) -> Response:
    return JSONResponse({"Message": "One or more of the arguments submitted is incorrect",
                         "ExceptionMessage": message}, status_code=400)


def _outcome(outcome: Outcome) -> Response:
    if outcome is Outcome.ACCEPTED:
        return Response(status_code=202)
    if outcome is Outcome.NOT_FOUND:
        return problem(404, "Not Found", detail="no instance with this id")
    return problem(410, "Gone", detail="the instance completed, failed or was terminated")
