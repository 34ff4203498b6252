"""Key rotation re-wraps every data key to the KEK's newest version in bounded, resumable runs,
and reports what still names an older version."""

from __future__ import annotations

from typing import Any

from shared.adapters.file_keys import FileKeyProvider
from shared.composition import App
from shared.containers import SUBJECTS
from shared.ports.document_store import Filter, Query
from shared.retention.jobs import Budget
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers


def key_ids(services: App, tenant_id: str) -> set[str]:
    query = Query(filters=[Filter("type", "=", "subject")])
    docs = services.store.query(SUBJECTS.name, (tenant_id,), query, 100).items
    return {d["dataKey"]["keyId"] for d in docs}


def test_every_data_key_follows_the_newest_kek_version_within_the_budget(
    client: AppClient, services: App, tenant: dict[str, Any]
) -> None:
    tid = tenant["tenantId"]
    for visitor in ("v-1", "v-2", "v-3"):
        client.call("collect", body=collect_body(1, visitor), headers=widget_headers(tenant))
    client.drain()
    assert isinstance(services.keys, FileKeyProvider)
    old = key_ids(services, tid)
    services.keys.rotate()
    partial = services.key_rotation.run(Budget(items=2, seconds=60))
    assert (partial["complete"], partial["remainingOnOlderVersions"]) == (False, None)
    done = services.key_rotation.run(Budget(items=100, seconds=60))
    assert (done["complete"], done["remainingOnOlderVersions"]) == (True, 0)
    assert partial["rewrapped"] + done["rewrapped"] == 3
    assert key_ids(services, tid) == {done["currentKeyId"]} and not old & key_ids(services, tid)
    again = services.key_rotation.run(Budget(items=100, seconds=60))
    assert again["rewrapped"] == 0  # nothing left on an older version
