"""Pure helpers of the SQLite document store: keys, JSON-pointer patching, query SQL.

Kept apart from the store so the Cosmos rules they encode and the SQL they emit can be read
without the connection and transaction handling in the way.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from shared.adapters._item_rules import item_partition
from shared.ports.document_store import (
    BadRequest,
    ContainerSpec,
    Filter,
    InvalidContinuation,
    PartitionKey,
    PatchOp,
    Query,
)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INDEX = re.compile(r"(0|[1-9][0-9]*)\Z")
_COMPARE = frozenset({"=", "!=", "<", "<=", ">", ">="})
# Cosmos ORDER BY ranks mixed types: undefined < null < boolean < number < string < array < object.
_TYPE_RANK = (
    "CASE json_type(body, '{p}') WHEN 'null' THEN 1 WHEN 'false' THEN 2 WHEN 'true' THEN 2 "
    "WHEN 'integer' THEN 3 WHEN 'real' THEN 3 WHEN 'text' THEN 4 WHEN 'array' THEN 5 "
    "WHEN 'object' THEN 6 ELSE 0 END"
)
# Never NULL, so the row-value comparisons of keyset pagination stay two-valued.
_SORT_VALUE = "ifnull(json_extract(body, '{p}'), 0)"
VISIBLE = "(expires_at IS NULL OR expires_at > ?)"
_MAX_PATCH_OPS = 10


_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
"""Built once: ``json.dumps`` with options builds a new encoder on every call."""


def dumps(value: Any) -> str:
    """Compact JSON, as stored; NaN/Infinity are rejected because Cosmos rejects them."""
    try:
        return _ENCODER.encode(value)
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"item is not valid JSON: {exc}") from None


# ---- keys ----------------------------------------------------------------------------------


def pk_text(spec: ContainerSpec, pk: PartitionKey, *, prefix: bool = False) -> str:
    """The key as a compact JSON array: unambiguous, and a key prefix is a string prefix."""
    width = len(spec.partition_key_paths)
    if not (len(pk) <= width if prefix else len(pk) == width) or not all(
        isinstance(v, str) and v for v in pk
    ):
        raise BadRequest(f"partition key does not fit container {spec.name}")
    return _ENCODER.encode(list(pk))


def item_key(spec: ContainerSpec, item: Any) -> tuple[str, str]:
    """Validate an item about to be written; returns its (pk text, id)."""
    values, item_id = item_partition(spec, item)
    return pk_text(spec, values), item_id


def expires_at(spec: ContainerSpec, item: dict[str, Any], ts: int) -> float | None:
    """Cosmos TTL: off with no container default, else item ttl or default; -1 is never."""
    ttl = item.get("ttl")
    if spec.default_ttl is None:
        return None
    ttl = spec.default_ttl if ttl is None else ttl
    return None if ttl == -1 else float(ts + ttl)


# ---- patch -------------------------------------------------------------------------------


def _pointer(path: str) -> list[str]:
    parts = path.split("/")
    if not path.startswith("/") or any(p == "" for p in parts[1:]):
        raise BadRequest(f"invalid patch path {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in parts[1:]]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _index(key: str, size: int, *, allow_end: bool) -> int:
    if not _INDEX.match(key) or int(key) > size or (int(key) == size and not allow_end):
        raise BadRequest(f"array index {key!r} out of range")
    return int(key)


def apply_patch(spec: ContainerSpec, doc: dict[str, Any], ops: Sequence[PatchOp]) -> Any:
    """Apply ops to a deep copy, all or nothing (RFC 6902 plus Cosmos ``set``/``incr``).

    Identity (id, partition key) and system properties are off limits, as in Cosmos.
    """
    if not 1 <= len(ops) <= _MAX_PATCH_OPS:
        raise BadRequest(f"a patch takes 1 to {_MAX_PATCH_OPS} operations")
    protected = {"id", "_ts", "_etag", *(p.lstrip("/") for p in spec.partition_key_paths)}
    result = copy.deepcopy(doc)
    for op in ops:
        parts = _pointer(op.path)
        if parts[0] in protected:
            raise BadRequest(f"patch may not change /{parts[0]}")
        parent: Any = result
        for key in parts[:-1]:
            if isinstance(parent, dict) and key in parent:
                parent = parent[key]
            elif isinstance(parent, list):
                parent = parent[_index(key, len(parent), allow_end=False)]
            else:
                raise BadRequest(f"patch path {op.path!r} does not exist")
        _apply_one(parent, parts[-1], op)
    return result


def _apply_one(parent: Any, key: str, op: PatchOp) -> None:
    value = copy.deepcopy(op.value)
    if op.op == "incr" and not _is_number(value):
        raise BadRequest("incr needs a number")
    if isinstance(parent, dict):
        exists = key in parent
        if op.op in ("replace", "remove") and not exists:
            raise BadRequest(f"patch path {op.path!r} does not exist")
        if op.op == "remove":
            del parent[key]
        elif op.op == "incr" and exists:
            if not _is_number(parent[key]):
                raise BadRequest(f"incr target {op.path!r} is not a number")
            parent[key] += value
        else:
            parent[key] = value
    elif isinstance(parent, list):
        if key == "-" and op.op in ("add", "set"):
            parent.append(value)
            return
        i = _index(key, len(parent), allow_end=op.op in ("add", "set"))
        if op.op == "add":
            parent.insert(i, value)
        elif op.op == "remove":
            del parent[i]
        elif op.op == "incr":
            if not _is_number(parent[i]):
                raise BadRequest(f"incr target {op.path!r} is not a number")
            parent[i] += value
        elif i == len(parent):
            parent.append(value)
        else:
            parent[i] = value
    else:
        raise BadRequest(f"patch path {op.path!r} has no container parent")


# ---- queries -----------------------------------------------------------------------------


def json_path(dotted: str) -> str:
    """``a.b`` -> ``$.a.b``; identifiers only, so the path can be inlined into SQL safely."""
    if not all(_IDENT.match(s) for s in dotted.split(".")):
        raise BadRequest(f"invalid property path {dotted!r}")
    return "$." + dotted


def _compare(p: str, op: str, value: Any, params: list[Any]) -> str:
    """One comparison with Cosmos typing: across JSON types the result is undefined (no match)."""
    if value is None:
        return f"json_type(body, '{p}') = 'null'" if op in ("=", "<=", ">=") else "0"
    if isinstance(value, bool):
        guard = "IN ('true', 'false')"  # json_extract gives 1/0, compared to int(value) below
        value = int(value)
    elif _is_number(value):
        guard = "IN ('integer', 'real')"
    elif isinstance(value, str):
        guard = "= 'text'"
    else:
        raise BadRequest("filter values must be JSON scalars")
    params.append(value)
    return f"(json_type(body, '{p}') {guard} AND json_extract(body, '{p}') {op} ?)"


def render_filters(filters: Sequence[Filter], params: list[Any]) -> list[str]:
    """SQL conditions for ``filters``; values are bound through ``params``."""
    clauses = []
    for f in filters:
        p = json_path(f.path)
        if f.op in _COMPARE:
            clauses.append(_compare(p, f.op, f.value, params))
        elif f.op == "in":
            if isinstance(f.value, str | bytes) or not isinstance(f.value, Sequence | set):
                raise BadRequest("'in' needs a list of values")
            parts = [_compare(p, "=", v, params) for v in f.value]
            clauses.append("(" + (" OR ".join(parts) or "0") + ")")
        elif f.op == "exists":
            wanted = f.value is None or bool(f.value)  # ``exists`` False asks for absence
            clauses.append(f"json_type(body, '{p}') IS {'NOT ' if wanted else ''}NULL")
        else:
            raise BadRequest(f"unknown filter op {f.op!r}")
    return clauses


def sort_key(query: Query) -> list[str]:
    """SQL expressions forming a unique, NULL-free sort key (ends with ``pk, id``)."""
    if query.order_by is None:
        return ["pk", "id"]
    p = json_path(query.order_by)
    return [_TYPE_RANK.format(p=p), _SORT_VALUE.format(p=p), "pk", "id"]


def page_sql(
    spec: ContainerSpec, pk: PartitionKey, query: Query, continuation: str | None, now: float
) -> tuple[str, list[Any], str]:
    """SELECT of one page (body, then sort key columns) with its params, and a fingerprint.

    The caller binds the LIMIT after the returned params.
    Keyset pagination: the token holds the last sort key, so resuming neither skips nor repeats
    items that stay put while others come and go.
    """
    key = pk_text(spec, pk, prefix=True)
    where, params = ["container = ?", VISIBLE], [spec.name, now]
    full = len(pk) == len(spec.partition_key_paths)
    if full:
        where.append("pk = ?")
        params.append(key)
    elif pk:  # '["a",' <= pk < '["a"-' holds exactly the keys that start with '["a",'
        where.append("pk >= ? AND pk < ?")
        params += [key[:-1] + ",", key[:-1] + "-"]
    where += render_filters(query.filters, params)
    # Within one partition, pk is fixed: leaving it out of the sort key keeps every page an
    # index range inside the partition instead of a scan to the end of the container.
    keys = [k for k in sort_key(query) if not (full and k == "pk")]
    shape = (spec.name, tuple(pk), tuple(query.filters), query.order_by, query.descending)
    fingerprint = hashlib.sha256(repr(shape).encode()).hexdigest()[:16]
    if continuation is not None:
        params += decode_token(continuation, fingerprint, len(keys))
        marks = ", ".join("?" * len(keys))
        where.append(f"({', '.join(keys)}) {'<' if query.descending else '>'} ({marks})")
    direction = "DESC" if query.descending else "ASC"
    sql = (
        f"SELECT body, {', '.join(keys)} FROM items WHERE {' AND '.join(where)}"
        f" ORDER BY {', '.join(f'{k} {direction}' for k in keys)} LIMIT ?"
    )
    return sql, params, fingerprint


def encode_token(fingerprint: str, key: Sequence[Any]) -> str:
    raw = json.dumps({"q": fingerprint, "k": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_token(token: str, fingerprint: str, width: int) -> list[Any]:
    """The last sort key of the previous page; rejects tokens from another query."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        key = data["k"]
        ok = data["q"] == fingerprint and isinstance(key, list) and len(key) == width
        ok = ok and all(isinstance(v, int | float | str) for v in key)
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeError):
        ok = False
    if not ok:
        raise InvalidContinuation("invalid continuation token")
    return list(key)
