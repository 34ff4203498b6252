"""The HTTP half of ingest: admit, validate, decide, count duplicates, seal and enqueue.

Every decision about whether a visitor's data is stored is taken here, once, from one read of
the subject document: the visitor's secret is checked (or bound, on the visitor's first call),
a restricted or objecting subject is refused (409; a consent of theirs is answered and not
kept) and behaviour of a visitor who withdrew analytics consent is ignored. The processor
stores what was admitted and does not decide again.

Order matters for "accepted is never lost": the message is enqueued before its claim on the
visitor's event receipts is written, so a crash in between causes at worst a second enqueue, and
the processor (which honours the same claims, and claims what no message owns in the batch
that stores it) still stores each event once. The claim is written here, not left to the
processor, because it is what makes ``accepted`` and ``duplicates`` exact for a resend that
arrives while the first copy is still queued.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from pydantic import BaseModel

from shared.crypto.transit import seal_message
from shared.errors import BadRequest, Conflict, FieldError
from shared.ingest.envelope import IngestEnvelope, IngestKind
from shared.ingest.gate import WidgetCall, WidgetGate
from shared.ingest.models import (
    CollectAccepted,
    CollectRequest,
    ConsentAccepted,
    ConsentRequest,
    ContactAccepted,
    ContactRequest,
    Event,
    MessageAccepted,
    MessageRequest,
    PrivacyRequestAccepted,
    PrivacyRequestIn,
)
from shared.ingest.receipts import (
    ClaimContended,
    EventReceipts,
    Snapshot,
    receipts_ttl,
)
from shared.policies.identifiers import InvalidIdentifier, normalise_email, normalise_phone
from shared.policies.minimisation import client_ip
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.message_bus import MessageBus, OutgoingMessage
from shared.subjects.keys import BEHAVIOUR_PURPOSE, consent_withdrawn, restricted
from shared.subjects.visitors import VisitorBinding
from shared.tenancy.models import Tenant
from shared.validation import parse_model

log = logging.getLogger("shared.widget_ingest")

class WidgetIngest:
    def __init__(
        self,
        gate: WidgetGate,
        store: DocumentStore,
        bus: MessageBus,
        keys: KeyProvider,
        visitors: VisitorBinding,
        clock: Clock,
        queue: str,
    ) -> None:
        self._gate = gate
        self._bus = bus
        self._keys = keys
        self._visitors = visitors
        self._clock = clock
        self._queue = queue
        self._receipts = EventReceipts(store, clock)

    def _visitor(
        self, tenant: Tenant, visitor_id: str, secret: str | None, refuse_restricted: bool = True
    ) -> tuple[str, dict[str, Any] | None]:
        """The visitor's subject id and document once its secret is checked (403 otherwise);
        409 for a restricted or objecting subject where the endpoint stores data."""
        found = self._visitors.admit(tenant.tenantId, visitor_id, secret)
        if refuse_restricted and restricted(found.doc):
            raise Conflict("processing is restricted for this data subject; nothing was stored")
        return found.subject_id, found.doc

    def _enqueue(
        self,
        kind: IngestKind,
        tenant: Tenant,
        subject_id: str | None,
        payload: BaseModel,
        call: WidgetCall,
        request_id: str,
        conversation_id: str | None = None,
    ) -> None:
        envelope = IngestEnvelope(
            kind=kind,
            tenantId=tenant.tenantId,
            subjectId=subject_id,
            requestId=request_id,
            receivedAt=self._clock.now(),
            clientIp=client_ip(call.forwarded_for),
            conversationId=conversation_id,
            payload=payload.model_dump(mode="json", exclude={"visitorSecret"}),
        )
        body = seal_message(self._keys, envelope.model_dump_json().encode(), request_id)
        self._bus.send(
            self._queue,
            [
                OutgoingMessage(
                    body=body, message_id=request_id, application_properties={"kind": kind}
                )
            ],
        )

    def collect(self, call: WidgetCall) -> CollectAccepted:
        tenant = self._gate.admit(call)
        cmd = parse_model(call.body, CollectRequest)
        subject_id, doc = self._visitor(tenant, cmd.visitorId, cmd.visitorSecret)
        if consent_withdrawn(doc, BEHAVIOUR_PURPOSE):
            return CollectAccepted(accepted=0, duplicates=0, ignored=len(cmd.events))
        pk = (tenant.tenantId, subject_id)
        receipts = self._receipts.read(pk)
        seen = receipts.seen([e.id.hex for e in cmd.events])
        fresh = list({e.id.hex: e for e in cmd.events if e.id.hex not in seen}.values())
        accepted = 0
        if fresh:
            request_id = uuid.uuid4().hex
            self._enqueue(
                "collect",
                tenant,
                subject_id,
                cmd.model_copy(update={"events": fresh}),
                call,
                request_id,
            )
            accepted = self._claim(tenant, pk, cmd.sessionId, request_id, fresh, receipts)
        return CollectAccepted(accepted=accepted, duplicates=len(cmd.events) - accepted)

    def _claim(
        self,
        tenant: Tenant,
        pk: tuple[str, str],
        session_id: str,
        request_id: str,
        fresh: list[Event],
        receipts: Snapshot,
    ) -> int:
        """How many of the enqueued events this message owns. The message is already queued,
        so contention is absorbed: the processor claims what HTTP could not (each event is
        still stored once) and the answer counts the fresh events as accepted."""
        ids = [e.id.hex for e in fresh]
        ttl = receipts_ttl(tenant.retention)
        try:
            claim = self._receipts.claim(pk, session_id, request_id, ids, ttl, known=receipts)
            return len(claim.owned)
        except ClaimContended:
            log.warning("receipts contended; counted as accepted", extra={"tenantId": pk[0]})
            return len(ids)

    def contact(self, call: WidgetCall) -> ContactAccepted:
        tenant = self._gate.admit(call)
        cmd = parse_model(call.body, ContactRequest)
        _check_identifiers(cmd.email, cmd.phone, tenant)
        subject_id, _ = self._visitor(tenant, cmd.visitorId, cmd.visitorSecret)
        contact_id = f"c-{uuid.uuid4().hex}"
        self._enqueue("contact", tenant, subject_id, cmd, call, contact_id)
        return ContactAccepted(contactId=contact_id)

    def consent(self, call: WidgetCall) -> ConsentAccepted:
        tenant = self._gate.admit(call)
        cmd = parse_model(call.body, ConsentRequest)
        subject_id, doc = self._visitor(tenant, cmd.visitorId, cmd.visitorSecret, False)
        consent_id = f"k-{uuid.uuid4().hex}"
        if not restricted(doc):  # answered alike, so the answer does not reveal the flag
            self._enqueue("consent", tenant, subject_id, cmd, call, consent_id)
        return ConsentAccepted(consentId=consent_id)

    def message(self, call: WidgetCall, conversation_id: str) -> MessageAccepted:
        tenant = self._gate.admit(call)
        cmd = parse_model(call.body, MessageRequest)
        if (
            not conversation_id
            or len(conversation_id) > 128
            or not conversation_id.replace("-", "").replace("_", "").isalnum()
        ):
            raise BadRequest("conversationId must be 1-128 letters, digits, '-' or '_'")
        subject_id, _ = self._visitor(tenant, cmd.visitorId, cmd.visitorSecret)
        message_id = f"m-{uuid.uuid4().hex}"
        self._enqueue("message", tenant, subject_id, cmd, call, message_id, conversation_id)
        return MessageAccepted(messageId=message_id)

    def privacy_request(self, call: WidgetCall) -> PrivacyRequestAccepted:
        tenant = self._gate.admit(call)
        cmd = parse_model(call.body, PrivacyRequestIn)
        _check_identifiers(cmd.email, cmd.phone, tenant)
        self._gate.limit_privacy_requests(tenant, call, cmd.visitorId)
        subject_id = None
        if cmd.visitorId:  # a request that reaches a visitor's data needs that visitor's secret
            subject_id, _ = self._visitor(tenant, cmd.visitorId, cmd.visitorSecret, False)
        request_id = f"dsar-{uuid.uuid4().hex}"
        self._enqueue("privacy_request", tenant, subject_id, cmd, call, request_id)
        return PrivacyRequestAccepted(requestId=request_id)


def _check_identifiers(email: str | None, phone: str | None, tenant: Tenant) -> None:
    errors = []
    try:
        if email is not None:
            normalise_email(email)
    except InvalidIdentifier as exc:
        errors.append(FieldError("/email", str(exc)))
    try:
        if phone is not None:
            normalise_phone(phone, tenant.defaultCountry)
    except InvalidIdentifier as exc:
        errors.append(FieldError("/phone", str(exc)))
    if errors:
        raise BadRequest("the body does not match the schema", errors=errors)
