"""Tenants named in a request body (an incident, an authority request): each resolved once, all
served in this stamp's region, a wrong one answered with where it stands in the body."""

from __future__ import annotations

from shared.errors import BadRequest, FieldError, MisdirectedRequest, NotFound
from shared.tenancy.directory import TenantDirectory
from shared.tenancy.models import Tenant


def listed_local(
    directory: TenantDirectory, tenant_ids: list[str], elsewhere: str
) -> list[Tenant]:
    """The listed tenants, each once: an unknown id is a 400 pointing at its place in
    ``/tenantIds``, another region's tenant a 421 naming its region and endpoint (as
    ``TenantDirectory.local`` does), with ``elsewhere`` saying what to do there."""
    tenants: dict[str, Tenant] = {}
    for i, tenant_id in enumerate(tenant_ids):
        if tenant_id in tenants:
            continue
        try:
            tenants[tenant_id] = directory.local(tenant_id)
        except NotFound:
            raise BadRequest(
                "unknown tenant", errors=[FieldError(f"/tenantIds/{i}", "no such tenant")]
            ) from None
        except MisdirectedRequest as exc:
            region = exc.extra["region"]
            raise MisdirectedRequest(
                f"tenant {tenant_id} is served in region '{region}': {elsewhere}",
                extra=exc.extra,
            ) from None
    return list(tenants.values())
