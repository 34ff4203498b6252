"""Import the function app and describe its functions from their own binding metadata.

The descriptors are the single source of truth for the HTTP router and the runners, so the
embedded host never keeps a second routing table that could drift from ``function_app.py``.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import azure.functions as func

from infra.embedded_host.settings_loader import resolve_expression

HTTP_TRIGGER = "httpTrigger"
SERVICE_BUS_TRIGGER = "serviceBusTrigger"
TIMER_TRIGGER = "timerTrigger"
ORCHESTRATION_TRIGGER = "orchestrationTrigger"
ACTIVITY_TRIGGER = "activityTrigger"
DURABLE_CLIENT = "durableClient"
"""Durable Functions: orchestrator and activity triggers, and the client input binding."""


@dataclass(frozen=True)
class FunctionDescriptor:
    """What the host needs to know to route to and invoke one function."""

    name: str
    trigger_type: str
    arg_name: str
    user_function: Callable[..., Any]
    is_async: bool
    route: str | None = None
    methods: tuple[str, ...] = ()
    """Allowed HTTP methods, upper case; empty means all."""
    auth_level: str = "anonymous"
    queue_name: str | None = None
    schedule: str | None = None
    run_on_startup: bool = False
    bindings: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    """Raw binding metadata, for extensions (e.g. durable client inputs)."""
    durable_clients: tuple[str, ...] = ()
    """Argument names of ``durableClient`` input bindings (any trigger may have one)."""
    max_body_bytes: int | None = None
    """The largest request body the function takes (its ``max_body_bytes`` attribute); the
    host stops reading past it instead of buffering whatever a client sends."""


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def load_app(module_name: str) -> tuple[func.FunctionApp, list[FunctionDescriptor]]:
    """Import ``module_name`` and describe the FunctionApp it holds (``app`` preferred)."""
    module = importlib.import_module(module_name)
    app = getattr(module, "app", None)
    if not isinstance(app, func.FunctionApp):
        found = [v for v in vars(module).values() if isinstance(v, func.FunctionApp)]
        if not found:
            raise RuntimeError(f"module {module_name!r} defines no azure.functions.FunctionApp")
        app = found[0]
    return app, describe(app)


def describe(app: func.FunctionApp) -> list[FunctionDescriptor]:
    default_auth = str(_plain(app.auth_level)).lower()
    return [_descriptor(function, default_auth) for function in app.get_functions()]


def _descriptor(function: Any, default_auth: str) -> FunctionDescriptor:
    name: str = function.get_function_name()
    trigger = {k: _plain(v) for k, v in function.get_trigger().get_dict_repr().items()}

    def setting(key: str) -> str | None:
        value = trigger.get(key)
        return None if value is None else resolve_expression(str(value), function=name, field=key)

    user_function = function.get_user_function()
    route = setting("route")
    bindings = tuple(b.get_dict_repr() for b in function.get_bindings())
    return FunctionDescriptor(
        name=name,
        trigger_type=str(trigger["type"]),
        arg_name=str(trigger["name"]),
        user_function=user_function,
        is_async=inspect.iscoroutinefunction(user_function),
        route=route if route is not None or trigger["type"] != HTTP_TRIGGER else name,
        methods=tuple(str(_plain(m)).upper() for m in trigger.get("methods") or ()),
        auth_level=str(trigger.get("authLevel") or default_auth).lower(),
        queue_name=setting("queueName"),
        schedule=setting("schedule"),
        run_on_startup=bool(trigger.get("runOnStartup", False)),
        bindings=bindings,
        durable_clients=tuple(
            str(b["name"]) for b in bindings if _plain(b.get("type")) == DURABLE_CLIENT),
        max_body_bytes=getattr(user_function, "max_body_bytes", None),
    )


def call_sync(function: FunctionDescriptor, argument: object) -> Any:
    """Invoke from a worker thread; an async function gets its own event loop there."""
    result = function.user_function(**{function.arg_name: argument})
    if inspect.iscoroutine(result):
        return asyncio.run(result)
    return result
