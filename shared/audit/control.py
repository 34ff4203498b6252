"""Audit of admin actions: each tenant's trail (the one helper use cases call) and the
platform's own trail for control-plane actions.

An incident or a subprocessor change belongs to no single tenant, yet each tenant it touches
must find it in its own trail (who, when, which incident or change; counts, never a free
text). The platform trail keeps every control-plane action, including those that touch no
tenant (listings), as one more hash chain: partition ``platform`` of the stamp region's audit
container, expiring by TTL after the default audit period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from shared.audit.trail import AuditTrail
from shared.tenancy.models import Tenant

PLATFORM_TRAIL = "platform"
"""Partition of the platform's trail; tenant ids start with ``t-`` so it never collides."""


class ControlAudit:
    def __init__(self, audit_for: Callable[[str], AuditTrail], region: str) -> None:
        self._audit_for = audit_for
        self._region = region

    def platform(
        self, actor: str, action: str, target: str, details: dict[str, Any] | None = None
    ) -> None:
        self._audit_for(self._region).append(
            PLATFORM_TRAIL, {}, actor=actor, action=action, target=target, details=details
        )

    def tenant(
        self,
        tenant: Tenant,
        actor: str,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
        outcome: str = "success",
        idempotency_key: str | None = None,
    ) -> None:
        self._audit_for(tenant.region).append(
            tenant.tenantId,
            tenant.retention,
            actor=actor,
            action=action,
            target=target,
            outcome=outcome,
            details=details,
            idempotency_key=idempotency_key,
        )

    def everywhere(
        self,
        tenants: Iterable[Tenant],
        actor: str,
        action: str,
        target: str,
        details: dict[str, Any] | None = None,
    ) -> int:
        """The platform trail once, then every tenant concerned; returns how many tenants."""
        self.platform(actor, action, target, details)
        count = 0
        for tenant in tenants:
            self.tenant(tenant, actor, action, target, details)
            count += 1
        return count
