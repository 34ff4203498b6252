"""Key rotation: every data key ends up wrapped by the newest KEK version, data stays readable."""

from __future__ import annotations

from typing import Any

from shared.adapters.file_keys import FileKeyProvider
from shared.containers import SUBJECTS
from shared.ports.document_store import Filter, Query
from shared.retention.jobs import Budget
from tests.app_client import AppClient
from tests.conftest import PRIVACY_ADMIN, visitor_secret, widget_headers


def key_ids(client: AppClient, tenant_id: str) -> list[str]:
    query = Query(filters=[Filter("type", "=", "subject")])
    docs = client.services.store.query(SUBJECTS.name, (tenant_id,), query, 1000).items
    return sorted(d["dataKey"]["keyId"] for d in docs)


def test_rotation_rewraps_every_key_in_bounded_runs_and_data_stays_readable(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    for visitor in range(5):
        client.call(
            "submit_contact",
            headers=widget_headers(tenant),
            body={
                "visitorId": f"v-{visitor}",
                "visitorSecret": visitor_secret(f"v-{visitor}"),
                "email": f"person{visitor}@example.org",
                "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
            },
        )
    client.drain()
    keys = client.services.keys
    assert isinstance(keys, FileKeyProvider)
    assert key_ids(client, tenant["tenantId"]) == ["file:kek-v1"] * 5
    keys.rotate()
    keys.add_secret_version("blind-index")
    first = client.services.key_rotation.run(Budget(items=3, seconds=60))
    assert first["complete"] is False and first["rewrapped"] == 3
    rest = client.services.key_rotation.run(Budget(items=1000, seconds=60))
    assert rest == {
        "currentKeyId": "file:kek-v2",
        "secretVersions": {"blind-index": ["2", "1"], "transit": ["1"]},
        "rewrapped": 2,
        "complete": True,
        "remainingOnOlderVersions": 0,
    }
    assert key_ids(client, tenant["tenantId"]) == ["file:kek-v2"] * 5
    client.services.subject_keys._cache.clear()  # prove the new wraps unwrap, not the cache
    contacts = client.call(
        "list_contacts", "GET", headers=PRIVACY_ADMIN, route={"tenantId": tenant["tenantId"]}
    ).json()["items"]
    assert sorted(c["email"] for c in contacts) == [f"person{i}@example.org" for i in range(5)]
    again = client.services.key_rotation.run(Budget(items=1000, seconds=60))
    assert again["rewrapped"] == 0 and again["remainingOnOlderVersions"] == 0
