"""The document store port, shaped after Cosmos DB so the Azure adapter is a thin translation.

Semantics every adapter must keep (the contract tests check them):
- An item is a JSON object with a string ``id``; its partition key values are read from the
  item at the container's partition key paths (e.g. ``/tenantId``, ``/subjectId``).
- ``id`` is unique within one logical partition (the full partition key).
- System properties ``_ts`` (int seconds of the last write) and ``_etag`` are set on every write.
- TTL as Cosmos DB does it: with the container's ``default_ttl`` None, TTL is off and item ``ttl``
  is ignored; otherwise an item's ``ttl`` (seconds, or -1 for never) or, when absent, the
  container default (-1 = never) decides; an item is expired once ``now >= _ts + ttl``. Expired
  items are invisible to every read and query at once and removed physically later.
- Any write (replace, upsert, patch) sets a new ``_ts`` and so restarts the TTL clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Item = dict[str, Any]
PartitionKey = tuple[str, ...]
"""Full partition key values, in the container's path order (a prefix for prefix queries)."""


@dataclass(frozen=True)
class ContainerSpec:
    name: str
    partition_key_paths: tuple[str, ...]
    default_ttl: int | None = None
    """None: TTL off. -1: on, items live unless they set ``ttl``. n > 0: default seconds."""
    unindexed: tuple[str, ...] = ()
    """Paths no query filters on (ciphertext, grouped events, receipts): Cosmos DB keeps them
    out of its index, so a write is charged for the fields that are queried only."""


class StoreError(Exception):
    """Base for store failures; carries no item content, only ids and codes."""

    status = 500


class NotFound(StoreError):
    status = 404


class Conflict(StoreError):
    status = 409


class PreconditionFailed(StoreError):
    status = 412


class BadRequest(StoreError):
    """The request itself is invalid (bad id, path, key or batch shape); retrying won't help."""

    status = 400


class InvalidContinuation(BadRequest):
    """A continuation token that this query did not issue (tampered, truncated, another
    query's): the client's mistake, answered 400."""


class BatchFailed(StoreError):
    """A transactional batch was rolled back; ``index`` names the failing operation."""

    status = 400

    def __init__(self, index: int, cause: StoreError) -> None:
        super().__init__(f"batch operation {index} failed: {type(cause).__name__}")
        self.index = index
        self.cause = cause


PatchOpName = Literal["add", "set", "replace", "remove", "incr"]


@dataclass(frozen=True)
class PatchOp:
    """One Cosmos DB patch operation; ``path`` is a JSON pointer such as ``/flags/restricted``.

    ``add`` on a path ending in ``/-`` appends to an array.
    """

    op: PatchOpName
    path: str
    value: Any = None


FilterOp = Literal["=", "!=", "<", "<=", ">", ">=", "in", "exists"]


@dataclass(frozen=True)
class Filter:
    """A condition on one top-level or dotted property (``category``, ``flags.restricted``)."""

    path: str
    op: FilterOp
    value: Any = None


@dataclass(frozen=True)
class Query:
    """A structured query; the Cosmos adapter renders it as parameterised SQL."""

    filters: Sequence[Filter] = ()
    order_by: str | None = None
    descending: bool = False


@dataclass
class Page:
    items: list[Item]
    continuation: str | None = None


BatchOpName = Literal["create", "upsert", "replace", "delete", "read", "patch"]


@dataclass(frozen=True)
class BatchOp:
    op: BatchOpName
    item: Item | None = None
    """The item for create/upsert/replace."""
    id: str | None = None
    """The id for delete/read/patch."""
    patch: Sequence[PatchOp] = ()
    if_match: str | None = None


@dataclass
class BatchResult:
    status: int
    item: Item | None = None


@dataclass
class StoreMetrics:
    """Request counts per operation kind, the stand-in for Cosmos RU charges."""

    operations: dict[str, int] = field(default_factory=dict)


class DocumentStore(Protocol):
    def ensure_container(self, spec: ContainerSpec) -> None:
        """Create the container if missing; update its default TTL if it differs."""
        ...

    def read(self, container: str, pk: PartitionKey, item_id: str) -> Item:
        """Point read; raises NotFound for a missing or expired item."""
        ...

    def read_many(self, container: str, pk: PartitionKey, ids: Sequence[str]) -> list[Item]:
        """The visible items among ``ids`` in one partition (missing ones are left out)."""
        ...

    def create(self, container: str, item: Item) -> Item:
        """Insert; raises Conflict if a visible item with this id exists in its partition."""
        ...

    def upsert(self, container: str, item: Item, if_match: str | None = None) -> Item:
        """Insert or replace; with ``if_match`` the current ``_etag`` must match (412 otherwise)."""
        ...

    def replace(self, container: str, item: Item, if_match: str | None = None) -> Item:
        """Replace an existing item; NotFound if absent, PreconditionFailed on ETag mismatch."""
        ...

    def patch(
        self,
        container: str,
        pk: PartitionKey,
        item_id: str,
        ops: Sequence[PatchOp],
        if_match: str | None = None,
    ) -> Item:
        """Apply patch operations atomically; the item's TTL clock restarts like any write."""
        ...

    def delete(
        self, container: str, pk: PartitionKey, item_id: str, if_match: str | None = None
    ) -> None:
        """Delete; raises NotFound if absent."""
        ...

    def query(
        self,
        container: str,
        pk: PartitionKey,
        query: Query = Query(),
        max_items: int = 100,
        continuation: str | None = None,
    ) -> Page:
        """Items of one logical partition, or of every partition under a key prefix.

        ``pk`` may be shorter than the container's key (a hierarchical prefix query, as Cosmos
        DB allows for ``/tenantId`` alone). Pages are resumable with ``continuation``.
        """
        ...

    def batch(self, container: str, pk: PartitionKey, ops: Sequence[BatchOp]) -> list[BatchResult]:
        """All operations in one partition, atomically (at most 100); BatchFailed rolls back."""
        ...

    def delete_many(self, container: str, refs: Sequence[tuple[PartitionKey, str]]) -> int:
        """Bulk delete across partitions, not atomic (sweeps and purges); missing items are
        skipped. Returns how many were deleted."""
        ...

    def purge_expired(self, limit: int = 1000) -> int:
        """Physically remove expired items (Cosmos does this itself); returns how many."""
        ...

    def close(self) -> None: ...


def partition_key_of(spec: ContainerSpec, item: Mapping[str, Any]) -> PartitionKey:
    """Read an item's partition key values; a missing component is a programming error."""
    values = []
    for path in spec.partition_key_paths:
        value = item.get(path.lstrip("/"))
        if not isinstance(value, str) or not value:
            raise ValueError(f"item lacks partition key component {path}")
        values.append(value)
    return tuple(values)
