"""The steps of the DSAR orchestration: a request that cannot be carried out ends as failed,
through the table, audited with a reason code; finished requests stay as they are."""

from __future__ import annotations

from typing import Any

import pytest

from shared.auth import Principal
from shared.composition import App
from shared.dsar.models import DsarCreate, DsarStatus, DsarType
from shared.dsar.strategies import Step
from shared.lifecycle import InvalidTransition
from shared.subjects.models import HoldIdentifiers
from tests.app_client import AppClient

OPERATOR = Principal(actor="oid-operator", grants=frozenset())


@pytest.fixture
def request_id(client: AppClient, tenant: dict[str, Any], services: App) -> str:
    cmd = DsarCreate(type="access", identifiers=HoldIdentifiers(email="jean@example.com"))
    return services.dsar_admin.submit(OPERATOR, tenant["tenantId"], cmd)


def trail(services: App, tenant_id: str) -> list[dict[str, Any]]:
    return list(services.audit_for("eu").entries(tenant_id, limit=100).items)


def test_a_request_that_cannot_be_carried_out_fails_with_its_reason_in_history_and_audit(
    services: App, tenant: dict[str, Any], request_id: str
) -> None:
    tid = tenant["tenantId"]
    services.dsar_steps.fail(tid, request_id, "orchestration_failed")
    view = services.dsar_admin.view(tid, request_id)
    assert view.status == DsarStatus.FAILED
    assert view.result is not None and view.result["outcome"] == "failed"
    assert [h["status"] for h in view.history] == ["received", "failed"]
    [entry] = [e for e in trail(services, tid) if e["action"] == "dsar.failed"]
    assert entry["target"] == request_id and entry["details"]["reason"] == "orchestration_failed"


def test_failing_a_finished_request_changes_nothing(
    services: App, tenant: dict[str, Any], request_id: str
) -> None:
    tid = tenant["tenantId"]
    services.dsar_steps.fail(tid, request_id, "orchestration_failed")
    services.dsar_steps.fail(tid, request_id, "again")
    assert [h["status"] for h in services.dsar_admin.view(tid, request_id).history] == [
        "received",
        "failed",
    ]
    assert len([e for e in trail(services, tid) if e["action"] == "dsar.failed"]) == 1


def test_a_failed_request_cannot_complete_afterwards(
    services: App, tenant: dict[str, Any], request_id: str
) -> None:
    tid = tenant["tenantId"]
    services.dsar_steps.fail(tid, request_id, "orchestration_failed")
    with pytest.raises(InvalidTransition, match="cannot go from failed to completed"):
        services.dsar_steps.finish(tid, request_id, [])
    assert services.dsar_admin.view(tid, request_id).status == DsarStatus.FAILED


def test_categories_finishing_side_by_side_each_leave_their_mark_on_progress(
    services: App, tenant: dict[str, Any], request_id: str
) -> None:
    """The orchestration runs one activity per category at once: a category that finishes while
    another is working must not be overwritten by the other's stale copy of the request."""
    tid, steps = tenant["tenantId"], services.dsar_steps
    access = steps._strategies.by_type[DsarType.ACCESS]

    def with_another_finishing_meanwhile(step: Step) -> dict[str, Any]:
        if step.category == "behaviour":
            steps.run_category(tid, request_id, "contact")
        return access(step)

    steps._strategies.by_type[DsarType.ACCESS] = with_another_finishing_meanwhile
    steps.run_category(tid, request_id, "behaviour")
    progress = services.dsar_requests.get(tid, request_id)["progress"]
    assert progress == {"contact": "done", "behaviour": "done"}
