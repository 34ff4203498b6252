"""Admission of widget calls, cheapest check first: size, key, region, contract, origin, rate.
Client IPs only name rate buckets (hashed), never anything stored."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.errors import (
    ApiError,
    Forbidden,
    MisdirectedRequest,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)
from shared.ingest.gate import MAX_BODY_BYTES, WidgetCall, WidgetGate
from shared.policies.rate_limit import RateLimiter
from shared.settings import Settings
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import TenantCreate
from tests.fakes import FakeClock

ORIGIN = "https://shop.example"


@pytest.fixture
def directory(
    directory_store: SqliteDocumentStore, clock: FakeClock, settings: Settings
) -> TenantDirectory:
    return TenantDirectory(directory_store, clock, settings)


@pytest.fixture
def gate(directory: TenantDirectory, clock: FakeClock, settings: Settings) -> WidgetGate:
    return WidgetGate(directory, RateLimiter(clock), clock, settings)


def key_of(directory: TenantDirectory, region: str = "eu") -> str:
    _, key = directory.create(TenantCreate(name="Shop", region=region, allowedOrigins=[ORIGIN]))
    return key


def call(key: str | None, origin: str | None = ORIGIN, body: bytes = b"{}") -> WidgetCall:
    return WidgetCall(widget_key=key, origin=origin, forwarded_for="203.0.113.7", body=body)


def test_an_admitted_call_names_its_tenant(gate: WidgetGate, directory: TenantDirectory) -> None:
    tenant = gate.admit(call(key_of(directory)))
    assert tenant.name == "Shop"
    assert "203.0.113.7" not in call(None).client  # a digest names the bucket


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda key: call(key, body=b"x" * (MAX_BODY_BYTES + 1)), PayloadTooLarge),
        (lambda key: call(None), Unauthorized),
        (lambda key: call("wk_eu_unknown"), Unauthorized),
        (lambda key: call(key, origin="https://elsewhere.example"), Forbidden),
    ],
)
def test_each_refusal_is_its_own_problem(
    gate: WidgetGate, directory: TenantDirectory, make: object, error: type[ApiError]
) -> None:
    with pytest.raises(error):
        gate.admit(make(key_of(directory)))  # type: ignore[operator]


def test_too_large_is_decided_before_the_key_is_looked_up(gate: WidgetGate) -> None:
    with pytest.raises(PayloadTooLarge):
        gate.admit(call("wk_eu_unknown", body=b"x" * (MAX_BODY_BYTES + 1)))


def test_another_region_s_tenant_is_misdirected_with_its_endpoint(
    gate: WidgetGate, directory: TenantDirectory
) -> None:
    with pytest.raises(MisdirectedRequest) as misdirected:
        gate.admit(call(key_of(directory, "us")))
    assert misdirected.value.extra["endpoint"] == "https://privacy-us.example/api"


def test_a_tenant_whose_contract_has_ended_is_refused(
    gate: WidgetGate, directory: TenantDirectory, clock: FakeClock
) -> None:
    key = key_of(directory)
    tenant = gate.admit(call(key))
    end = clock.now() + timedelta(days=1)
    directory.update_fields(tenant.tenantId, lambda t: {"contractEnd": end.isoformat()})
    clock.advance(timedelta(days=2))
    with pytest.raises(Forbidden, match="contract has ended"):
        gate.admit(call(key))


def test_guessing_keys_is_rate_limited_per_client(
    directory: TenantDirectory, clock: FakeClock, settings: Settings
) -> None:
    strict = settings.model_copy(update={"unknown_key_rate_burst": 2})
    gate = WidgetGate(directory, RateLimiter(clock), clock, strict)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            gate.admit(call("wk_eu_guess"))
    with pytest.raises(TooManyRequests):
        gate.admit(call("wk_eu_guess"))
