"""The ``durableClient`` input binding: the JSON the extension passes, pointing at this host.

``DurableOrchestrationClient`` reads ``taskHubName``, ``creationUrls``, ``managementUrls`` and
``rpcBaseUrl`` (it appends ``orchestrators/...`` and ``instances/...`` to the latter); the other
fields are what the extension sends too. ``create_check_status_response`` swaps the origin of
``managementUrls`` for the request's, so its links work for whoever called the starter. The
``code`` in those links is a durable-task system key derived from the master key (as Azure's
``durabletask_extension`` key): it opens the management API only, never the admin API. The
library's client appends paths to ``rpcBaseUrl`` and cannot add a query string or a header, so
that base carries the same key as a path segment (``…/durabletask/rpc/<key>/``): in Azure the
RPC endpoint is a private listener of the host, here it is the public API behind the key.

Functions with a client binding are wrapped so every trigger (HTTP, timer, queue, admin run)
gets the argument. The library keeps one aiohttp session per process, bound to the event loop
that created it, so — like the Python worker, which has a single loop — every client function
runs on the host's event loop once it is known; calls from runner threads hop onto it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

from infra.embedded_host.app_loader import FunctionDescriptor
from infra.embedded_host.host_keys import HostKeys, derived_key

WEBHOOK_PATH = "/runtime/webhooks/durabletask"
RPC_PATH = WEBHOOK_PATH + "/rpc"
"""``RPC_PATH/<system key>/`` is the in-process client's ``rpcBaseUrl``."""
DEFAULT_HUB = "TestHubName"
"""Core Tools' default task hub name when host.json names none."""
INSTANCE_PLACEHOLDER = "INSTANCEID"


def system_key(keys: HostKeys) -> str:
    return derived_key(keys.master, "durabletask_extension")


def local_origin(host: str, port: int) -> str:
    """A URL this process can call itself on: wildcard binds become loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def management_urls(origin: str, hub: str, key: str, instance_id: str) -> dict[str, str]:
    instance = f"{origin}{WEBHOOK_PATH}/instances/{instance_id}"
    query = f"taskHub={hub}&connection=Storage&code={key}"
    return {
        "id": instance_id,
        "statusQueryGetUri": f"{instance}?{query}",
        "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{query}",
        "terminatePostUri": f"{instance}/terminate?reason={{text}}&{query}",
        "rewindPostUri": f"{instance}/rewind?reason={{text}}&{query}",
        "purgeHistoryDeleteUri": f"{instance}?{query}",
        "restartPostUri": f"{instance}/restart?{query}",
        "suspendPostUri": f"{instance}/suspend?reason={{text}}&{query}",
        "resumePostUri": f"{instance}/resume?reason={{text}}&{query}",
    }


def binding_json(origin: str, hub: str, key: str) -> str:
    base = f"{origin}{WEBHOOK_PATH}"
    start = f"{base}/orchestrators/{{functionName}}[/{{instanceId}}]"
    return json.dumps({
        "taskHubName": hub,
        "creationUrls": {
            "createNewInstancePostUri": f"{start}?code={key}",
            "createAndWaitOnNewInstancePostUri":
                f"{start}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}"
                f"&code={key}",
        },
        "managementUrls": management_urls(origin, hub, key, INSTANCE_PLACEHOLDER),
        "baseUrl": base,
        "requiredQueryStringParameters": f"code={key}",
        "rpcBaseUrl": f"{origin}{RPC_PATH}/{key}/",
        "httpBaseUrl": base,
        "maxGrpcMessageSizeInBytes": 0,
        "grpcHttpClientTimeout": "00:01:40",
    })


class ClientBinder:
    """Wraps client-bound functions; ``loop`` is set by the host once its loop runs."""

    def __init__(self, binding: Callable[[], str]) -> None:
        self._binding = binding
        self.loop: asyncio.AbstractEventLoop | None = None

    def bind(self, functions: Sequence[FunctionDescriptor]) -> list[FunctionDescriptor]:
        return [self._wrap(f) if f.durable_clients else f for f in functions]

    def _wrap(self, function: FunctionDescriptor) -> FunctionDescriptor:
        names = function.durable_clients
        original = function.user_function

        async def with_client(**kwargs: Any) -> Any:
            kwargs.update({name: self._binding() for name in names})
            result = original(**kwargs)
            if not asyncio.iscoroutine(result):
                return result
            loop = self.loop
            if loop is None or loop.is_closed() or loop is asyncio.get_running_loop():
                return await result
            return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(result, loop))

        return dataclasses.replace(function, user_function=with_client, is_async=True)

