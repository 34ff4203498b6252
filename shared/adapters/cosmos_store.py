"""The Azure ``DocumentStore``: a thin translation of the port onto ``azure-cosmos`` (sync).

One ``CosmosClient`` per process (``client=`` shares it). Items are checked before they are sent,
with the embedded store's rules, so a bad request fails alike on both and costs no round trip.
Throttling (429) is retried by the SDK, then by a short bounded back-off here; every request's
RU charge is added to ``metrics``. TTL expiry and ``_ts`` come from Cosmos (not the clock).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from azure.cosmos import CosmosClient, DatabaseProxy
from azure.cosmos.exceptions import CosmosBatchOperationError

from shared.adapters._cosmos_containers import CosmosContainers
from shared.adapters._cosmos_query import (
    CosmosMetrics,
    Retry,
    Throttled,
    all_items,
    batch_op,
    check_key,
    clean,
    conditions,
    decode_token,
    encode_token,
    error_for,
    patch_ops,
    read_many_sql,
    render,
    sdk_key,
)
from shared.adapters._item_rules import check_batch, item_partition
from shared.ports.clock import Clock
from shared.ports.document_store import (
    BadRequest,
    BatchFailed,
    BatchOp,
    BatchResult,
    ContainerSpec,
    Item,
    NotFound,
    Page,
    PartitionKey,
    PatchOp,
    PreconditionFailed,
    Query,
)

__all__ = ["CosmosDocumentStore", "CosmosMetrics", "Throttled"]
_READ_MANY_CHUNK = 256
_EVERYTHING = Query()


class CosmosDocumentStore(CosmosContainers):
    """``DocumentStore`` on one Cosmos DB database of an account."""

    def __init__(
        self,
        endpoint: str,
        database: str,
        credential: Any,
        clock: Clock,
        *,
        connection_verify: bool | str = True,
        client: CosmosClient | None = None,
        max_attempts: int = 4,
        backoff_cap: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._owns_client = client is None
        self._client = client or CosmosClient(
            endpoint, credential, connection_verify=connection_verify
        )
        self._clock = clock  # kept for the port's shape; Cosmos stamps _ts and expires items
        self._db: DatabaseProxy = self._client.get_database_client(database)
        self._database = database
        self._specs: dict[str, ContainerSpec] = {}
        self._call = Retry(max_attempts, backoff_cap, sleep)
        self._lock = threading.Lock()
        self.metrics = CosmosMetrics()

    # ---- the port ----------------------------------------------------------------------------

    def read(self, container: str, pk: PartitionKey, item_id: str) -> Item:
        with self._op("read") as hook:
            value = sdk_key(self._spec(container, hook), pk)
            return clean(
                self._call(
                    f"read {container}/{item_id}",
                    self._container(container).read_item,
                    item_id,
                    value,
                    response_hook=hook,
                )
            )

    def read_many(self, container: str, pk: PartitionKey, ids: Sequence[str]) -> list[Item]:
        with self._op("read_many") as hook:
            spec = self._spec(container, hook)
            value, wanted = sdk_key(spec, pk), list(dict.fromkeys(ids))
            found: dict[str, Item] = {}
            for start in range(0, len(wanted), _READ_MANY_CHUNK):
                sql, params = read_many_sql(spec, pk, wanted[start : start + _READ_MANY_CHUNK])
                items = self._call(
                    f"read_many {container}",
                    all_items,
                    self._container(container),
                    sql,
                    params,
                    value,
                    hook,
                )
                found.update((i["id"], clean(i)) for i in items)
            return [found[i] for i in wanted if i in found]

    def create(self, container: str, item: Item) -> Item:
        with self._op("create") as hook:
            _, item_id = item_partition(self._spec(container, hook), item)
            return clean(
                self._call(
                    f"create {container}/{item_id}",
                    self._container(container).create_item,
                    item,
                    response_hook=hook,
                )
            )

    def upsert(self, container: str, item: Item, if_match: str | None = None) -> Item:
        if if_match is not None:  # conditional: only an existing item can match (as replace)
            try:
                return self._replace("upsert", container, item, if_match)
            except NotFound:
                raise PreconditionFailed(f"upsert {container}: no item to match") from None
        with self._op("upsert") as hook:
            _, item_id = item_partition(self._spec(container, hook), item)
            return clean(
                self._call(
                    f"upsert {container}/{item_id}",
                    self._container(container).upsert_item,
                    item,
                    response_hook=hook,
                )
            )

    def replace(self, container: str, item: Item, if_match: str | None = None) -> Item:
        return self._replace("replace", container, item, if_match)

    def _replace(self, kind: str, container: str, item: Item, if_match: str | None) -> Item:
        with self._op(kind) as hook:
            _, item_id = item_partition(self._spec(container, hook), item)
            return clean(
                self._call(
                    f"{kind} {container}/{item_id}",
                    self._container(container).replace_item,
                    item_id,
                    item,
                    response_hook=hook,
                    **conditions(if_match),
                )
            )

    def patch(
        self,
        container: str,
        pk: PartitionKey,
        item_id: str,
        ops: Sequence[PatchOp],
        if_match: str | None = None,
    ) -> Item:
        with self._op("patch") as hook:
            spec = self._spec(container, hook)
            value, body = sdk_key(spec, pk), patch_ops(spec, ops)
            return clean(
                self._call(
                    f"patch {container}/{item_id}",
                    self._container(container).patch_item,
                    item_id,
                    value,
                    body,
                    response_hook=hook,
                    **conditions(if_match),
                )
            )

    def delete(
        self, container: str, pk: PartitionKey, item_id: str, if_match: str | None = None
    ) -> None:
        with self._op("delete") as hook:
            value = sdk_key(self._spec(container, hook), pk)
            self._call(
                f"delete {container}/{item_id}",
                self._container(container).delete_item,
                item_id,
                value,
                response_hook=hook,
                **conditions(if_match),
            )

    def query(
        self,
        container: str,
        pk: PartitionKey,
        query: Query = _EVERYTHING,
        max_items: int = 100,
        continuation: str | None = None,
    ) -> Page:
        """One partition (full key), a hierarchical prefix (the SDK scopes it to the prefix's
        range; the cross-partition flag only lets it span the physical partitions a large
        tenant occupies), or ``()``: a cross-partition scan, for control-plane sweeps only."""
        with self._op("query") as hook:
            if max_items < 1:
                raise BadRequest("max_items must be positive")
            spec = self._spec(container, hook)
            sql, params, fingerprint = render(spec, pk, query)
            token = decode_token(continuation, fingerprint) if continuation else None
            scope: dict[str, Any] = {"enable_cross_partition_query": True}
            if len(pk) == len(spec.partition_key_paths):
                scope = {"partition_key": sdk_key(spec, pk)}
            elif pk:
                scope["partition_key"] = list(pk)

            def fetch() -> tuple[list[Item], str | None]:
                pages: Any = (
                    self._container(container)
                    .query_items(
                        sql,
                        parameters=params,
                        max_item_count=max_items,
                        response_hook=hook,
                        **scope,
                    )
                    .by_page(token)
                )
                for page in pages:  # Cosmos may answer an empty page that still has a token
                    items = [clean(i) for i in page]
                    if items or not pages.continuation_token:
                        return items, pages.continuation_token
                return [], None

            items, next_token = self._call(f"query {container}", fetch)
            return Page(items, encode_token(fingerprint, next_token) if next_token else None)

    def batch(self, container: str, pk: PartitionKey, ops: Sequence[BatchOp]) -> list[BatchResult]:
        with self._op("batch") as hook:
            spec = self._spec(container, hook)
            check_key(spec, pk)
            check_batch(spec, tuple(pk), ops)
            sdk_ops = [batch_op(spec, op) for op in ops]
            try:
                results = self._call(
                    f"batch {container}",
                    self._container(container).execute_item_batch,
                    sdk_ops,
                    sdk_key(spec, pk),
                    response_hook=hook,
                )
            except CosmosBatchOperationError as exc:  # rolled back; one operation failed
                index = int(exc.error_index or 0)
                status = int((exc.operation_responses or [{}])[index].get("statusCode", 400))
                if status == 404 and ops[index].op == "upsert":
                    status = 412  # a conditional upsert, sent as replace, found no item
                cause = error_for(status, f"batch {container} op {index}")
                raise BatchFailed(index, cause) from None
            return [
                BatchResult(
                    int(r["statusCode"]),
                    clean(r["resourceBody"]) if r.get("resourceBody") else None,
                )
                for r in results
            ]

    def delete_many(self, container: str, refs: Sequence[tuple[PartitionKey, str]]) -> int:
        """Point deletes, missing items skipped. Not batches: one missing item would fail a
        whole transactional batch, and the RU charge is the same per item either way."""
        with self._op("delete_many") as hook:
            spec, proxy, removed = self._spec(container, hook), self._container(container), 0
            for pk, item_id in refs:
                try:
                    self._call(
                        f"delete_many {container}/{item_id}",
                        proxy.delete_item,
                        item_id,
                        sdk_key(spec, pk),
                        response_hook=hook,
                    )
                except NotFound:
                    continue
                removed += 1
            return removed
