"""What the Cosmos adapter sends, read from the local server's request log.

The stand-in cannot run some features (hierarchical keys, TTL expiry, transactional batch;
see ``cosmos_lacks`` in the contract suite), so these tests check the requests for them
instead: Cosmos DB's REST API defines what those requests must carry. A few cases with a fake
client cover what no local server can produce (throttling).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from azure.cosmos import CosmosClient
from azure.cosmos import PartitionKey as CosmosKey
from azure.cosmos.exceptions import CosmosHttpResponseError

from infra.emulators import launch
from infra.emulators.launch import CosmosServer, ServerUnavailable
from shared.adapters.cosmos_store import CosmosDocumentStore, Throttled
from shared.containers import SUBJECTS
from shared.ports.document_store import (
    BatchFailed,
    BatchOp,
    Conflict,
    ContainerSpec,
    Filter,
    NotFound,
    PatchOp,
    PreconditionFailed,
    Query,
    StoreError,
)
from tests.adapters.conftest import cosmos_store, database_for
from tests.fakes import FakeClock

DOCS = ContainerSpec("docs", ("/tenantId", "/subjectId"), default_ttl=-1)
FLAT = ContainerSpec("flat", ("/tenantId",))
PK_HEADER = "x-ms-documentdb-partitionkey"


class Wire:
    """A fresh database on the stand-in, and the requests sent since the last look."""

    def __init__(self, server: CosmosServer, store: CosmosDocumentStore, db: str) -> None:
        self.server, self.store, self.db = server, store, db
        self._seen = len(server.requests())

    def sent(self) -> list[dict[str, Any]]:
        everything = self.server.requests()
        new, self._seen = everything[self._seen :], len(everything)
        return [r for r in new if r["url"].startswith(f"/dbs/{self.db}")]

    def one(self, method: str, suffix: str) -> dict[str, Any]:
        found = [
            r
            for r in self.sent()
            if r["method"] == method and r["url"].rstrip("/").endswith(suffix.rstrip("/"))
        ]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
def wire(
    cosmos_endpoint: CosmosServer, cosmos_client: CosmosClient, tmp_path: Path
) -> Iterator[Wire]:
    store = cosmos_store(cosmos_client, cosmos_endpoint, tmp_path, FakeClock(datetime.now(UTC)))
    yield Wire(cosmos_endpoint, store, database_for(tmp_path))
    store.close()


def doc(item_id: str, subject: str = "s1", **fields: Any) -> dict[str, Any]:
    return {"id": item_id, "tenantId": "t1", "subjectId": subject, **fields}


# ---- containers and TTL --------------------------------------------------------------------


def test_hierarchical_container_is_created_multihash_with_its_default_ttl(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    body = json.loads(wire.one("POST", "/colls/")["body"])
    assert body["id"] == "docs"
    assert body["partitionKey"] == {
        "paths": ["/tenantId", "/subjectId"],
        "kind": "MultiHash",
        "version": 2,
    }
    assert body["defaultTtl"] == -1


def test_ciphertext_and_grouped_events_are_kept_out_of_the_index(wire: Wire) -> None:
    wire.store.ensure_container(SUBJECTS)
    policy = json.loads(wire.one("POST", "/colls/")["body"])["indexingPolicy"]
    assert policy["includedPaths"] == [{"path": "/*"}]
    excluded = {p["path"] for p in policy["excludedPaths"]}
    assert {"/enc/*", "/events/*", "/claims/*", "/dataKey/*"} <= excluded
    wire.store.ensure_container(SUBJECTS)  # already aligned: read only
    assert not [r for r in wire.sent() if r["method"] in ("PUT", "POST")]
    wire.store.ensure_container(replace(SUBJECTS, unindexed=("/enc/*",)))
    changed = json.loads(wire.one("PUT", "/colls/subjects")["body"])["indexingPolicy"]
    assert "/events/*" not in {p["path"] for p in changed["excludedPaths"]}


def test_single_key_container_is_hash_and_ttl_off_sends_no_default_ttl(wire: Wire) -> None:
    wire.store.ensure_container(FLAT)
    body = json.loads(wire.one("POST", "/colls/")["body"])
    assert body["partitionKey"]["paths"] == ["/tenantId"]
    assert body["partitionKey"]["kind"] == "Hash"
    assert "defaultTtl" not in body


def test_a_changed_default_ttl_replaces_the_container_and_keeps_its_key(wire: Wire) -> None:
    wire.store.ensure_container(FLAT)
    wire.sent()
    wire.store.ensure_container(ContainerSpec("flat", ("/tenantId",), default_ttl=30))
    body = json.loads(wire.one("PUT", "/colls/flat")["body"])
    assert body["defaultTtl"] == 30
    assert body["partitionKey"]["paths"] == ["/tenantId"]
    wire.store.ensure_container(ContainerSpec("flat", ("/tenantId",), default_ttl=30))
    assert not [r for r in wire.sent() if r["method"] == "PUT"]  # unchanged: read only
    wire.store.ensure_container(FLAT)
    assert "defaultTtl" not in json.loads(wire.one("PUT", "/colls/flat")["body"])


def test_item_ttl_travels_in_the_item_body_and_in_patches(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    wire.store.create("docs", doc("a", ttl=3600))
    assert json.loads(wire.one("POST", "/colls/docs/docs/")["body"])["ttl"] == 3600
    wire.store.patch("docs", ("t1", "s1"), "a", [PatchOp("set", "/ttl", 60)])
    ops = json.loads(wire.one("PATCH", "/docs/a")["body"])
    assert ops["operations"] == [{"op": "set", "path": "/ttl", "value": 60}]


# ---- partition keys ----------------------------------------------------------------------


def test_point_operations_send_the_full_hierarchical_key(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    created = wire.store.create("docs", doc("a"))
    wire.store.read("docs", ("t1", "s1"), "a")
    wire.store.replace("docs", doc("a", v=2), if_match=created["_etag"])
    wire.store.patch("docs", ("t1", "s1"), "a", [PatchOp("incr", "/n", 1)])
    wire.store.delete("docs", ("t1", "s1"), "a")
    sent = [r for r in wire.sent() if "/colls/docs/docs" in r["url"]]
    assert [r["method"] for r in sent] == ["POST", "GET", "PUT", "PATCH", "DELETE"]
    assert all(json.loads(r["headers"][PK_HEADER]) == ["t1", "s1"] for r in sent)
    assert sent[2]["headers"]["if-match"] == created["_etag"]


def test_full_key_queries_target_one_partition_with_key_filters(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    wire.store.query("docs", ("t1", "s1"), Query([Filter("flags.on", "!=", True)], "v"))
    request = wire.one("POST", "/colls/docs/docs/")
    assert json.loads(request["headers"][PK_HEADER]) == ["t1", "s1"]
    assert "x-ms-documentdb-query-enablecrosspartition" not in request["headers"]
    body = json.loads(request["body"])
    assert body["query"] == (
        'SELECT * FROM c WHERE c["tenantId"] = @k0 AND c["subjectId"] = @k1'
        ' AND c["flags"]["on"] != @p0 ORDER BY c["v"] ASC'
    )
    assert {p["name"]: p["value"] for p in body["parameters"]} == {
        "@k0": "t1",
        "@k1": "s1",
        "@p0": True,
    }


def test_prefix_queries_read_only_the_tenants_key_range(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    wire.store.query("docs", ("t1",))
    request = wire.one("POST", "/colls/docs/docs/")
    headers = request["headers"]
    full = CosmosKey(path=list(DOCS.partition_key_paths), kind="MultiHash")
    tenant_hash = str(full._get_effective_partition_key_string(["t1", "s1"]))[:32]
    assert headers["x-ms-start-epk"] == tenant_hash
    assert headers["x-ms-end-epk"] == tenant_hash + "FF"
    assert headers["x-ms-read-key-type"] == "EffectivePartitionKeyRange"
    assert json.loads(request["body"])["query"] == 'SELECT * FROM c WHERE c["tenantId"] = @k0'


def test_only_the_empty_key_scans_across_partitions(wire: Wire) -> None:
    wire.store.ensure_container(FLAT)
    wire.store.query("flat", ())
    headers = wire.one("POST", "/colls/flat/docs/")["headers"]
    assert headers["x-ms-documentdb-query-enablecrosspartition"] == "True"
    assert PK_HEADER not in headers and "x-ms-start-epk" not in headers


def test_read_many_is_one_single_partition_query(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    wire.store.read_many("docs", ("t1", "s1"), ["a", "b", "a"])
    request = wire.one("POST", "/colls/docs/docs/")
    assert json.loads(request["headers"][PK_HEADER]) == ["t1", "s1"]
    body = json.loads(request["body"])
    assert "ARRAY_CONTAINS(@ids, c.id)" in body["query"]
    assert {"name": "@ids", "value": ["a", "b"]} in body["parameters"]


# ---- batch -------------------------------------------------------------------------------


def test_batch_is_one_atomic_request_carrying_every_operation(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    ops = [
        BatchOp("create", item=doc("new")),
        BatchOp("upsert", item=doc("old", v=2)),
        BatchOp("upsert", item=doc("cond"), if_match='"e1"'),
        BatchOp("replace", item=doc("r"), if_match='"e2"'),
        BatchOp("patch", id="new", patch=[PatchOp("add", "/tags/-", "x")]),
        BatchOp("read", id="old"),
        BatchOp("delete", id="gone", if_match='"e3"'),
    ]
    with pytest.raises(StoreError):  # the stand-in runs creates and upserts only
        wire.store.batch("docs", ("t1", "s1"), ops)
    request = wire.one("POST", "/colls/docs/docs/")
    headers = request["headers"]
    assert headers["x-ms-cosmos-is-batch-request"] == "True"
    assert headers["x-ms-cosmos-batch-atomic"] == "True"
    assert headers["x-ms-cosmos-batch-continue-on-error"] == "False"
    assert json.loads(headers[PK_HEADER]) == ["t1", "s1"]
    assert json.loads(request["body"]) == [
        {"operationType": "Create", "resourceBody": doc("new")},
        {"operationType": "Upsert", "resourceBody": doc("old", v=2)},
        {"operationType": "Replace", "id": "cond", "resourceBody": doc("cond"), "ifMatch": '"e1"'},
        {"operationType": "Replace", "id": "r", "resourceBody": doc("r"), "ifMatch": '"e2"'},
        {
            "operationType": "Patch",
            "id": "new",
            "resourceBody": {"operations": [{"op": "add", "path": "/tags/-", "value": "x"}]},
        },
        {"operationType": "Read", "id": "old"},
        {"operationType": "Delete", "id": "gone", "ifMatch": '"e3"'},
    ]


def test_a_failed_batch_operation_is_reported_with_its_index_and_cause(wire: Wire) -> None:
    wire.store.ensure_container(FLAT)
    wire.store.create("flat", {"id": "dup", "tenantId": "t1"})
    ops = [BatchOp("create", item={"id": i, "tenantId": "t1"}) for i in ("a", "dup", "b")]
    with pytest.raises(BatchFailed) as raised:
        wire.store.batch("flat", ("t1",), ops)
    assert raised.value.index == 1
    assert isinstance(raised.value.cause, Conflict)


# ---- errors and metrics --------------------------------------------------------------------


def test_missing_items_map_to_not_found_and_conditional_upsert_to_412(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    with pytest.raises(NotFound):
        wire.store.delete("docs", ("t1", "s1"), "nope")
    with pytest.raises(NotFound):
        wire.store.replace("docs", doc("nope"))
    with pytest.raises(NotFound):
        wire.store.patch("docs", ("t1", "s1"), "nope", [PatchOp("set", "/v", 1)])
    with pytest.raises(PreconditionFailed):
        wire.store.upsert("docs", doc("nope"), if_match='"x"')
    assert wire.store.delete_many("docs", [(("t1", "s1"), "nope")]) == 0


def test_errors_name_ids_and_codes_but_never_item_content(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    wire.store.create("docs", doc("a", email="jean@example.com"))
    with pytest.raises(Conflict) as raised:
        wire.store.create("docs", doc("a", email="jean@example.com"))
    assert "docs/a" in str(raised.value) and "409" in str(raised.value)
    assert "jean" not in str(raised.value) and raised.value.__cause__ is None


def test_request_charges_are_added_up_per_operation(wire: Wire) -> None:
    wire.store.ensure_container(DOCS)
    wire.store.create("docs", doc("a"))
    wire.store.read("docs", ("t1", "s1"), "a")
    wire.store.read("docs", ("t1", "s1"), "a")
    metrics = wire.store.metrics
    assert metrics.operations["read"] == 2
    assert metrics.request_units["read"] == 2.0  # the stand-in charges 1 RU per request
    assert metrics.request_units["create"] == 1.0


class _ThrottledContainer:
    def __init__(self, failures: int) -> None:
        self.failures, self.calls = failures, 0

    def read(self, **_: Any) -> dict[str, Any]:
        return {"partitionKey": {"paths": ["/tenantId"]}, "defaultTtl": None}

    def read_item(self, item: str, partition_key: Any, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.failures:
            raise CosmosHttpResponseError(status_code=429, message="throttled")
        return {"id": item, "tenantId": partition_key, "_rid": "x"}


class _FakeClient:
    def __init__(self, container: _ThrottledContainer) -> None:
        self.container = container

    def get_database_client(self, _: str) -> _FakeClient:
        return self

    def get_container_client(self, _: str) -> _ThrottledContainer:
        return self.container


@pytest.mark.parametrize(("failures", "succeeds"), [(3, True), (4, False)])
def test_throttling_left_by_the_sdk_gets_a_bounded_jittered_backoff(
    failures: int, succeeds: bool
) -> None:
    container, sleeps = _ThrottledContainer(failures), []
    store = CosmosDocumentStore(
        "https://unused.example/",
        "db",
        "key",
        FakeClock(datetime.now(UTC)),
        client=_FakeClient(container),
        max_attempts=4,
        backoff_cap=0.3,  # type: ignore[arg-type]
        sleep=sleeps.append,
    )
    if succeeds:
        assert store.read("c", ("t1",), "a") == {"id": "a", "tenantId": "t1"}
    else:
        with pytest.raises(Throttled):
            store.read("c", ("t1",), "a")
    assert container.calls == min(failures + 1, 4)
    assert len(sleeps) == 3 and all(0 < s <= 0.3 for s in sleeps)


def test_a_missing_npm_install_is_an_error_that_says_run_npm_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(launch, "PACKAGE", launch.ROOT / "node_modules" / "absent" / "x.json")
    with pytest.raises(ServerUnavailable, match="run `npm ci`"), launch.cosmos_server():
        pass
