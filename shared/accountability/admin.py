"""Admin use cases of accountability that read a tenant's regional state."""

from __future__ import annotations

from shared.accountability.records_models import RecordsOfProcessing
from shared.auth import Principal
from shared.bootstrap import Services
from shared.tenancy.admin import local_tenant


def records_of_processing(
    services: Services, principal: Principal, tenant_id: str
) -> RecordsOfProcessing:
    """Served in the tenant's region: its open requests are counted from the region's store."""
    tenant = local_tenant(services, tenant_id)
    records = services.processing_records.build(tenant)
    services.control_audit.tenant(
        tenant,
        principal.actor,
        "records.read",
        tenant_id,
        {"subprocessors": len(records.subprocessors), "holds": len(records.legalHolds)},
    )
    return records
