"""One span per store, bus and key operation, around the real adapter.

The composition root wraps its ports in these only when telemetry is active, so the default
(``PRIVACY_OTEL_EXPORTER=none``) pays nothing. Attributes are what the call already names as
ids: container and partition (tenant id, pseudonymous subject id), item id, queue and message
ids; never an item's body, a message body or key material.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from shared.telemetry.core import active, span

S = TypeVar("S")
B = TypeVar("B")
K = TypeVar("K")

_STORE_OPS = frozenset({
    "read", "read_many", "create", "upsert", "replace", "patch", "delete", "query", "batch",
    "delete_many", "purge_expired", "ensure_container",
})
_BUS_OPS = frozenset({
    "send", "receive", "complete", "abandon", "dead_letter", "dead_letters",
    "purge_dead_letters", "active_count", "stats",
})
_KEY_OPS = frozenset({"wrap_key", "unwrap_key"})
"""Calls that reach the key store (Key Vault's wrap and unwrap). Secret look-ups are served
from the adapter's memory several times per message: as spans they were noise and cost."""


def _store_attributes(args: tuple[Any, ...]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if args and isinstance(args[0], str):
        attributes["db.container"] = args[0]
    target = args[1] if len(args) > 1 else None
    if isinstance(target, tuple | list) and target and all(isinstance(p, str) for p in target):
        attributes["tenant.id"] = target[0]
        if len(target) > 1:
            attributes["subject.id"] = target[1]
        if len(args) > 2 and isinstance(args[2], str):
            attributes["item.id"] = args[2]
    elif isinstance(target, dict):
        for field, name in (("tenantId", "tenant.id"), ("subjectId", "subject.id"),
                            ("id", "item.id")):
            if isinstance(target.get(field), str):
                attributes[name] = target[field]
    return attributes


def _bus_attributes(args: tuple[Any, ...]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if args and isinstance(args[0], str):
        attributes["messaging.destination"] = args[0]
    if len(args) > 1 and isinstance(args[1], list | tuple):
        attributes["messaging.batch.count"] = len(args[1])
        if len(args[1]) == 1:
            attributes["message.id"] = getattr(args[1][0], "message_id", "")
    return attributes


class _Traced:
    """Delegates everything to ``inner``; the named operations each run in a span."""

    _prefix = ""
    _ops: frozenset[str] = frozenset()

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @staticmethod
    def _attributes(args: tuple[Any, ...]) -> dict[str, Any]:
        return {}

    def __getattr__(self, name: str) -> Any:
        """Only reached for names not yet wrapped: a wrapped operation is kept on the
        instance, so later calls pay for their span and nothing else."""
        value = getattr(self._inner, name)
        if name not in self._ops or not callable(value):
            return value
        wrapped = self._wrap(name, value)
        setattr(self, name, wrapped)
        return wrapped

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        label, attributes = f"{self._prefix}.{name}", self._attributes

        @functools.wraps(method)
        def traced(*args: Any, **kwargs: Any) -> Any:
            with span(label, **attributes(args), **{"db.operation": name}):
                return method(*args, **kwargs)

        return traced


class TracedStore(_Traced):
    """A ``DocumentStore`` whose operations are spans (``store.read`` ...)."""

    _prefix, _ops = "store", _STORE_OPS
    _attributes = staticmethod(_store_attributes)


class TracedBus(_Traced):
    """A ``MessageBus`` whose operations are spans (``bus.send`` ...)."""

    _prefix, _ops = "bus", _BUS_OPS
    _attributes = staticmethod(_bus_attributes)


class TracedKeys(_Traced):
    """A ``KeyProvider`` whose operations are spans (``keys.unwrap_key`` ...): no attributes,
    as a wrap or unwrap names no key by id, only key material."""

    _prefix, _ops = "keys", _KEY_OPS


def traced(store: S, directory: S, bus: B, keys: K) -> tuple[S, S, B, K]:
    """The ports as given while telemetry is off (no cost at all), else wrapped in spans."""
    if not active():
        return store, directory, bus, keys
    wrapped = (TracedStore(store), TracedStore(directory), TracedBus(bus), TracedKeys(keys))
    return cast(tuple[S, S, B, K], wrapped)
