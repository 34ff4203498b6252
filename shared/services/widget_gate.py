"""Admission of widget calls: size, key, region, contract, origin and rate, in that order.

Checks run before the body is parsed, so abusive or misdirected calls cost little.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.errors import (
    Forbidden,
    MisdirectedRequest,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)
from shared.models.tenant import Tenant
from shared.policies.rate_limit import RateLimiter
from shared.ports.clock import Clock
from shared.services.tenant_directory import TenantDirectory, key_hash
from shared.settings import Settings

MAX_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class WidgetCall:
    widget_key: str | None
    origin: str | None
    forwarded_for: str | None
    body: bytes


class WidgetGate:
    def __init__(
        self, directory: TenantDirectory, limiter: RateLimiter, clock: Clock, settings: Settings
    ) -> None:
        self._directory = directory
        self._limiter = limiter
        self._clock = clock
        self._settings = settings

    def admit(self, call: WidgetCall) -> Tenant:
        if len(call.body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"the body exceeds {MAX_BODY_BYTES} bytes")
        tenant = self._directory.by_widget_key(call.widget_key) if call.widget_key else None
        if tenant is None:
            raise Unauthorized("a valid X-Widget-Key header is required")
        if tenant.region != self._settings.region:
            endpoint = self._settings.region_endpoints.get(tenant.region, "")
            raise MisdirectedRequest(
                f"this tenant is served in region '{tenant.region}'"
                + (f" at {endpoint}" if endpoint else ""),
                extra={"region": tenant.region, "endpoint": endpoint},
            )
        if tenant.status == "offboarded" or (
            tenant.contractEnd is not None and tenant.contractEnd <= self._clock.now()
        ):
            raise Forbidden("this tenant's contract has ended")
        if call.origin is not None and not self.origin_allowed(tenant, call.origin):
            raise Forbidden("this origin is not allowed for the tenant")
        rate = tenant.rateLimit
        wait = self._limiter.take(
            key_hash(call.widget_key or ""),
            rate.perSecond if rate else self._settings.widget_rate_per_second,
            rate.burst if rate else self._settings.widget_rate_burst,
        )
        if wait:
            raise TooManyRequests(wait)
        return tenant

    @staticmethod
    def origin_allowed(tenant: Tenant, origin: str) -> bool:
        wanted = origin.lower().rstrip("/")
        return any(o.lower().rstrip("/") == wanted for o in tenant.allowedOrigins)

    def preflight_allowed(self, origin: str | None) -> bool:
        """Preflights carry no widget key: allow origins some tenant of this stamp lists."""
        return bool(origin) and self._directory.origin_known(origin or "")
