"""The queue half of ingest: minimise, encrypt, stamp TTL and write, idempotently.

It stores what HTTP admitted (HTTP checked the visitor's secret, restriction and consent: the
processor does not decide again). Every item id derives from the message id, so a redelivered
message finds its items already there and writes nothing twice; events are stored only by the
message that owns them in the visitor's receipts (one read, then one transactional batch that
also claims any id no message owns yet), so overlapping messages store each event once.
Failures raise: the bus retries, then dead-letters.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from shared.audit.trail import AuditTrail
from shared.containers import SUBJECTS
from shared.crypto.blind_index import IdentifierKind
from shared.crypto.envelope import FieldCipher
from shared.crypto.transit import open_message
from shared.dsar.requests import RECORD_DAYS, DsarRequests
from shared.dsar.widget_intake import register_widget_request
from shared.ingest.envelope import IngestEnvelope
from shared.ingest.items import StoredItems
from shared.ingest.models import (
    CollectPayload,
    ConsentPayload,
    ContactPayload,
    MessagePayload,
    PrivacyRequestPayload,
    by_category,
)
from shared.ingest.receipts import EventReceipts, receipts_ttl
from shared.policies.identifiers import normalise_email, normalise_phone
from shared.policies.retention import Category
from shared.ports.clock import Clock
from shared.ports.document_store import BatchFailed, BatchOp, Conflict, DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.keys import SubjectKeys
from shared.subjects.linking import IdentifierLinks
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant

WIDGET_ACTOR = "widget"


class MalformedMessage(ValueError):
    """A queued payload that no longer matches its model (a deploy tightened it while the
    message waited). Names the rules that failed, never the values: pydantic's own message
    quotes the input, and the Functions host records a failed invocation's exception."""


