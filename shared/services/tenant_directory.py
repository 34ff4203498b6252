"""Tenant settings in the control-plane directory, with look-ups by widget key and origin.

The widget key is shown once and stored only as its SHA-256; look-ups are cached briefly so the
ingest hot path does not read the directory on every request.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from shared.containers import ORIGINS, TENANTS, WIDGET_KEYS
from shared.errors import BadRequest, NotFound
from shared.models.tenant import Tenant, TenantCreate, TenantPatch
from shared.policies.retention import (
    Category,
    RetentionRejected,
    effective_days,
    validate_overrides,
)
from shared.ports.clock import Clock
from shared.ports.document_store import Conflict as ItemConflict
from shared.ports.document_store import DocumentStore, Filter, PreconditionFailed, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.settings import Settings

_DOC_ONLY = ("id", "widgetKeyHash", "_ts", "_etag", "ttl")


def key_hash(widget_key: str) -> str:
    return hashlib.sha256(widget_key.encode()).hexdigest()


def origin_hash(origin: str) -> str:
    return hashlib.sha256(origin.lower().rstrip("/").encode()).hexdigest()


def _to_tenant(doc: dict[str, Any]) -> Tenant:
    tenant = Tenant.model_validate({k: v for k, v in doc.items() if k not in _DOC_ONLY})
    tenant.effectiveRetention = {c.value: effective_days(c, tenant.retention) for c in Category}
    return tenant


class TenantDirectory:
    def __init__(self, store: DocumentStore, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._by_key: dict[str, tuple[float, Tenant | None]] = {}
        self._lock = threading.Lock()

    def _check_retention(self, retention: dict[str, int]) -> None:
        try:
            validate_overrides(retention, self._settings.retention_ceilings)
        except RetentionRejected as exc:
            raise BadRequest(
                f"retention for '{exc.category}' is not allowed: {exc}",
                errors=[],
            ) from None

    def create(self, cmd: TenantCreate) -> tuple[Tenant, str]:
        if cmd.region not in self._settings.region_list:
            raise BadRequest(
                f"unknown region; known regions: {', '.join(self._settings.region_list)}"
            )
        self._check_retention({str(k): v for k, v in cmd.retention.items()})
        tenant_id = f"t-{uuid.uuid4().hex[:20]}"
        widget_key = f"wk_{cmd.region}_{secrets.token_urlsafe(24)}"
        now = self._clock.now()
        doc = cmd.model_dump(mode="json") | {
            "id": tenant_id,
            "tenantId": tenant_id,
            "widgetKeyHash": key_hash(widget_key),
            "status": "active",
            "createdAt": now.isoformat(),
            "updatedAt": now.isoformat(),
        }
        self._store.create(
            WIDGET_KEYS.name,
            {"id": doc["widgetKeyHash"], "keyHash": doc["widgetKeyHash"], "tenantId": tenant_id},
        )
        for origin in cmd.allowedOrigins:
            self._link_origin(origin, tenant_id, add=True)
        self._store.create(TENANTS.name, doc)
        return _to_tenant(doc), widget_key

    def _doc(self, tenant_id: str) -> dict[str, Any]:
        try:
            return self._store.read(TENANTS.name, (tenant_id,), tenant_id)
        except ItemNotFound:
            raise NotFound("no such tenant") from None

    def get(self, tenant_id: str) -> Tenant:
        return _to_tenant(self._doc(tenant_id))

    def update(self, tenant_id: str, patch: TenantPatch) -> tuple[Tenant, list[str]]:
        """Apply a settings patch; returns the tenant and the names of the changed fields."""
        changes = patch.model_dump(mode="json", exclude_unset=True)
        if "retention" in changes:
            self._check_retention(changes["retention"] or {})
        old_origins = set(self._doc(tenant_id).get("allowedOrigins", []))
        updated = self.mutate(tenant_id, lambda doc: changes)
        if "allowedOrigins" in changes:
            new_origins = set(changes["allowedOrigins"] or [])
            for origin in new_origins - old_origins:
                self._link_origin(origin, tenant_id, add=True)
            for origin in old_origins - new_origins:
                self._link_origin(origin, tenant_id, add=False)
        return _to_tenant(updated), sorted(changes)

    def mutate(
        self, tenant_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """Read-modify-write under the document's ETag: ``change`` returns the fields to set."""
        for _ in range(20):
            doc = self._doc(tenant_id)
            updated = doc | change(doc) | {"updatedAt": self._clock.now().isoformat()}
            try:
                stored = self._store.replace(TENANTS.name, updated, if_match=doc["_etag"])
            except PreconditionFailed:
                continue
            self.forget(stored["widgetKeyHash"])
            return stored
        raise RuntimeError("tenant update kept conflicting")

    def update_fields(self, tenant_id: str, fields: Callable[[Tenant], dict[str, Any]]) -> Tenant:
        """Internal updates (holds, jobs, offboarding) computed from the current tenant."""
        return _to_tenant(self.mutate(tenant_id, lambda doc: fields(_to_tenant(doc))))

    def in_region(self, region: str) -> list[Tenant]:
        """Every tenant of a region (control-plane scan; sweeps and jobs, never a hot path)."""
        tenants: list[Tenant] = []
        continuation: str | None = None
        query = Query(filters=[Filter("region", "=", region)], order_by="tenantId")
        while True:
            page = self._store.query(TENANTS.name, (), query, 200, continuation)
            tenants += [_to_tenant(doc) for doc in page.items]
            continuation = page.continuation
            if not continuation:
                return tenants

    def by_widget_key(self, widget_key: str) -> Tenant | None:
        digest = key_hash(widget_key)
        now = time.monotonic()
        with self._lock:
            cached = self._by_key.get(digest)
        if cached and cached[0] > now:
            return cached[1]
        tenant: Tenant | None = None
        try:
            link = self._store.read(WIDGET_KEYS.name, (digest,), digest)
            tenant = self.get(link["tenantId"])
        except (ItemNotFound, NotFound):
            tenant = None
        with self._lock:
            if len(self._by_key) > 50_000:
                self._by_key.clear()
            self._by_key[digest] = (now + self._settings.tenant_cache_seconds, tenant)
        return tenant

    def forget(self, digest: str) -> None:
        with self._lock:
            self._by_key.pop(digest, None)

    def origin_known(self, origin: str) -> bool:
        digest = origin_hash(origin)
        try:
            return bool(self._store.read(ORIGINS.name, (digest,), digest).get("tenantIds"))
        except ItemNotFound:
            return False

    def _link_origin(self, origin: str, tenant_id: str, add: bool) -> None:
        digest = origin_hash(origin)
        for _ in range(5):
            try:
                doc = self._store.read(ORIGINS.name, (digest,), digest)
                etag: str | None = doc["_etag"]
            except ItemNotFound:
                doc, etag = {"id": digest, "originHash": digest, "tenantIds": []}, None
            ids = set(doc["tenantIds"])
            ids = ids | {tenant_id} if add else ids - {tenant_id}
            doc["tenantIds"] = sorted(ids)
            try:
                if etag is None:
                    self._store.create(ORIGINS.name, doc)
                else:
                    self._store.replace(ORIGINS.name, doc, if_match=etag)
                return
            except (PreconditionFailed, ItemConflict):
                continue
        raise RuntimeError("origin index update kept conflicting")
