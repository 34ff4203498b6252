"""The purge's bookkeeping: each kind of item named for the certificate, and progress an earlier
version saved on the tenant (``continuation``) picked up where it stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.adapters.dir_blobs import DirectoryBlobStore
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import INDEX, NOTIFICATIONS, REQUESTS, SUBJECTS
from shared.recordings.audio import AudioChunks
from shared.recordings.cleanup import RecordingCleanup
from shared.retention.jobs import Budget
from shared.retention.leases import Leases
from shared.retention.offboarding_purge import TenantPurge, kind_of
from tests.fakes import FakeClock
from tests.unit.conftest import a_tenant


@pytest.mark.parametrize(
    ("container", "item", "kind"),
    [
        (SUBJECTS.name, {"type": "subject"}, "dataKeys"),
        (SUBJECTS.name, {"type": "contact", "category": "contact"}, "contact"),
        (INDEX.name, {}, "blindIndex"),
        (REQUESTS.name, {"type": "request"}, "privacyRequests"),
        (NOTIFICATIONS.name, {"kind": "webhook"}, "webhooks"),
        (NOTIFICATIONS.name, {"kind": "delivery"}, "deliveries"),
        (NOTIFICATIONS.name, {"docType": "outbox"}, "outboxEvents"),
    ],
)
def test_each_kind_has_its_name_in_the_certificate(
    container: str, item: dict[str, str], kind: str
) -> None:
    assert kind_of(container, item) == kind


def test_progress_saved_on_the_tenant_by_an_earlier_version_is_resumed(
    region_store: SqliteDocumentStore, clock: FakeClock, tmp_path: Path
) -> None:
    region_store.create(SUBJECTS.name, {"id": "s-1", "tenantId": "t-1", "subjectId": "s",
                                        "type": "subject"})
    region_store.create(INDEX.name, {"id": "email:ab", "tenantId": "t-1", "subjectIds": ["s"]})
    blobs = DirectoryBlobStore(tmp_path / "blobs")
    purge = TenantPurge(region_store, RecordingCleanup(region_store, AudioChunks(blobs), clock),
                        clock)
    lease = Leases(region_store, clock, "offboarding").acquire("t-1")
    assert lease is not None
    legacy = json.dumps({"stage": 1, "token": None, "counts": {"deleted.dataKeys": 4}})
    counts = purge.run(a_tenant(clock), "purge", True, lease, Budget(1000, 60), legacy)
    assert counts == {"deleted.dataKeys": 4, "deleted.blindIndex": 1}  # subjects were done
    assert region_store.read(SUBJECTS.name, ("t-1", "s"), "s-1")["type"] == "subject"
