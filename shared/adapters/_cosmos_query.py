"""Translations of the Cosmos DB adapter: the port's ``Query`` as parameterised SQL, partition
key values, patch and batch operations, continuation tokens, SDK errors, and the retry of
throttled requests.

Apart from the store so what it sends can be read and tested without a server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import ServiceRequestError, ServiceResponseError
from azure.cosmos import ContainerProxy
from azure.cosmos.exceptions import CosmosHttpResponseError

from shared.ports.document_store import (
    BadRequest,
    BatchOp,
    Conflict,
    ContainerSpec,
    Filter,
    InvalidContinuation,
    Item,
    NotFound,
    PartitionKey,
    PatchOp,
    PreconditionFailed,
    Query,
    StoreError,
    StoreMetrics,
)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_COMPARE = frozenset({"=", "!=", "<", "<=", ">", ">="})
_MAX_PATCH_OPS = 10  # Cosmos limit
T = TypeVar("T")
P = ParamSpec("P")
Hook = Callable[[Mapping[str, Any], Any], None]
_SYSTEM_NOISE = ("_rid", "_self", "_attachments", "_lsn")
Params = list[dict[str, Any]]
ERRORS: dict[int, type[StoreError]] = {
    400: BadRequest,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
}


class Throttled(StoreError):
    """Still 429 after the SDK's retries and ours; the caller may retry later."""

    status = 429


@dataclass
class CosmosMetrics(StoreMetrics):
    """``StoreMetrics`` plus the RU charge per operation kind (``x-ms-request-charge``)."""

    request_units: dict[str, float] = field(default_factory=dict)


def error_for(status: int, detail: str) -> StoreError:
    error = ERRORS.get(status, StoreError)(detail)
    if type(error) is StoreError:
        error.status = status
    return error


def store_error(exc: CosmosHttpResponseError, what: str) -> StoreError:
    """The port's error for an SDK error; names the operation and codes, never item content
    (the SDK's message may echo the request)."""
    status = int(exc.status_code or 500)
    detail = f"{what}: HTTP {status}/{exc.sub_status or 0}"
    if activity := (getattr(exc, "headers", None) or {}).get("x-ms-activity-id"):
        detail += f" (activity {activity})"
    return error_for(status, detail)


def clean(item: Mapping[str, Any]) -> Item:
    """A plain dict without the system properties the port does not promise."""
    return {k: v for k, v in item.items() if k not in _SYSTEM_NOISE}


def conditions(if_match: str | None) -> dict[str, Any]:
    if if_match is None:
        return {}
    return {"etag": if_match, "match_condition": MatchConditions.IfNotModified}


def prop(dotted: str) -> str:
    """``flags.on`` -> ``c["flags"]["on"]``: bracket form, so reserved words such as ``value``
    or ``order`` are safe; identifiers only, so inlining the names cannot inject SQL."""
    parts = dotted.split(".")
    if not all(_IDENT.match(p) for p in parts):
        raise BadRequest(f"invalid property path {dotted!r}")
    return "c" + "".join(f'["{p}"]' for p in parts)


def check_key(spec: ContainerSpec, pk: PartitionKey, *, prefix: bool = False) -> None:
    width = len(spec.partition_key_paths)
    fits = len(pk) <= width if prefix else len(pk) == width
    if not fits or not all(isinstance(v, str) and v for v in pk):
        raise BadRequest(f"partition key does not fit container {spec.name}")


def sdk_key(spec: ContainerSpec, pk: PartitionKey) -> str | list[str]:
    """The SDK's partition key value: a list for hierarchical (MultiHash) keys."""
    check_key(spec, pk)
    return list(pk) if len(spec.partition_key_paths) > 1 else pk[0]


def key_clauses(spec: ContainerSpec, pk: PartitionKey, params: Params) -> list[str]:
    """Equality on each given key component. Redundant for Cosmos, which already scopes the
    request by the partition key header, but it keeps a prefix query exact and is what the
    local stand-in (which ignores the header) needs to answer correctly."""
    clauses = []
    for i, value in enumerate(pk):
        name = f"@k{i}"
        params.append({"name": name, "value": value})
        clauses.append(f"{prop(spec.partition_key_paths[i].lstrip('/'))} = {name}")
    return clauses


def _scalar(value: Any) -> Any:
    if value is not None and not isinstance(value, str | int | float | bool):
        raise BadRequest("filter values must be JSON scalars")
    return value


def filter_clauses(filters: Sequence[Filter], params: Params) -> list[str]:
    """Cosmos typing is the contract: comparing across JSON types is undefined, i.e. no match."""
    clauses = []
    for i, f in enumerate(filters):
        path, name = prop(f.path), f"@p{i}"
        if f.op in _COMPARE:
            params.append({"name": name, "value": _scalar(f.value)})
            clauses.append(f"{path} {f.op} {name}")
        elif f.op == "in":
            if isinstance(f.value, str | bytes) or not isinstance(f.value, Sequence | set):
                raise BadRequest("'in' needs a list of values")
            params.append({"name": name, "value": [_scalar(v) for v in f.value]})
            clauses.append(f"ARRAY_CONTAINS({name}, {path})")
        elif f.op == "exists":
            wanted = f.value is None or bool(f.value)
            clauses.append(f"{'' if wanted else 'NOT '}IS_DEFINED({path})")
        else:
            raise BadRequest(f"unknown filter op {f.op!r}")
    return clauses


