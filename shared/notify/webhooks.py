"""A tenant's webhooks: register, list, delete, rotate the secret, read the delivery log.

Secrets are sealed under a per-webhook data key wrapped by the region's key-encryption key
(associated data: tenant, webhook, secret id), shown once at registration and at rotation, and
never logged, audited or listed. A rotation keeps the previous secret signing for an overlap,
so both signatures go out until the receiver has switched.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.audit.control import ControlAudit
from shared.auth import Principal
from shared.concurrency import update_item
from shared.containers import NOTIFICATIONS
from shared.crypto.envelope import FieldCipher
from shared.crypto.stored_keys import from_stored, new_stored_key
from shared.errors import Conflict, NotFound
from shared.notify.lifecycle import FINISHED
from shared.notify.models import (
    DeliveryPage,
    DeliveryView,
    SecretRotate,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
    WebhookView,
)
from shared.notify.signing import new_secret
from shared.notify.ssrf import Resolver, check_url, system_resolve
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, Item, Query
from shared.ports.document_store import NotFound as ItemNotFound
from shared.ports.key_provider import KeyProvider
from shared.tenancy.directory import TenantDirectory

MAX_WEBHOOKS = 20
"""Per tenant: every event fans out to each, so the bound keeps one event's work bounded."""


class Webhooks:
    def __init__(
        self,
        store: DocumentStore,
        tenants: TenantDirectory,
        keys: KeyProvider,
        audit: ControlAudit,
        clock: Clock,
        allow_local: bool,
        resolve: Resolver = system_resolve,
    ) -> None:
        self._store = store
        self._tenants = tenants
        self._keys = keys
        self._audit = audit
        self._clock = clock
        self._allow_local = allow_local
        self._resolve = resolve

    def vet(self, url: str) -> Any:
        """The URL's vetted target now (RefusedUrl otherwise): at registration and delivery."""
        return check_url(url, self._allow_local, self._resolve)

    def register(self, principal: Principal, tenant_id: str, cmd: WebhookCreate) -> WebhookCreated:
        tenant = self._tenants.local(tenant_id)
        self.vet(cmd.url)
        if len(self.of_tenant(tenant_id)) >= MAX_WEBHOOKS:
            raise Conflict(f"a tenant may register at most {MAX_WEBHOOKS} webhooks")
        now = self._clock.now()
        webhook_id = f"wh_{uuid.uuid4().hex[:24]}"
        secret = new_secret()
        data_key, wrapped = new_stored_key(self._keys)
        doc = {
            "id": webhook_id,
            "tenantId": tenant_id,
            "kind": "webhook",
            "url": cmd.url.strip(),
            "events": sorted({e.value for e in cmd.events}),
            "createdAt": now.isoformat(),
            "createdBy": principal.actor,
            "dataKey": wrapped,
            "secrets": [self._sealed(data_key, tenant_id, webhook_id, secret, now)],
        }
        self._store.create(NOTIFICATIONS.name, doc)
        self._audit.tenant(
            tenant, principal.actor, "webhook.created", webhook_id, {"events": doc["events"]}
        )
        return WebhookCreated(webhookId=webhook_id, secret=secret)

    @staticmethod
    def _sealed(
        key: bytes, tenant_id: str, webhook_id: str, secret: str, now: datetime
    ) -> dict[str, Any]:
        """A new signing secret, sealed; it expires only when a rotation replaces it."""
        secret_id = f"s{uuid.uuid4().hex[:8]}"
        token = FieldCipher(key, tenant_id, webhook_id).encrypt(webhook_id, secret_id, secret)
        return {"id": secret_id, "token": token, "createdAt": now.isoformat(), "expiresAt": None}

    def _data_key(self, doc: Item) -> bytes:
        return self._keys.unwrap_key(from_stored(doc["dataKey"]))

    def secrets(self, doc: Item, now: datetime) -> list[str]:
        """The live secrets of a webhook, newest first (an expired overlap no longer signs)."""
        key = self._data_key(doc)
        cipher = FieldCipher(key, doc["tenantId"], doc["id"])
        live = [
            s
            for s in reversed(doc["secrets"])
            if s["expiresAt"] is None or now < datetime.fromisoformat(s["expiresAt"])
        ]
        return [cipher.decrypt(doc["id"], s["id"], s["token"]) for s in live]

    def rotate(
        self, principal: Principal, tenant_id: str, webhook_id: str, cmd: SecretRotate
    ) -> SecretRotated:
        tenant = self._tenants.local(tenant_id)
        now = self._clock.now()
        until = now + timedelta(hours=cmd.overlapHours)
        secret = new_secret()

        def change(doc: Item) -> Item:
            kept = [
                s | {"expiresAt": s["expiresAt"] or until.isoformat()}
                for s in doc["secrets"]
                if s["expiresAt"] is None or now < datetime.fromisoformat(s["expiresAt"])
            ]
            fresh = self._sealed(self._data_key(doc), tenant_id, webhook_id, secret, now)
            return {"secrets": [*kept, fresh], "secretRotatedAt": now.isoformat()}

        update_item(
            self._store, NOTIFICATIONS.name, (tenant_id,), webhook_id, change,
            what="the webhook", read=lambda: self.get(tenant_id, webhook_id),
        )
        self._audit.tenant(
            tenant, principal.actor, "webhook.secret.rotated", webhook_id,
            {"overlapHours": cmd.overlapHours},
        )
        return SecretRotated(webhookId=webhook_id, secret=secret, previousSecretExpiresAt=until)

    def get(self, tenant_id: str, webhook_id: str) -> Item:
        try:
            doc = self._store.read(NOTIFICATIONS.name, (tenant_id,), webhook_id)
        except ItemNotFound:
            raise NotFound("no such webhook") from None
        if doc.get("kind") != "webhook":
            raise NotFound("no such webhook")
        return doc

    def of_tenant(self, tenant_id: str) -> list[Item]:
        query = Query(filters=[Filter("kind", "=", "webhook")], order_by="createdAt")
        return self._store.query(NOTIFICATIONS.name, (tenant_id,), query, MAX_WEBHOOKS * 2).items

    def listing(self, principal: Principal, tenant_id: str) -> WebhookPage:
        tenant = self._tenants.local(tenant_id)
        items = [view(d) for d in self.of_tenant(tenant_id)]
        self._audit.tenant(
            tenant, principal.actor, "webhook.listed", tenant_id, {"count": len(items)}
        )
        return WebhookPage(items=items)

    def delete(self, principal: Principal, tenant_id: str, webhook_id: str) -> None:
        tenant = self._tenants.local(tenant_id)
        self.get(tenant_id, webhook_id)
        try:
            self._store.delete(NOTIFICATIONS.name, (tenant_id,), webhook_id)
        except ItemNotFound:
            raise NotFound("no such webhook") from None
        self._audit.tenant(tenant, principal.actor, "webhook.deleted", webhook_id)

    def deliveries(
        self, principal: Principal, tenant_id: str, webhook_id: str, limit: int
    ) -> DeliveryPage:
        """The webhook's most recent deliveries, newest first (the log keeps 30 days)."""
        tenant = self._tenants.local(tenant_id)
        self.get(tenant_id, webhook_id)
        query = Query(
            filters=[Filter("kind", "=", "delivery"), Filter("webhookId", "=", webhook_id)],
            order_by="createdAt",
            descending=True,
        )
        found = self._store.query(NOTIFICATIONS.name, (tenant_id,), query, limit).items
        self._audit.tenant(
            tenant, principal.actor, "webhook.deliveries.read", webhook_id, {"count": len(found)}
        )
        return DeliveryPage(items=[delivery_view(d) for d in found])


def view(doc: Item) -> WebhookView:
    overlapping = [s["expiresAt"] for s in doc["secrets"] if s["expiresAt"]]
    return WebhookView(
        webhookId=doc["id"],
        url=doc["url"],
        events=doc["events"],
        createdAt=doc["createdAt"],
        secretRotatedAt=doc.get("secretRotatedAt"),
        previousSecretExpiresAt=max(overlapping) if overlapping else None,
    )


def delivery_view(doc: Item) -> DeliveryView:
    return DeliveryView(
        eventId=doc["eventId"],
        type=doc["event"],
        status=doc["status"],
        attempts=doc["attempts"],
        lastStatus=doc.get("lastStatus"),
        lastError=doc.get("lastError"),
        createdAt=doc["createdAt"],
        lastAttemptAt=doc.get("lastAttemptAt"),
        nextAttemptAt=None if doc["status"] in FINISHED else doc["nextAttemptAt"],
        deliveredAt=doc.get("deliveredAt"),
    )

