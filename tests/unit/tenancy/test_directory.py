"""The tenant directory: its status moves only through the tenant table, and subject data is
served only in the tenant's region."""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import TENANTS
from shared.errors import MisdirectedRequest
from shared.lifecycle import InvalidTransition
from shared.settings import Settings
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.lifecycle import TenantStatus
from shared.tenancy.models import Tenant, TenantCreate
from tests.fakes import FakeClock


@pytest.fixture
def directory(
    directory_store: SqliteDocumentStore, clock: FakeClock, settings: Settings
) -> TenantDirectory:
    return TenantDirectory(directory_store, clock, settings)


def create(directory: TenantDirectory, region: str = "eu") -> Tenant:
    tenant, _ = directory.create(
        TenantCreate(name="Shop", region=region, allowedOrigins=["https://shop.example"])
    )
    return tenant


def no_fields(_: Tenant) -> dict[str, Any]:
    return {}


def test_a_new_tenant_starts_active_and_moves_through_offboarding_to_offboarded(
    directory: TenantDirectory,
) -> None:
    tenant = create(directory)
    assert tenant.status == "active"
    moved = directory.update_fields(tenant.tenantId, no_fields, TenantStatus.OFFBOARDING)
    assert moved.status == "offboarding"
    again = directory.update_fields(tenant.tenantId, no_fields, TenantStatus.OFFBOARDING)
    assert again.status == "offboarding"  # re-applying the state it has is no move
    assert directory.update_fields(
        tenant.tenantId, no_fields, TenantStatus.OFFBOARDED
    ).status == "offboarded"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], TenantStatus.OFFBOARDED),  # active cannot skip offboarding
        ([TenantStatus.OFFBOARDING, TenantStatus.OFFBOARDED], TenantStatus.ACTIVE),  # terminal
        ([TenantStatus.OFFBOARDING], TenantStatus.ACTIVE),  # no way back
    ],
)
def test_a_move_the_table_refuses_is_a_409_and_writes_nothing(
    directory: TenantDirectory,
    directory_store: SqliteDocumentStore,
    path: list[TenantStatus],
    target: TenantStatus,
) -> None:
    tenant = create(directory)
    for status in path:
        directory.update_fields(tenant.tenantId, no_fields, status)
    before = directory_store.read(TENANTS.name, (tenant.tenantId,), tenant.tenantId)
    with pytest.raises(InvalidTransition) as refused:
        directory.update_fields(
            tenant.tenantId, lambda t: {"name": "Renamed"}, target
        )
    assert refused.value.status == 409
    after = directory_store.read(TENANTS.name, (tenant.tenantId,), tenant.tenantId)
    assert after == before  # neither the status nor the other fields changed


def test_subject_data_of_another_region_s_tenant_is_a_421_naming_its_endpoint(
    directory: TenantDirectory,
) -> None:
    here, there = create(directory, "eu"), create(directory, "us")
    assert directory.local(here.tenantId).tenantId == here.tenantId
    with pytest.raises(MisdirectedRequest) as misdirected:
        directory.local(there.tenantId)
    assert misdirected.value.extra == {
        "region": "us",
        "endpoint": "https://privacy-us.example/api",
    }
