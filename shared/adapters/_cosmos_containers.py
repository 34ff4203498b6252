"""Plumbing of the Cosmos DB adapter: operation counting, closing, and containers created or
aligned (partition key, default TTL, the index policy without the spec's unindexed paths), or
only verified under data-plane RBAC."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from azure.cosmos import ContainerProxy, CosmosClient, DatabaseProxy
from azure.cosmos import PartitionKey as CosmosKey

from shared.adapters._cosmos_query import CosmosMetrics, Hook, Retry
from shared.adapters._item_rules import check_spec
from shared.ports.document_store import BadRequest, Conflict, ContainerSpec, NotFound, StoreError

_ETAG_PATH = '/"_etag"/?'


def indexing_policy(spec: ContainerSpec) -> dict[str, Any]:
    """Cosmos DB's default policy (every path, range indexes) minus the spec's unindexed paths."""
    return {
        "indexingMode": "consistent",
        "automatic": True,
        "includedPaths": [{"path": "/*"}],
        "excludedPaths": [{"path": p} for p in (*spec.unindexed, _ETAG_PATH)],
    }


def unindexed(props: Mapping[str, Any]) -> set[str]:
    """The excluded paths of a container as read back (the service adds the ``_etag`` one)."""
    excluded = (props.get("indexingPolicy") or {}).get("excludedPaths") or []
    return {str(p["path"]) for p in excluded} - {_ETAG_PATH}



class CosmosContainers:
    _client: CosmosClient
    _db: DatabaseProxy
    _database: str
    _specs: dict[str, ContainerSpec]
    _call: Retry
    _owns_client: bool
    _lock: threading.Lock
    metrics: CosmosMetrics

    @contextmanager
    def _op(self, kind: str) -> Iterator[Hook]:
        """Count one port operation; yields the response hook that adds up its RU charge."""

        def hook(headers: Mapping[str, Any], _: Any) -> None:
            charge = float(headers.get("x-ms-request-charge") or 0)
            with self._lock:
                units = self.metrics.request_units
                units[kind] = units.get(kind, 0.0) + charge

        with self._lock:
            ops = self.metrics.operations
            ops[kind] = ops.get(kind, 0) + 1
        yield hook

    def _container(self, name: str) -> ContainerProxy:
        return self._db.get_container_client(name)

    def _spec(self, name: str, hook: Hook) -> ContainerSpec:
        spec = self._specs.get(name)
        if spec is None:
            props = self._call(
                f"read container {name}", self._container(name).read, response_hook=hook
            )
            paths = tuple(props["partitionKey"]["paths"])
            spec = ContainerSpec(name, paths, props.get("defaultTtl"))
            self._specs[name] = spec
        return spec

    def ensure_container(self, spec: ContainerSpec) -> None:
        """Create or align a container. Under data-plane RBAC (production) only the read works:
        the deployment creates containers, so this then only verifies them."""
        check_spec(spec)
        paths = list(spec.partition_key_paths)
        key = CosmosKey(path=paths, kind="MultiHash") if len(paths) > 1 else CosmosKey(paths[0])
        what = f"ensure container {spec.name}"
        with self._op("ensure_container") as hook:
            try:
                self._ensure(spec, key, what, hook)
            except StoreError as exc:
                if exc.status != 403:
                    raise
                error = StoreError(
                    f"{what}: forbidden; under data-plane RBAC the deployment "
                    "must create the container with this key and TTL"
                )
                error.status = 403
                raise error from None

    def _ensure(self, spec: ContainerSpec, key: CosmosKey, what: str, hook: Hook) -> None:
        """Read the container; create it when missing, align its default TTL when it differs."""
        proxy = self._container(spec.name)
        try:
            props = self._call(what, proxy.read, response_hook=hook)
        except NotFound:
            self._call(what, self._client.create_database_if_not_exists, self._database)
            try:
                self._call(
                    what,
                    self._db.create_container,
                    spec.name,
                    key,
                    default_ttl=spec.default_ttl,
                    indexing_policy=indexing_policy(spec),
                    response_hook=hook,
                )
            except Conflict:  # created meanwhile by another process: check it below
                props = self._call(what, proxy.read, response_hook=hook)
            else:
                self._specs[spec.name] = spec
                return
        if tuple(props["partitionKey"]["paths"]) != spec.partition_key_paths:
            raise BadRequest(f"partition key paths of {spec.name} cannot change")
        if props.get("defaultTtl") != spec.default_ttl or unindexed(props) != set(spec.unindexed):
            self._call(
                what,
                self._db.replace_container,
                spec.name,
                key,
                indexing_policy=indexing_policy(spec),
                default_ttl=spec.default_ttl,
                response_hook=hook,
            )
        self._specs[spec.name] = spec

    def purge_expired(self, limit: int = 1000) -> int:
        """Cosmos removes expired items itself (with spare RUs), and hides them at once."""
        return 0

    def close(self) -> None:
        if self._owns_client:
            self._client.close()
