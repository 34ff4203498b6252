"""How the notification capability is put together (called by the composition root only)."""

from __future__ import annotations

from typing import Any

from shared.accountability.notices import IncidentNotices
from shared.audit.control import ControlAudit
from shared.containers import (
    AUTHORITY_REQUESTS,
    INCIDENTS,
    NOTIFICATIONS,
    REQUESTS,
    SUBPROCESSOR_CHANGES,
    TENANTS,
)
from shared.notify.dispatcher import Dispatcher, Routing
from shared.notify.models import EventType
from shared.notify.outbox import Outbox
from shared.notify.sending import DELIVERY_FAILURES_METRIC, Hooks, Sending
from shared.notify.ssrf import Resolver
from shared.notify.webhooks import Webhooks
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.mailer import Mailer
from shared.ports.webhook_sender import WebhookSender
from shared.settings import Settings
from shared.telemetry import core as telemetry
from shared.tenancy.directory import TenantDirectory


def build_notify(
    settings: Settings,
    clock: Clock,
    ports: tuple[DocumentStore, DocumentStore, KeyProvider, Mailer, WebhookSender, Resolver],
    tenants: TenantDirectory,
    audit: ControlAudit,
    outbox: Outbox,
    notices: IncidentNotices,
) -> dict[str, Any]:
    """The webhooks use cases and the dispatcher; a delivered breach notice becomes ``sent``
    and its e-mail carries the notice document (``IncidentNotices`` owns both)."""
    store, directory, keys, mailer, sender, resolve = ports
    webhooks = Webhooks(
        store, tenants, keys, audit, clock, settings.webhook_local_urls, resolve
    )
    hooks = Hooks(
        delivered={EventType.INCIDENT_NOTICE: notices.delivered},
        attachments={EventType.INCIDENT_NOTICE: notices.attachments},
        failures=lambda attributes: telemetry.count(
            DELIVERY_FAILURES_METRIC, 1, **attributes
        ),
    )
    sending = Sending(store, webhooks, sender, mailer, outbox, clock, hooks)
    stores = {c.name: store for c in (REQUESTS, NOTIFICATIONS)}
    directory_outboxes = (INCIDENTS, SUBPROCESSOR_CHANGES, AUTHORITY_REQUESTS, TENANTS)
    stores |= {c.name: directory for c in directory_outboxes}
    routing = Routing(settings.region, settings.console_base_url, settings.oncall_email, stores)
    dispatcher = Dispatcher(store, tenants, sending, routing, clock, webhooks.of_tenant)
    return {"webhooks": webhooks, "dispatcher": dispatcher}
