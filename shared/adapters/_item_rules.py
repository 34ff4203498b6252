"""The Cosmos DB rules for containers, items and batches that every store adapter enforces
before writing, so the embedded store rejects what Cosmos would and the Cosmos adapter fails
fast without a round trip."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.ports.document_store import (
    BadRequest,
    BatchOp,
    ContainerSpec,
    partition_key_of,
)

_BAD_ID_CHARS = frozenset("/\\?#")
_MAX_BATCH = 100


def valid_ttl(ttl: Any) -> bool:
    return isinstance(ttl, int) and not isinstance(ttl, bool) and (ttl == -1 or ttl > 0)


def check_spec(spec: ContainerSpec) -> None:
    """Top-level key paths only, as ``partition_key_of`` reads them; Cosmos allows up to 3."""
    paths = spec.partition_key_paths
    if not spec.name or not 1 <= len(paths) <= 3:
        raise BadRequest("container needs a name and 1-3 partition key paths")
    if any(len(p) < 2 or p[0] != "/" or "/" in p[1:] for p in paths):
        raise BadRequest("partition key paths must be top-level, like /tenantId")
    if spec.default_ttl is not None and not valid_ttl(spec.default_ttl):
        raise BadRequest("default_ttl must be None, -1 or a positive integer")


def item_partition(spec: ContainerSpec, item: Any) -> tuple[tuple[str, ...], str]:
    """Validate an item about to be written; returns its (partition key values, id)."""
    if not isinstance(item, dict):
        raise BadRequest("item must be a JSON object")
    item_id = item.get("id")
    if not isinstance(item_id, str) or not 0 < len(item_id) <= 255 or _BAD_ID_CHARS & set(item_id):
        raise BadRequest("item id must be 1-255 characters without / \\ ? #")
    if item.get("ttl") is not None and not valid_ttl(item["ttl"]):
        raise BadRequest("item ttl must be -1 or a positive integer")
    try:
        return partition_key_of(spec, item), item_id
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def check_batch(spec: ContainerSpec, pk: tuple[str, ...], ops: Sequence[BatchOp]) -> None:
    """Cosmos rejects a malformed batch as a whole, before running any operation."""
    if not 1 <= len(ops) <= _MAX_BATCH:
        raise BadRequest(f"a batch takes 1 to {_MAX_BATCH} operations")
    for op in ops:
        if op.op in ("create", "upsert", "replace"):
            if op.item is None or item_partition(spec, op.item)[0] != pk:
                raise BadRequest("every batch item must be in the batch partition")
        elif op.id is None:
            raise BadRequest(f"batch {op.op} needs an id")
