"""One attempt of one delivery, and what its outcome writes.

A webhook attempt re-vets the URL (a name re-pointed at an internal address is refused, not
sent), signs the fixed body with every live secret, POSTs it to the vetted address and counts
any 2xx as delivered. An e-mail attempt renders the body for the recipients and hands it to the
mailer. The outcome is written under the delivery's ETag through its transition table; a
webhook delivery that fails after 24 hours of attempts writes, in the same batch, the event
that mails the tenant's privacy contacts and on-call.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.concurrency import under_etag
from shared.containers import NOTIFICATIONS
from shared.errors import ApiError
from shared.lifecycle import advance
from shared.notify import mail, signing
from shared.notify.deliveries import ATTEMPT_TIMEOUT, LOG_DAYS, RETRY_FOR, backoff
from shared.notify.lifecycle import DELIVERY
from shared.notify.models import DeliveryStatus, InternalEvent
from shared.notify.outbox import Outbox, event_doc, write_with_events
from shared.notify.webhooks import Webhooks
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Item
from shared.ports.mailer import Attachment, Mailer, MailFailed
from shared.ports.webhook_sender import SendFailed, WebhookSender

log = logging.getLogger("shared.notify")
DELIVERY_FAILURES_METRIC = "privacy.webhook.delivery_failures"
"""contracts.md: a counter, one per failed attempt, attribute ``outcome`` retrying|failed."""


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: str
    """``delivered``, ``http_<status>``, ``timeout``, ``connection``, ``tls``,
    ``refused_address``, ``mail_refused``, ``attachment_failed`` or ``webhook_deleted``."""
    status: int | None = None
    final: bool = False
    """No point retrying (the webhook was deleted)."""


@dataclass(frozen=True)
class Hooks:
    """What other capabilities do with a delivery (wired at the composition root)."""

    delivered: Mapping[str, Callable[[dict[str, Any], str], None]] = field(default_factory=dict)
    """Per event type: called with the event data and the channel after a success."""
    attachments: Mapping[str, Callable[[dict[str, Any]], tuple[Attachment, ...]]] = field(
        default_factory=dict
    )
    failures: Callable[[dict[str, str]], None] = lambda attributes: None
    """The ``privacy.webhook.delivery_failures`` counter (telemetry wires it)."""


class Sending:
    def __init__(
        self,
        store: DocumentStore,
        webhooks: Webhooks,
        sender: WebhookSender,
        mailer: Mailer,
        outbox: Outbox,
        clock: Clock,
        hooks: Hooks | None = None,
    ) -> None:
        self._store = store
        self._webhooks = webhooks
        self._sender = sender
        self._mailer = mailer
        self._outbox = outbox
        self._clock = clock
        self._hooks = hooks or Hooks()

    def send(self, delivery: Item) -> Outcome:
        if delivery.get("channel") == "email":
            return self._mail(delivery)
        return self._post(delivery)

    def _post(self, delivery: Item) -> Outcome:
        try:
            webhook = self._webhooks.get(delivery["tenantId"], delivery["webhookId"])
        except ApiError:
            return Outcome(False, "webhook_deleted", final=True)
        try:
            target = self._webhooks.vet(webhook["url"])
        except ApiError:
            return Outcome(False, "refused_address")
        now = self._clock.now()
        secrets = self._webhooks.secrets(webhook, now)
        headers = signing.headers(secrets, delivery["eventId"], now, delivery["body"])
        try:
            status = self._sender.post(
                target, delivery["body"].encode(), headers, ATTEMPT_TIMEOUT
            )
        except SendFailed as exc:
            return Outcome(False, str(exc) or "connection")
        if 200 <= status < 300:
            return Outcome(True, "delivered", status)
        return Outcome(False, f"http_{status}", status)

    def _mail(self, delivery: Item) -> Outcome:
        body = json.loads(delivery["body"])
        extra = self._hooks.attachments.get(delivery["event"])
        try:
            attachments = extra(body["data"]) if extra else ()
        except Exception as exc:  # e.g. a stored document that no longer validates: its text
            log.error("attachment hook failed",  # quotes the document, so the type only
                      extra={"deliveryId": delivery["id"], "error": type(exc).__name__})
            return Outcome(False, "attachment_failed")
        message = mail.render(body, tuple(delivery["recipients"]), delivery["id"], attachments)
        try:
            self._mailer.send(message)
        except MailFailed:
            return Outcome(False, "mail_refused")
        return Outcome(True, "delivered")

    # -- recording ------------------------------------------------------------------------------

    def record(self, claimed: Item, outcome: Outcome) -> None:
        tenant_id, delivery_id = claimed["tenantId"], claimed["id"]
        raised: list[Item] = []

        def attempt() -> Item | None:
            doc = self._store.read(NOTIFICATIONS.name, (tenant_id,), delivery_id)
            if doc["status"] in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
                return None
            now = self._clock.now()
            fields, status = self._fields(doc, outcome, now)
            changed = doc | fields
            if status != doc["status"]:
                changed["status"] = advance(DELIVERY, doc["status"], status).value
            events = self._failure_events(changed, now) if status == DeliveryStatus.FAILED else []
            raised[:] = events
            pk = (tenant_id,)
            return write_with_events(self._store, NOTIFICATIONS.name, pk, doc, changed, events)

        stored = under_etag(attempt, what="the delivery")
        if stored is None:
            return
        self._outbox.written(NOTIFICATIONS.name, raised)
        self._after(stored, outcome)

    @staticmethod
    def _fields(
        doc: Item, outcome: Outcome, now: datetime
    ) -> tuple[dict[str, Any], DeliveryStatus]:
        done = {"ttl": LOG_DAYS * 86400}
        base = {"lastStatus": outcome.status, "lastError": None if outcome.ok else outcome.code}
        if outcome.ok:
            return base | done | {"deliveredAt": now.isoformat()}, DeliveryStatus.DELIVERED
        first = datetime.fromisoformat(doc.get("firstAttemptAt") or now.isoformat())
        if outcome.final or now >= first + RETRY_FOR:
            return base | done, DeliveryStatus.FAILED
        wait: timedelta = backoff(doc["attempts"])
        return base | {"nextAttemptAt": (now + wait).isoformat()}, DeliveryStatus.RETRYING

    @staticmethod
    def _failure_events(doc: Item, now: datetime) -> list[Item]:
        """A webhook that never answered for 24 h: its tenant's contacts and on-call are told.
        (A deleted webhook fails quietly; a failed e-mail is logged, not mailed about.)"""
        if doc.get("channel") != "webhook" or doc.get("lastError") == "webhook_deleted":
            return []
        data = {
            "tenantId": doc["tenantId"],
            "webhookId": doc["webhookId"],
            "eventId": doc["eventId"],
            "eventType": doc["event"],
            "attempts": doc["attempts"],
            "firstAttemptAt": doc.get("firstAttemptAt"),
            "lastStatus": doc.get("lastStatus"),
        }
        pk = {"tenantId": doc["tenantId"]}
        return [event_doc(InternalEvent.DELIVERY_FAILED, data, now, pk, target=doc["tenantId"])]

    def _after(self, stored: Item, outcome: Outcome) -> None:
        context = {"deliveryId": stored["id"], "event": stored["event"], "outcome": outcome.code,
                   "attempts": stored["attempts"], "channel": stored.get("channel")}
        if outcome.ok:
            log.info("notification delivered", extra=context)
            hook = self._hooks.delivered.get(stored["event"])
            if hook is not None:
                body = json.loads(stored["body"])
                try:
                    hook(body["data"], str(stored.get("channel")))
                except Exception as exc:  # the delivery stands; the hook's owner logs its own
                    log.error("delivery hook failed", extra=context | {"error": type(exc).__name__})
            return
        final = stored["status"] == DeliveryStatus.FAILED
        log.warning("notification attempt failed", extra=context | {"final": final})
        if stored.get("channel") == "webhook":
            self._hooks.failures({"outcome": "failed" if final else "retrying"})
