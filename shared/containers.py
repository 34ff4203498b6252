"""Container layout: one place naming each container, its partition key and default TTL."""

from __future__ import annotations

from shared.ports.document_store import ContainerSpec, DocumentStore

SUBJECTS = ContainerSpec(
    "subjects",
    ("/tenantId", "/subjectId"),
    default_ttl=-1,
    unindexed=("/enc/*", "/events/*", "/claims/*", "/dataKey/*"),
)
"""Everything about one data subject in one logical partition: a DSAR touches one partition."""
INDEX = ContainerSpec("blind_index", ("/tenantId",), default_ttl=-1)
"""Blind-index entries (``kind:hmac`` -> subject ids); point reads, never plaintext."""
AUDIT = ContainerSpec("audit", ("/tenantId",), default_ttl=-1)
REQUESTS = ContainerSpec("privacy_requests", ("/tenantId",), default_ttl=-1)
MAINTENANCE = ContainerSpec("maintenance", ("/tenantId",), default_ttl=-1)
NOTIFICATIONS = ContainerSpec(
    "notifications", ("/tenantId",), default_ttl=-1, unindexed=("/secrets/*", "/body/?")
)
"""Per tenant: webhooks (secrets sealed), deliveries (the delivery log) and outbox events of
failed deliveries; partition ``_platform`` holds the on-call mail."""
"""Sweep positions and run logs (no personal data), so bounded runs resume where they stopped."""

TENANTS = ContainerSpec("tenants", ("/tenantId",), default_ttl=None)
WIDGET_KEYS = ContainerSpec("widget_keys", ("/keyHash",), default_ttl=None)
ORIGINS = ContainerSpec("origins", ("/originHash",), default_ttl=None)
INCIDENTS = ContainerSpec("incidents", ("/incidentId",), default_ttl=None)
"""One partition per incident: the incident document and one notice per affected tenant."""
SUBPROCESSORS = ContainerSpec("subprocessors", ("/subprocessorId",), default_ttl=None)
SUBPROCESSOR_CHANGES = ContainerSpec("subprocessor_changes", ("/changeId",), default_ttl=None)
"""Proposed register changes with their notice period and the tenants' objections."""
AUTHORITY_REQUESTS = ContainerSpec("authority_requests", ("/requestId",), default_ttl=None)
"""Requests of public authorities: legal basis, tenants concerned, gag order, answer."""

REGION_CONTAINERS = (SUBJECTS, INDEX, AUDIT, REQUESTS, MAINTENANCE, NOTIFICATIONS)
DIRECTORY_CONTAINERS = (
    TENANTS,
    WIDGET_KEYS,
    ORIGINS,
    INCIDENTS,
    SUBPROCESSORS,
    SUBPROCESSOR_CHANGES,
    AUTHORITY_REQUESTS,
)


def ensure_containers(region: DocumentStore, directory: DocumentStore) -> None:
    for spec in REGION_CONTAINERS:
        region.ensure_container(spec)
    for spec in DIRECTORY_CONTAINERS:
        directory.ensure_container(spec)
