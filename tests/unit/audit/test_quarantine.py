"""The quarantine: a broken stored document is recorded once per version, with field paths and
never a value, audited in the platform trail, and leaves the list once repaired."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ValidationError

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.audit.control import PLATFORM_TRAIL, ControlAudit
from shared.audit.quarantine import Quarantine
from shared.audit.trail import AuditTrail
from tests.fakes import FakeClock


class Shape(BaseModel):
    name: str
    region: str


def error_of(doc: dict[str, object]) -> ValidationError:
    with pytest.raises(ValidationError) as failed:
        Shape.model_validate(doc)
    return failed.value


@pytest.fixture
def trail(region_store: SqliteDocumentStore, clock: FakeClock) -> AuditTrail:
    return AuditTrail(region_store, clock)


@pytest.fixture
def quarantine(
    region_store: SqliteDocumentStore, clock: FakeClock, trail: AuditTrail
) -> Quarantine:
    return Quarantine(region_store, clock, ControlAudit(lambda region: trail, "eu"))


def actions(trail: AuditTrail) -> list[str]:
    return [e["action"] for e in trail.entries(PLATFORM_TRAIL).items]


def test_a_broken_document_is_listed_once_per_version_with_paths_only(
    quarantine: Quarantine, trail: AuditTrail, clock: FakeClock
) -> None:
    doc = {"id": "t-1", "tenantId": "t-1", "name": 42, "region": "jean@example.com", "_etag": "1"}
    quarantine.report("tenants", doc, error_of({"name": 42}))
    quarantine.report("tenants", doc, error_of({"name": 42}))  # the same version again
    [listed] = quarantine.listing()
    assert listed["problems"] == ["/name", "/region"] and listed["ownerTenantId"] == "t-1"
    assert "jean" not in json.dumps(listed) and actions(trail) == ["document.quarantined"]
    clock.advance(60)
    quarantine.report("tenants", doc | {"_etag": "2"}, error_of({"name": 42}))
    [again] = quarantine.listing()
    assert again["firstSeenAt"] == listed["firstSeenAt"] != again["lastSeenAt"]


def test_a_repaired_document_leaves_the_list_and_the_release_is_audited(
    quarantine: Quarantine, trail: AuditTrail
) -> None:
    doc = {"id": "dsar-1", "tenantId": "t-1", "_etag": "1"}
    quarantine.report("privacy_requests", doc, KeyError("status"))
    assert quarantine.listing()[0]["problems"] == ["(KeyError)"]
    quarantine.resolve("privacy_requests", "dsar-1")
    quarantine.resolve("privacy_requests", "dsar-1")  # already gone: nothing more happens
    assert quarantine.listing() == []
    assert actions(trail) == ["document.released", "document.quarantined"]