def render(spec: ContainerSpec, pk: PartitionKey, query: Query) -> tuple[str, Params, str]:
    """SQL, parameters and a fingerprint of one query (tokens are bound to it)."""
    check_key(spec, pk, prefix=True)
    params: Params = []
    where = key_clauses(spec, pk, params) + filter_clauses(query.filters, params)
    sql = "SELECT * FROM c"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if query.order_by is not None:
        sql += f" ORDER BY {prop(query.order_by)} {'DESC' if query.descending else 'ASC'}"
    shape = (spec.name, tuple(pk), tuple(query.filters), query.order_by, query.descending)
    return sql, params, hashlib.sha256(repr(shape).encode()).hexdigest()[:16]


def read_many_sql(spec: ContainerSpec, pk: PartitionKey, ids: Sequence[str]) -> tuple[str, Params]:
    params: Params = [{"name": "@ids", "value": list(ids)}]
    where = [*key_clauses(spec, pk, params), "ARRAY_CONTAINS(@ids, c.id)"]
    return "SELECT * FROM c WHERE " + " AND ".join(where), params


def encode_token(fingerprint: str, cosmos_token: str) -> str:
    raw = json.dumps({"q": fingerprint, "c": cosmos_token}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_token(token: str, fingerprint: str) -> str:
    """The SDK's token inside ours; a token of another query is refused before Cosmos sees it."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        ok = isinstance(data, dict) and data.get("q") == fingerprint
        inner = data["c"] if ok else None
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeError):
        inner = None
    if not isinstance(inner, str) or not inner:
        raise InvalidContinuation("invalid continuation token")
    return inner


def patch_ops(spec: ContainerSpec, ops: Sequence[PatchOp]) -> list[dict[str, Any]]:
    """The SDK's patch operations. Checked here as Cosmos checks them (count, pointer syntax,
    identity and system properties), so a bad patch fails the same way on every adapter."""
    if not 1 <= len(ops) <= _MAX_PATCH_OPS:
        raise BadRequest(f"a patch takes 1 to {_MAX_PATCH_OPS} operations")
    protected = {"id", "_ts", "_etag", *(p.lstrip("/") for p in spec.partition_key_paths)}
    out: list[dict[str, Any]] = []
    for op in ops:
        parts = op.path.split("/")
        if not op.path.startswith("/") or any(p == "" for p in parts[1:]):
            raise BadRequest(f"invalid patch path {op.path!r}")
        if parts[1] in protected:
            raise BadRequest(f"patch may not change /{parts[1]}")
        number = isinstance(op.value, int | float) and not isinstance(op.value, bool)
        if op.op == "incr" and not number:
            raise BadRequest("incr needs a number")
        if op.op not in ("add", "set", "replace", "remove", "incr"):
            raise BadRequest(f"unknown patch op {op.op!r}")
        entry: dict[str, Any] = {"op": op.op, "path": op.path}
        if op.op != "remove":
            entry["value"] = op.value
        out.append(entry)
    return out


def batch_op(spec: ContainerSpec, op: BatchOp) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """One SDK batch operation. A conditional upsert goes as a replace: only an existing item
    can match, and Cosmos would otherwise create one."""
    cond = {"if_match_etag": op.if_match} if op.if_match is not None else {}
    if op.op == "create" or (op.op == "upsert" and op.if_match is None):
        return op.op, (op.item,), {}
    if op.op in ("upsert", "replace") and op.item is not None:
        return "replace", (op.item["id"], op.item), cond
    if op.op == "patch":
        return "patch", (op.id, patch_ops(spec, op.patch)), cond
    if op.op in ("read", "delete"):
        return op.op, (op.id,), cond
    raise BadRequest(f"unknown batch operation {op.op!r}")


def all_items(
    proxy: ContainerProxy, sql: str, params: Params, key: Any, hook: Hook
) -> list[dict[str, Any]]:
    return list(proxy.query_items(sql, parameters=params, partition_key=key, response_hook=hook))


@dataclass(frozen=True)
class Retry:
    """Runs one request, mapping SDK errors to the port's. 429s left over by the SDK's retry
    policy get a bounded, jittered back-off (a 429 was not executed: retrying a write is safe)."""

    max_attempts: int
    backoff_cap: float
    sleep: Callable[[float], None]

    def __call__(self, what: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn(*args, **kwargs)
            except CosmosHttpResponseError as exc:
                if exc.status_code != 429:
                    raise store_error(exc, what) from None
                if attempt == self.max_attempts:
                    raise Throttled(f"{what}: throttled after {attempt} attempts") from None
                hinted = float((exc.headers or {}).get("x-ms-retry-after-ms") or 0) / 1000
                delay = min(self.backoff_cap, max(hinted, 0.05 * 2**attempt))
                self.sleep(delay * random.uniform(0.5, 1.0))
            except (ServiceRequestError, ServiceResponseError) as exc:
                error = error_for(503, f"{what}: Cosmos DB unreachable ({type(exc).__name__})")
                raise error from None
        raise AssertionError("unreachable")
