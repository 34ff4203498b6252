"""Admission of widget calls: size, key, region, contract, origin and rate, in that order.

Checks run before the body is parsed, so abusive or misdirected calls cost little. Rates are
token buckets (``shared.policies.rate_limit``): per client IP for key look-ups that find
nothing (guessing keys costs a store read each), then per widget key and client IP, then per
widget key. Client IPs are only hashed into bucket names, never logged or stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shared.errors import (
    Forbidden,
    MisdirectedRequest,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)
from shared.policies.minimisation import client_ip
from shared.policies.rate_limit import RateLimiter
from shared.ports.clock import Clock
from shared.settings import Settings
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant
from shared.tenancy.widget_keys import key_hash

MAX_BODY_BYTES = 64 * 1024
HOUR = 3600.0


@dataclass(frozen=True)
class WidgetCall:
    widget_key: str | None
    origin: str | None
    forwarded_for: str | None
    body: bytes

    @property
    def client(self) -> str:
        """A digest of the client IP: a bucket name that is not the address itself."""
        return hashlib.sha256((client_ip(self.forwarded_for) or "-").encode()).hexdigest()[:32]


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
        tenant = self._tenant(call)
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
        self._limit_rate(tenant, call)
        return tenant

    def _tenant(self, call: WidgetCall) -> Tenant:
        """The key's tenant; look-ups that find nothing are rate-limited per client IP."""
        if not call.widget_key:
            raise Unauthorized("a valid X-Widget-Key header is required")
        known = self._directory.peek(call.widget_key)
        if known is not None:
            return known
        s = self._settings
        bucket = f"unknown-key:{call.client}"
        if wait := self._limiter.peek(bucket, s.unknown_key_rate_per_second,
                                      s.unknown_key_rate_burst):
            raise TooManyRequests(wait)
        tenant = self._directory.by_widget_key(call.widget_key)
        if tenant is None:
            self._limiter.take(bucket, s.unknown_key_rate_per_second, s.unknown_key_rate_burst)
            raise Unauthorized("a valid X-Widget-Key header is required")
        return tenant

    def _limit_rate(self, tenant: Tenant, call: WidgetCall) -> None:
        """The client's bucket first, so one client cannot drain the key's shared bucket."""
        s = self._settings
        key = key_hash(call.widget_key or "")
        wait = self._limiter.take(
            f"client:{key}:{call.client}", s.widget_ip_rate_per_second, s.widget_ip_rate_burst
        )
        rate = tenant.rateLimit
        wait = wait or self._limiter.take(
            key,
            rate.perSecond if rate else s.widget_rate_per_second,
            rate.burst if rate else s.widget_rate_burst,
        )
        if wait:
            raise TooManyRequests(wait)

    def limit_privacy_requests(self, tenant: Tenant, call: WidgetCall, visitor: str | None) -> None:
        """Privacy requests create records people must act on: a few per hour per client IP
        and per visitor, so a script cannot bury a tenant's team."""
        count = self._settings.widget_privacy_requests_per_hour
        buckets = [f"privacy:{tenant.tenantId}:{call.client}"]
        if visitor:
            digest = hashlib.sha256(visitor.encode()).hexdigest()[:32]
            buckets.append(f"privacy:{tenant.tenantId}:v:{digest}")
        for bucket in buckets:
            if wait := self._limiter.peek(bucket, count / HOUR, count):
                raise TooManyRequests(wait)
        for bucket in buckets:
            self._limiter.take(bucket, count / HOUR, count)

    @staticmethod
    def origin_allowed(tenant: Tenant, origin: str) -> bool:
        wanted = origin.lower().rstrip("/")
        return any(o.lower().rstrip("/") == wanted for o in tenant.allowedOrigins)

    def cors_allowed(self, call: WidgetCall) -> bool:
        """Whether an error answer may carry CORS headers: only for an allowed origin of a
        tenant whose key this instance already resolved (no store read on the error path)."""
        if not call.origin or not call.widget_key:
            return False
        tenant = self._directory.peek(call.widget_key)
        return tenant is not None and self.origin_allowed(tenant, call.origin)

    def preflight_allowed(self, origin: str | None) -> bool:
        """Preflights carry no widget key: allow origins some tenant of this stamp lists."""
        return bool(origin) and self._directory.origin_known(origin or "")
