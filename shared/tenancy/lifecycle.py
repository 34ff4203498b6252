"""The lifecycle of a tenant: active, then offboarding from the day it is scheduled, then
offboarded once its data is purged (the widget is refused from contract end on)."""

from __future__ import annotations

from enum import StrEnum

from shared.lifecycle import Lifecycle


class TenantStatus(StrEnum):
    ACTIVE = "active"
    OFFBOARDING = "offboarding"
    OFFBOARDED = "offboarded"


TENANT = Lifecycle(
    "tenant",
    TenantStatus.ACTIVE,
    {
        TenantStatus.ACTIVE: frozenset({TenantStatus.OFFBOARDING}),
        TenantStatus.OFFBOARDING: frozenset({TenantStatus.OFFBOARDED}),
        TenantStatus.OFFBOARDED: frozenset(),
    },
)