class IngestProcessor:
    def __init__(
        self,
        directory: TenantDirectory,
        store: DocumentStore,
        keys: KeyProvider,
        subjects: SubjectKeys,
        index: BlindIndexEntries,
        audit: AuditTrail,
        clock: Clock,
        record_days: int = RECORD_DAYS,
        requests: DsarRequests | None = None,
    ) -> None:
        self._record_days = record_days
        self._requests = requests or DsarRequests(store, keys, clock, record_days)
        self._directory = directory
        self._store = store
        self._keys = keys
        self._subjects = subjects
        self._audit = audit
        self._clock = clock
        self._receipts = EventReceipts(store, clock)
        self._links = IdentifierLinks(directory, index, subjects, keys, clock)
        self._items = StoredItems(clock, lambda tenant, ip: self._digest(tenant, "ip", ip)[1])
        self._handlers: dict[str, Callable[[IngestEnvelope, Tenant], None]] = {
            "collect": self._collect,
            "contact": self._contact,
            "consent": self._consent,
            "message": self._message,
            "privacy_request": self._privacy_request,
        }

    def process(self, body: bytes, message_id: str) -> None:
        plain = open_message(self._keys, body, message_id)
        try:
            envelope = IngestEnvelope.model_validate_json(plain)
            tenant = self._directory.get(envelope.tenantId)
            self._handlers[envelope.kind](envelope, tenant)
        except ValidationError as exc:  # its text quotes the payload: an email, a message
            rules = sorted({str(e["type"]) for e in exc.errors()})
            raise MalformedMessage(f"the queued payload fails its schema: {rules}") from None

    # helpers -------------------------------------------------------------------------------

    def _digest(self, tenant: Tenant, kind: IdentifierKind, value: str) -> tuple[str, str]:
        """(key version, digest) under the current version of the index key."""
        return self._links.digest(tenant, kind, value)

    def _open_subject(
        self, env: IngestEnvelope, tenant: Tenant, visitor_id: str
    ) -> tuple[FieldCipher, dict[str, Any]]:
        """The subject's cipher and document (created if the subject was erased meanwhile).
        Whether to store at all was decided at HTTP (binding, restriction, consent), once.
        The visitor id is linked once per subject (``IdentifierLinks``)."""
        assert env.subjectId is not None
        cipher, doc, _ = self._subjects.cipher_or_create(tenant.tenantId, env.subjectId)
        self._links.link_visitor(tenant, visitor_id, env.subjectId, env.receivedAt, doc)
        return cipher, doc

    def _link(
        self,
        tenant: Tenant,
        kind: IdentifierKind,
        value: str,
        env: IngestEnvelope,
        doc: dict[str, Any],
    ) -> None:
        """Bind an identifier to the visitor that sent it (and only to that visitor)."""
        self._links.link(tenant, kind, value, env.subjectId or "", env.receivedAt, doc)

    def _write_new(
        self, env: IngestEnvelope, items: list[dict[str, Any]], claim: BatchOp | None = None
    ) -> None:
        """Create the items (one partition) in transactional batches, the receipts ``claim``
        first in the first batch: a lost race on the receipts raises ``PreconditionFailed``
        (or ``Conflict``) for the caller to read again. On a redelivery the batch fails on the
        first item already there, and each item is created alone, skipping those."""
        pk = (env.tenantId, env.subjectId or "")
        ops = [BatchOp("create", item=i) for i in items if i["ttl"] != 0]
        if claim is not None:
            ops.insert(0, claim)
        for start in range(0, len(ops), 100):
            chunk = ops[start : start + 100]
            try:
                self._store.batch(SUBJECTS.name, pk, chunk)
            except BatchFailed as failed:
                if claim is not None and start == 0 and failed.index == 0:
                    raise failed.cause from failed  # the receipts moved on: plan again
                if not isinstance(failed.cause, Conflict):
                    raise  # nothing was written: the bus redelivers
                for op in chunk:  # the claim alone first (its races raise), then each item
                    assert op.item is not None
                    if op is claim and op.if_match:
                        self._store.replace(SUBJECTS.name, op.item, if_match=op.if_match)
                    elif op is claim:
                        self._store.create(SUBJECTS.name, op.item)
                    else:
                        with contextlib.suppress(Conflict):
                            self._store.create(SUBJECTS.name, op.item)

    # handlers ------------------------------------------------------------------------------

    def _collect(self, env: IngestEnvelope, tenant: Tenant) -> None:
        cmd = CollectPayload.model_validate(env.payload)
        cipher, _ = self._open_subject(env, tenant, cmd.visitorId)
        pk = (env.tenantId, env.subjectId or "")
        ids, ttl = [e.id.hex for e in cmd.events], receipts_ttl(tenant.retention)

        def attempt() -> None:
            """One read of the receipts, then one transactional batch: the events this message
            owns (and the claim on any id no message owns yet, written with them)."""
            plan = self._receipts.plan(
                pk, self._receipts.read(pk), cmd.sessionId, env.requestId, ids, ttl
            )
            owned = [e for e in cmd.events if e.id.hex in plan.claim.owned]
            items = [
                self._items.events(env, tenant, cmd, cipher, events, category)
                for category, events in by_category(owned).items()
            ]
            if plan.claim.opens_session:  # technical data once per session
                items.append(self._items.technical(env, tenant, cmd, cipher))
            self._write_new(env, items, plan.op())

        self._receipts.serialised(pk, attempt)

    def _contact(self, env: IngestEnvelope, tenant: Tenant) -> None:
        """A lead with its consent; a refused consent keeps only the refusal, as proof
        (seed 003: the consent checkbox decides whether the lead exists at all)."""
        cmd = ContactPayload.model_validate(env.payload)
        cipher, doc = self._open_subject(env, tenant, cmd.visitorId)
        consent_id = f"{env.requestId}-consent"
        purposes = {p: cmd.consent.granted for p in cmd.consent.purposes}
        consent = self._items.consent(
            env, tenant, consent_id, "contact_form", purposes, cmd.consent.textVersion
        )
        at = env.receivedAt.isoformat()
        if not cmd.consent.granted:
            self._write_new(env, [consent])
            self._subjects.record_consents(tenant.tenantId, env.subjectId or "", purposes, at)
            self._audit_widget(
                tenant, "consent.recorded", env, consent_id, details={"granted": False}
            )
            return
        email = normalise_email(cmd.email) if cmd.email else None
        phone = normalise_phone(cmd.phone, tenant.defaultCountry) if cmd.phone else None
        contact = self._items.contact(env, tenant, cipher, cmd, email, phone, consent)
        self._write_new(env, [contact, consent])
        self._subjects.record_consents(tenant.tenantId, env.subjectId or "", purposes, at)
        identifiers: tuple[tuple[IdentifierKind, str | None], ...] = (
            ("email", email),
            ("phone", phone),
        )
        for kind, value in identifiers:
            if value:
                self._link(tenant, kind, value, env, doc)
        self._audit_widget(tenant, "contact.created", env, env.requestId)
        self._audit_widget(tenant, "consent.recorded", env, consent_id)

    def _consent(self, env: IngestEnvelope, tenant: Tenant) -> None:
        cmd = ConsentPayload.model_validate(env.payload)
        self._open_subject(env, tenant, cmd.visitorId)
        item = self._items.consent(
            env, tenant, env.requestId, "widget", dict(cmd.purposes), cmd.textVersion
        )
        self._write_new(env, [item])
        self._subjects.record_consents(
            tenant.tenantId, env.subjectId or "", dict(cmd.purposes), env.receivedAt.isoformat()
        )
        self._audit_widget(tenant, "consent.recorded", env, env.requestId)

    def _message(self, env: IngestEnvelope, tenant: Tenant) -> None:
        cmd = MessagePayload.model_validate(env.payload)
        cipher, _ = self._open_subject(env, tenant, cmd.visitorId)
        item = self._items.item(
            env,
            env.requestId,
            Category.CONVERSATION,
            tenant,
            type="message",
            conversationId=env.conversationId,
            author=cmd.author,
            ts=cmd.ts.isoformat(),
            enc=cipher.encrypt_fields(env.requestId, {"text": cmd.text}),
        )
        self._write_new(env, [item])

    def _privacy_request(self, env: IngestEnvelope, tenant: Tenant) -> None:
        cmd = PrivacyRequestPayload.model_validate(env.payload)
        created = register_widget_request(
            self._requests.write,
            self._keys,
            env,
            cmd,
            tenant,
            now=self._clock.now(),
            record_days=self._record_days,
        )
        if created:
            self._audit_widget(
                tenant,
                "dsar.received",
                env,
                env.requestId,
                details={"type": cmd.type.value, "source": "widget"},
            )

    def _audit_widget(
        self,
        tenant: Tenant,
        action: str,
        env: IngestEnvelope,
        item_id: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        self._audit.append(
            tenant.tenantId,
            tenant.retention,
            actor=WIDGET_ACTOR,
            action=action,
            target=f"{env.subjectId or '-'}/{item_id}",
            details=details,
            idempotency_key=f"{action}:{item_id}",
        )
