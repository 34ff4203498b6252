"""Issue 11, finding 3: a redeploy that writes new blind-index and transit secrets must change
nothing a visitor or an operator can see. The app is restarted on the same data directory with
a new version of both secrets beside the old ones, as a redeploy (or a deliberate rotation)
leaves them: queued messages still open, an objecting visitor stays refused, a returning
visitor keeps its subject, and erasures by email and by visitor id find everything."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from shared.adapters.file_keys import FileKeyProvider
from shared.adapters.secret_files import create_secret_file
from shared.composition import compose, install_app, reset_app
from shared.containers import INDEX, SUBJECTS
from shared.crypto.blind_index import blind_index, index_id
from shared.settings import Settings
from tests.app_client import AppClient
from tests.conftest import collect_body, visitor_secret, widget_headers
from tests.fakes import FakeClock
from tests.functions.test_dsar import APPROVER, Dsar

KEEPER_EMAIL, LATE_EMAIL = "keeper@example.org", "late@example.org"


def contact(client: AppClient, tenant: dict[str, Any], visitor: str, email: str) -> None:
    body = {
        "visitorId": visitor,
        "visitorSecret": visitor_secret(visitor),
        "email": email,
        "name": "Someone",
        "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
    }
    assert client.call("submit_contact", body=body, headers=widget_headers(tenant)).status == 202


def collect(client: AppClient, tenant: dict[str, Any], visitor: str, n: int = 2) -> int:
    return client.call(
        "collect", body=collect_body(n, visitor), headers=widget_headers(tenant)
    ).status


def subjects(client: AppClient, tenant_id: str) -> dict[str, dict[str, Any]]:
    items = client.services.store.query(SUBJECTS.name, (tenant_id,), max_items=10_000).items
    return {i["subjectId"]: i for i in items if i["type"] == "subject"}


def items_of(client: AppClient, tenant_id: str, subject_id: str) -> list[dict[str, Any]]:
    return client.services.store.query(SUBJECTS.name, (tenant_id, subject_id)).items


def erase(client: AppClient, tenant: dict[str, Any], clock: FakeClock, ids: dict[str, str]) -> Any:
    dsar = Dsar(client, tenant, clock)
    request_id = json.loads(dsar.start({"type": "erasure", "identifiers": ids}).get_body())[
        "requestId"
    ]
    assert dsar.verify(request_id).status == 200
    assert dsar.decide(request_id, True, headers=APPROVER).status_code == 202
    return dsar.status(request_id)


def redeploy(settings: Settings, clock: FakeClock) -> AppClient:
    """Stop the app, let a deployment write a second version of both secrets, start again."""
    reset_app()
    keys = settings.data_dir / "regions" / settings.region / "keys"
    for name in ("blind-index", "transit"):
        create_secret_file(keys / f"{name}-v2.key", os.urandom(32))
    services = compose(settings, clock=clock)
    install_app(services)
    return AppClient(services)


@pytest.fixture
def before(client: AppClient, tenant: dict[str, Any], clock: FakeClock) -> dict[str, str]:
    """Data made under version 1: an objector, a keeper, and a contact still queued; their
    subject ids by visitor."""
    assert collect(client, tenant, "v-objector") == 202
    assert collect(client, tenant, "v-keeper", 3) == 202
    contact(client, tenant, "v-keeper", KEEPER_EMAIL)
    client.drain()
    Dsar(client, tenant, clock).start(
        {"type": "objection", "identifiers": {"visitorId": "v-objector"}}
    )
    assert collect(client, tenant, "v-objector") == 409
    contact(client, tenant, "v-late", LATE_EMAIL)  # sealed under transit v1, not processed yet
    return {
        v: client.services.visitors.find(tenant["tenantId"], v).subject_id
        for v in ("v-objector", "v-keeper", "v-late")
    }


def test_a_redeploy_with_new_secret_versions_changes_nothing_visible(
    before: dict[str, str], tenant: dict[str, Any], settings: Settings, clock: FakeClock
) -> None:
    tid = tenant["tenantId"]
    client = redeploy(settings, clock)
    keys = client.services.keys
    assert isinstance(keys, FileKeyProvider)
    assert [v.version for v in keys.secret_versions("blind-index")] == ["2", "1"]

    assert client.drain() == 1  # the message sealed before the change is processed after it
    assert len([i for i in items_of(client, tid, before["v-late"]) if i["type"] == "contact"]) == 1
    assert collect(client, tenant, "v-objector") == 409  # an objection survives the redeploy
    assert collect(client, tenant, "v-keeper") == 202  # same visitor, same subject
    wrong = collect_body(1, "v-keeper") | {"visitorSecret": "not-the-keepers-secret-00"}
    assert client.call("collect", body=wrong, headers=widget_headers(tenant)).status == 403
    client.drain()
    assert sorted(subjects(client, tid)) == sorted(before.values())  # no second subject
    keeper = before["v-keeper"]
    assert sum(len(i.get("events", [])) for i in items_of(client, tid, keeper)) == 3 + 2
    v2 = blind_index(keys.secret_version("blind-index", "2"), tid, "visitor", "v-keeper")
    entry = client.services.store.read(INDEX.name, (tid,), index_id("visitor", v2))
    assert entry["subjectIds"] == [keeper] and entry["keyVersion"] == "2"  # re-indexed

    by_email = erase(client, tenant, clock, {"email": KEEPER_EMAIL})
    assert by_email["result"]["verification"]["outcome"] == "verified"
    assert [m["subjectRef"] for m in by_email["matches"]] == [keeper]
    assert items_of(client, tid, keeper) == []
    by_visitor = erase(client, tenant, clock, {"visitorId": "v-late"})
    assert by_visitor["result"]["verification"]["outcome"] == "verified"
    assert [m["subjectRef"] for m in by_visitor["matches"]] == [before["v-late"]]
    assert items_of(client, tid, before["v-late"]) == []
    index = client.services.store.query(INDEX.name, (tid,), max_items=1000).items
    assert {s for i in index for s in i["subjectIds"]} == {before["v-objector"]}
    nobody = erase(client, tenant, clock, {"email": "never-seen@example.org"})
    assert nobody["result"]["verification"] == {
        "verified": False,
        "outcome": "nothing_found",
        "subjectsErased": 0,
        "subjectsStillReadable": 0,
        "subjectsKeptUnderHold": 0,
    }


def test_a_new_visitor_after_the_redeploy_gets_an_id_under_the_new_version(
    before: dict[str, str], tenant: dict[str, Any], settings: Settings, clock: FakeClock
) -> None:
    client = redeploy(settings, clock)
    assert collect(client, tenant, "v-newcomer") == 202
    found = client.services.visitors.find(tenant["tenantId"], "v-newcomer")
    assert found.key_version == "2" and found.doc is not None
    assert found.doc["idKeyVersion"] == "2" and found.doc["visitorSecret"]["keyVersion"] == "2"
    assert found.subject_id not in before.values()
