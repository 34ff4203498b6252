"""Registering a visitor's own privacy request: recorded for the tenant's team, never acted on.

The request keeps the blind-index digests of the identifiers given, naming their key version,
and the identifiers and message sealed under a request-scoped data key (resolution later
digests them again under every readable version).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.crypto.envelope import FieldCipher
from shared.crypto.stored_keys import new_stored_key
from shared.dsar.deadlines import initial_deadline, queue_key
from shared.dsar.lifecycle import DSAR_REQUEST
from shared.dsar.requests import record_ttl
from shared.ingest.envelope import IngestEnvelope
from shared.ingest.models import PrivacyRequestPayload
from shared.ports.document_store import Conflict
from shared.ports.key_provider import KeyProvider
from shared.subjects.models import HoldIdentifiers
from shared.subjects.resolution import identifier_digests
from shared.tenancy.models import Tenant


def register_widget_request(
    write: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]],
    keys: KeyProvider,
    env: IngestEnvelope,
    cmd: PrivacyRequestPayload,
    tenant: Tenant,
    now: datetime,
    record_days: int,
) -> bool:
    """Create the request document through ``write`` (``DsarRequests.write``: the request and
    its ``dsar.received`` event in one batch); False when a redelivery finds it already there.

    Anyone can send these, so even one nobody ever finishes expires: its TTL is
    ``record_ttl`` of the document, ``record_days`` after its latest possible deadline."""
    ids = HoldIdentifiers(email=cmd.email, phone=cmd.phone, visitorId=cmd.visitorId)
    digests = identifier_digests(keys, tenant, ids)
    data_key, wrapped = new_stored_key(keys)
    cipher = FieldCipher(data_key, env.tenantId, env.requestId)
    doc: dict[str, Any] = {
        "id": env.requestId,
        "tenantId": env.tenantId,
        "type": cmd.type.value,
        "kind": "dsar",
        "status": DSAR_REQUEST.initial.value,
        "source": "widget",
        "receivedAt": env.receivedAt.isoformat(),
        "deadline": initial_deadline(env.receivedAt, None).isoformat(),
        "subjectIds": [env.subjectId] if env.subjectId else [],
        "identifierDigests": digests.current,
        "identifierKeyVersion": digests.version,
        "dataKey": wrapped,
        "enc": cipher.encrypt_fields(
            env.requestId,
            {
                "visitorId": cmd.visitorId,
                "email": cmd.email,
                "phone": cmd.phone,
                "message": cmd.message,
            },
        ),
        "history": [
            {
                "at": env.receivedAt.isoformat(),
                "status": DSAR_REQUEST.initial.value,
                "reason": "submitted by the visitor through the widget",
            }
        ],
    }
    doc["queueKey"] = queue_key(doc)
    doc["ttl"] = record_ttl(doc, now, record_days)
    try:
        write(None, doc)
    except Conflict:
        return False
    return True
