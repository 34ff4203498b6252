"""Re-stamp jobs: queued as pending, running while bounded steps remain, completed once; the
status moves through the job table only."""

from __future__ import annotations

from typing import Any

from shared.composition import App
from shared.retention.jobs import Budget, expiry, request_restamp
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers


def job(services: App, tenant_id: str) -> dict[str, Any]:
    current = services.tenants.get(tenant_id).retentionJob
    assert current is not None
    return current.model_dump(mode="json")


def test_a_job_runs_in_bounded_steps_from_pending_to_completed(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    client.call("collect", body=collect_body(3), headers=widget_headers(tenant))
    client.drain()  # one events document and one technical item
    request_restamp(services.tenants, tid, "retention.changed", services.clock)
    assert job(services, tid)["status"] == "pending"
    services.retention_jobs.run(Budget(items=1, seconds=60))
    assert (job(services, tid)["status"], job(services, tid)["processed"]) == ("running", 1)
    services.retention_jobs.run(Budget(items=1000, seconds=60))
    done = job(services, tid)
    assert (done["status"], done["processed"], done["continuation"]) == ("completed", 2, None)
    services.retention_jobs.run(Budget(items=1000, seconds=60))
    assert job(services, tid)["processed"] == 2  # a completed job is not run again


def test_a_job_may_complete_in_its_first_step(services: App, tenant: dict[str, Any]) -> None:
    tid = tenant["tenantId"]
    request_restamp(services.tenants, tid, "hold.created", services.clock)
    services.retention_jobs.run(Budget(items=1000, seconds=60))
    assert job(services, tid)["status"] == "completed"


def test_a_new_request_replaces_an_unfinished_job_and_widens_its_scope(
    services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    request_restamp(services.tenants, tid, "hold.created", services.clock, ["s-1"])
    first = job(services, tid)
    request_restamp(services.tenants, tid, "hold.released", services.clock, ["s-2"])
    second = job(services, tid)
    assert second["jobId"] != first["jobId"] and second["status"] == "pending"
    assert (second["subjectIds"], second["reasons"]) == (
        ["s-1", "s-2"],
        ["hold.created", "hold.released"],
    )


def test_an_expiry_compares_moments_not_ttls() -> None:
    assert expiry(None, 100) is None and expiry(-1, 100) is None
    assert expiry(60, 100) == expiry(30, 130) == 160
