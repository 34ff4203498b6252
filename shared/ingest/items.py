"""How each kind of widget data becomes a stored item: its id, category and TTL (from the
tenant's policy and holds, counted from when the data arrived) and its personal fields sealed
under the subject's data key. The processor decides what to store; this shapes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.crypto.envelope import FieldCipher
from shared.ingest.envelope import IngestEnvelope
from shared.ingest.models import CollectPayload, ContactPayload, Event
from shared.ingest.receipts import session_key
from shared.policies.holds import is_held
from shared.policies.minimisation import minimise_url, truncate_ip, user_agent_families
from shared.policies.retention import Category, item_ttl
from shared.policies.stored_records import EVENTS_TYPE, events_doc_id
from shared.ports.clock import Clock
from shared.tenancy.models import Tenant


class StoredItems:
    def __init__(self, clock: Clock, ip_digest: Callable[[Tenant, str], str]) -> None:
        self._clock = clock
        self._ip_digest = ip_digest
        """The keyed digest of an IP (the tenant's ``hash`` IP policy)."""

    def ttl(self, env: IngestEnvelope, tenant: Tenant, category: Category) -> int:
        now = self._clock.now()
        held = is_held(tenant.legalHolds, env.subjectId, now)
        return item_ttl(category, env.receivedAt, now, tenant.retention, held)

    def item(
        self, env: IngestEnvelope, item_id: str, category: Category, tenant: Tenant, **fields: Any
    ) -> dict[str, Any]:
        return {
            "id": item_id,
            "tenantId": env.tenantId,
            "subjectId": env.subjectId,
            "category": category.value,
            "createdAt": env.receivedAt.isoformat(),
            "ttl": self.ttl(env, tenant, category),
            **fields,
        }

    def events(
        self,
        env: IngestEnvelope,
        tenant: Tenant,
        cmd: CollectPayload,
        cipher: FieldCipher,
        events: list[Event],
        category: Category = Category.BEHAVIOUR,
    ) -> dict[str, Any]:
        """One document for the events of a message in one category; each event's fields are
        sealed under its own id, so an event read out of the group decrypts exactly as a lone
        item would. Call events are call metadata (category conversation, as the records of
        processing say), so a message's call events get a document of their own."""
        allowed = frozenset(tenant.queryAllowlist)
        grouped = []
        for event in events:
            event_id = str(event.id)
            record: dict[str, Any] = {
                "id": event_id,
                "eventType": event.type.value,
                "ts": event.ts.isoformat(),
                "enc": cipher.encrypt_fields(
                    event_id,
                    {
                        "url": minimise_url(event.url, allowed),
                        "referrer": minimise_url(event.referrer, allowed),
                        "target": event.target,
                    },
                ),
            }
            if event.durationMs is not None:
                record["durationMs"] = event.durationMs
            grouped.append(record)
        doc_id = events_doc_id(env.requestId)
        return self.item(
            env,
            doc_id if category is Category.BEHAVIOUR else f"{doc_id}-{category.value}",
            category,
            tenant,
            type=EVENTS_TYPE,
            sessionId=cmd.sessionId,
            events=grouped,
        )

    def technical(
        self, env: IngestEnvelope, tenant: Tenant, cmd: CollectPayload, cipher: FieldCipher
    ) -> dict[str, Any]:
        item_id = f"tech-{session_key(cmd.sessionId)}"
        ip = env.clientIp
        if ip and tenant.ipPolicy == "truncate":
            ip = truncate_ip(ip)
        elif ip and tenant.ipPolicy == "hash":
            ip = "hmac:" + self._ip_digest(tenant, ip)[:32]
        browser, os_family, device = user_agent_families(cmd.context.userAgent)
        return self.item(
            env,
            item_id,
            Category.TECHNICAL,
            tenant,
            type="technical",
            sessionId=cmd.sessionId,
            browser=browser,
            os=os_family,
            device=device,
            language=cmd.context.language,
            screen=cmd.context.screen.model_dump(),
            timezone=cmd.context.timezone,
            enc=cipher.encrypt_fields(item_id, {"ip": ip}),
        )

    def contact(
        self,
        env: IngestEnvelope,
        tenant: Tenant,
        cipher: FieldCipher,
        cmd: ContactPayload,
        email: str | None,
        phone: str | None,
        consent: dict[str, Any],
    ) -> dict[str, Any]:
        """A lead: its identifiers sealed, and the consent given with it (which purposes,
        which text), so reports show which lead consented to what (seed 003)."""
        contact_id = env.requestId
        return self.item(
            env,
            contact_id,
            Category.CONTACT,
            tenant,
            type="contact",
            callbackRequested=cmd.callbackRequested,
            consent={
                "consentId": consent["id"],
                "granted": cmd.consent.granted,
                "purposes": list(cmd.consent.purposes),
                "textVersion": cmd.consent.textVersion,
            },
            enc=cipher.encrypt_fields(
                contact_id,
                {"email": email, "phone": phone, "name": cmd.name, "message": cmd.message},
            ),
        )

    def consent(
        self,
        env: IngestEnvelope,
        tenant: Tenant,
        item_id: str,
        source: str,
        purposes: dict[str, bool],
        text_version: str,
    ) -> dict[str, Any]:
        return self.item(
            env,
            item_id,
            Category.CONSENT,
            tenant,
            type="consent",
            source=source,
            purposes=purposes,
            textVersion=text_version,
            recordedAt=env.receivedAt.isoformat(),
        )
