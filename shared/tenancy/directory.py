"""Tenant settings in the control-plane directory, with look-ups by widget key and origin.

The widget key is shown once and stored only as its SHA-256; look-ups are cached briefly so the
ingest hot path does not read the directory on every request.

Every write is validated as a whole with the model every read uses (``Tenant``) before it is
stored, so what is written always reads back. A stored document that does not parse anyway
(written by an older version, edited by hand) is reported to the quarantine and answered as a
409 problem; scans for timers skip it, so one tenant's bad record never stops the others.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.audit.quarantine import BrokenDocuments
from shared.concurrency import under_etag
from shared.containers import TENANTS
from shared.errors import BadRequest, FieldError, MisdirectedRequest, NotFound, Quarantined
from shared.lifecycle import advance
from shared.policies.retention import (
    Category,
    RetentionRejected,
    effective_days,
    validate_overrides,
)
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.settings import Settings
from shared.tenancy.lifecycle import TENANT, TenantStatus
from shared.tenancy.models import Tenant, TenantCreate, TenantPatch
from shared.tenancy.origins import OriginIndex
from shared.tenancy.widget_keys import WidgetKeyLinks, key_hash, new_key

_DOC_ONLY = ("id", "widgetKeyHash", "retiredKeyHashes", "_ts", "_etag", "ttl")


def _to_tenant(doc: dict[str, Any]) -> Tenant:
    tenant = Tenant.model_validate({k: v for k, v in doc.items() if k not in _DOC_ONLY})
    tenant.effectiveRetention = {c.value: effective_days(c, tenant.retention) for c in Category}
    return tenant


def _parses(doc: dict[str, Any]) -> bool:
    try:
        _to_tenant(doc)
    except (ValueError, KeyError, TypeError):
        return False
    return True


def _paths(error: Exception) -> list[FieldError]:
    if not isinstance(error, ValidationError):
        return []
    return [
        FieldError("/" + "/".join(str(p) for p in e["loc"]), "does not hold a valid value")
        for e in error.errors(include_url=False)
    ]


class TenantDirectory:
    def __init__(
        self,
        store: DocumentStore,
        clock: Clock,
        settings: Settings,
        broken: BrokenDocuments | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._broken = broken
        self._links = WidgetKeyLinks(store)
        self._origins = OriginIndex(store)
        self._by_key: dict[str, tuple[float, Tenant | None, datetime | None]] = {}
        self._lock = threading.Lock()

    def _parse(self, doc: dict[str, Any]) -> Tenant:
        """The stored document as a Tenant, or a reported 409 when it does not parse."""
        try:
            return _to_tenant(doc)
        except (ValueError, KeyError, TypeError) as exc:
            if self._broken is not None:
                self._broken.report(TENANTS.name, doc, exc)
            raise Quarantined(
                "this tenant's stored settings cannot be read; it is quarantined and reported to "
                "the operator (a PATCH that sets the fields named here repairs it)",
                errors=_paths(exc),
            ) from None

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
        widget_key = new_key(cmd.region)
        now = self._clock.now()
        doc = cmd.model_dump(mode="json") | {
            "id": tenant_id,
            "tenantId": tenant_id,
            "widgetKeyHash": key_hash(widget_key),
            "status": TENANT.initial.value,
            "createdAt": now.isoformat(),
            "updatedAt": now.isoformat(),
        }
        tenant = _to_tenant(doc)  # what is written must read back
        self._links.link(doc["widgetKeyHash"], tenant_id)
        for origin in cmd.allowedOrigins:
            self._origins.link(origin, tenant_id, add=True)
        self._store.create(TENANTS.name, doc)
        return tenant, widget_key

    def _doc(self, tenant_id: str) -> dict[str, Any]:
        try:
            return self._store.read(TENANTS.name, (tenant_id,), tenant_id)
        except ItemNotFound:
            raise NotFound("no such tenant") from None

    def get(self, tenant_id: str) -> Tenant:
        return self._parse(self._doc(tenant_id))

    def local(self, tenant_id: str) -> Tenant:
        """The tenant, if its subject data lives in this stamp's region (it never leaves its
        region: another region's tenant is a 421 naming the right endpoint)."""
        tenant = self.get(tenant_id)
        if tenant.region != self._settings.region:
            endpoint = self._settings.region_endpoints.get(tenant.region, "")
            raise MisdirectedRequest(
                f"this tenant's data is served in region '{tenant.region}'",
                extra={"region": tenant.region, "endpoint": endpoint},
            )
        return tenant

    def update(self, tenant_id: str, patch: TenantPatch) -> tuple[Tenant, list[str]]:
        """Apply a settings patch; returns the tenant and the names of the changed fields.

        The patch is merged into the stored document and the result validated as a whole, so a
        patch can also repair a quarantined tenant by setting the fields that broke it."""
        changes = patch.changes()
        if "retention" in changes:
            self._check_retention(changes["retention"])
        before = self._doc(tenant_id).get("allowedOrigins")
        old_origins = set(before) if isinstance(before, list) else set()
        updated = self.mutate(tenant_id, lambda doc: changes)
        if "allowedOrigins" in changes:
            new_origins = set(changes["allowedOrigins"])
            for origin in new_origins - old_origins:
                self._origins.link(origin, tenant_id, add=True)
            for origin in old_origins - new_origins:
                self._origins.link(origin, tenant_id, add=False)
        return _to_tenant(updated), sorted(changes)

    def mutate(
        self, tenant_id: str, change: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]:
        """Read-modify-write under the document's ETag: ``change`` returns the fields to set."""
        repaired = False

        def attempt() -> dict[str, Any]:
            nonlocal repaired
            doc = self._doc(tenant_id)
            updated = doc | change(doc) | {"updatedAt": self._clock.now().isoformat()}
            repaired = self._check_whole(doc, updated)
            return self._store.replace(TENANTS.name, updated, if_match=doc["_etag"])

        stored = under_etag(attempt, what="the tenant")
        self.forget(stored["widgetKeyHash"])
        if repaired and self._broken is not None:
            self._broken.resolve(TENANTS.name, tenant_id)
        return stored

    def _check_whole(self, before: dict[str, Any], after: dict[str, Any]) -> bool:
        """Refuse a write whose result would not read back (nothing is stored then); True when
        the write repairs a document that did not parse."""
        try:
            _to_tenant(after)
        except (ValueError, KeyError, TypeError) as exc:
            if not _parses(before):
                self._parse(before)  # still broken: reported, answered 409 with its paths
            raise BadRequest(
                "the settings would not be valid; nothing was changed", errors=_paths(exc)
            ) from None
        return not _parses(before)

    def update_fields(
        self,
        tenant_id: str,
        fields: Callable[[Tenant], dict[str, Any]],
        status: TenantStatus | None = None,
    ) -> Tenant:
        """Internal updates (holds, jobs, offboarding) computed from the current tenant; with
        ``status``, the tenant moves there in the same write (checked by its table: the
        tenant's status is written here and nowhere else)."""

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            found = fields(self._parse(doc))
            current = str(doc.get("status", TENANT.initial))
            if status is not None and current != status:
                found["status"] = advance(TENANT, current, status).value
            return found

        return _to_tenant(self.mutate(tenant_id, change))

    def in_region(self, region: str) -> list[Tenant]:
        """Every readable tenant of a region (a control-plane scan for sweeps and jobs, never
        a hot path); one that does not parse is reported and skipped."""
        tenants: list[Tenant] = []
        continuation: str | None = None
        query = Query(filters=[Filter("region", "=", region)], order_by="tenantId")
        while True:
            page = self._store.query(TENANTS.name, (), query, 200, continuation)
            for doc in page.items:
                try:
                    tenants.append(self._parse(doc))
                except Quarantined:
                    continue
            continuation = page.continuation
            if not continuation:
                return tenants

    def served_in(self, region: str) -> list[Tenant]:
        """The region's tenants still served (not offboarded): whom a region-wide notice,
        breach or subprocessor change concerns."""
        return [t for t in self.in_region(region) if t.status != TenantStatus.OFFBOARDED.value]

    def by_widget_key(self, widget_key: str) -> Tenant | None:
        """The tenant of a current (or still overlapping) key; cached for a few seconds."""
        digest = key_hash(widget_key)
        now = time.monotonic()
        with self._lock:
            cached = self._by_key.get(digest)
        if cached and cached[0] > now and not self._expired(cached[2]):
            return cached[1]
        tenant: Tenant | None = None
        tenant_id, expires = self._links.tenant_of(digest, self._clock.now())
        try:
            tenant = self.get(tenant_id) if tenant_id else None
        except NotFound:
            tenant = None
        with self._lock:
            if len(self._by_key) > 50_000:
                self._by_key.clear()
            self._by_key[digest] = (now + self._settings.tenant_cache_seconds, tenant, expires)
        return tenant

    def _expired(self, expires: datetime | None) -> bool:
        return expires is not None and self._clock.now() >= expires

    def peek(self, widget_key: str) -> Tenant | None:
        """The cached tenant of a key, without reading the store (None when not cached)."""
        with self._lock:
            cached = self._by_key.get(key_hash(widget_key))
        if cached and cached[0] > time.monotonic() and not self._expired(cached[2]):
            return cached[1]
        return None

    def rotate_key(self, tenant_id: str, until: datetime) -> tuple[Tenant, str, datetime]:
        """A new key for the tenant; every older key works until ``until`` at the latest."""
        tenant = self.get(tenant_id)
        widget_key = new_key(tenant.region)
        digest = key_hash(widget_key)
        self._links.link(digest, tenant_id)
        retired: list[str] = []

        def swap(doc: dict[str, Any]) -> dict[str, Any]:
            retired[:] = [doc["widgetKeyHash"], *doc.get("retiredKeyHashes", [])]
            return {"widgetKeyHash": digest, "retiredKeyHashes": retired[:20]}

        self.mutate(tenant_id, swap)
        self._links.retire(retired, until)
        for old in retired:
            self.forget(old)
        return tenant, widget_key, until

    def forget(self, digest: str) -> None:
        with self._lock:
            self._by_key.pop(digest, None)

    def origin_known(self, origin: str) -> bool:
        return self._origins.known(origin)
