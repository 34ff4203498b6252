"""Operations of notifications: a tenant's webhooks and its own breach notices."""

from __future__ import annotations

from shared.accountability.incident_models import BreachNotice
from shared.notify.models import (
    DeliveryPage,
    SecretRotate,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookPage,
)
from shared.openapi.operation import ADMIN_ERRORS, Link, Operation

ADMIN = ("Privacy.Admin",)
_W = "/api/v1/tenants/{tenantId}/webhooks"
_N = "/api/v1/tenants/{tenantId}/incident-notices/{incidentId}"
_WEBHOOK = {"webhookId": "$response.body#/webhookId"}

NOTIFY: tuple[Operation, ...] = (
    Operation(
        "post",
        _W,
        "register_webhook",
        "Register a webhook for events; its secret (whsec_…) is shown once",
        201,
        WebhookCreated,
        WebhookCreate,
        ADMIN,
        errors=(*ADMIN_ERRORS, 409),
        links=(
            Link("ListDeliveries", "list_webhook_deliveries", _WEBHOOK),
            Link("RotateSecret", "rotate_webhook_secret", _WEBHOOK),
            Link("DeleteWebhook", "delete_webhook", _WEBHOOK),
        ),
    ),
    Operation("get", _W, "list_webhooks", "The tenant's webhooks, never a secret", 200,
              WebhookPage, roles=ADMIN),
    Operation("delete", _W + "/{webhookId}", "delete_webhook", "Delete a webhook", 204, None,
              roles=ADMIN),
    Operation(
        "post",
        _W + "/{webhookId}/secret",
        "rotate_webhook_secret",
        "A new secret (shown once); the previous one keeps signing for the overlap",
        201,
        SecretRotated,
        SecretRotate,
        ADMIN,
        body_required=False,
    ),
    Operation(
        "get",
        _W + "/{webhookId}/deliveries",
        "list_webhook_deliveries",
        "Recent deliveries: event id, type, attempts, last status, next attempt",
        200,
        DeliveryPage,
        roles=ADMIN,
        query=("limit",),
        query_schemas={"limit": {"type": "integer", "minimum": 1, "maximum": 200}},
    ),
    Operation(
        "get",
        _N,
        "get_own_incident_notice",
        "The tenant's own breach notice (JSON, or Markdown with format=markdown)",
        200,
        BreachNotice,
        roles=ADMIN,
        query=("format",),
        markdown=True,
    ),
    Operation(
        "post",
        _N + "/acknowledgement",
        "acknowledge_incident_notice",
        "Acknowledge receipt of the notice (sent -> acknowledged; 409 while pending)",
        200,
        BreachNotice,
        roles=ADMIN,
        errors=(*ADMIN_ERRORS, 409),
    ),
)
