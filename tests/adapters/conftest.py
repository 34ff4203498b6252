"""Local servers for the adapter contract suites, started once per session on loopback.

The Cosmos DB stand-in is the npm package ``@vercel/cosmosdb-server``. It is part of the test
setup (``npm ci``), so when it is missing the Cosmos cases fail with instructions instead of
being skipped quietly. Cases that need a feature the stand-in lacks carry
``@pytest.mark.cosmos_lacks("<feature>")`` and are skipped for the Cosmos adapter only;
``test_cosmos_wire.py`` checks what the adapter sends for those features instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.cosmos import CosmosClient

from infra.emulators.launch import EMULATOR_KEY, CosmosServer, ServerUnavailable, cosmos_server
from shared.adapters.cosmos_store import CosmosDocumentStore
from shared.ports.clock import Clock

# The stand-in's certificate is self-signed (and expired): verification is off for it alone.
INSECURE_LOOPBACK = "ignore:Unverified HTTPS request is being made to host '127.0.0.1'"
HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cosmos_lacks(feature): skip for the Cosmos adapter, the stand-in lacks it"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.filterwarnings(INSECURE_LOOPBACK))


def skip_if_lacking(request: pytest.FixtureRequest, adapter: str) -> None:
    """Skip a ``cosmos_lacks`` case when it runs on the Cosmos adapter."""
    marker = request.node.get_closest_marker("cosmos_lacks")
    if marker is not None and adapter == "cosmos":
        pytest.skip(f"cosmosdb-server lacks {marker.args[0]}")


@pytest.fixture(scope="session")
def cosmos_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CosmosServer]:
    """The running stand-in; its request log records every request it answered."""
    try:
        with cosmos_server(tmp_path_factory.mktemp("cosmosdb-server")) as server:
            yield server
    except ServerUnavailable as exc:
        pytest.fail(f"Cosmos DB stand-in unavailable: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def cosmos_client(cosmos_endpoint: CosmosServer) -> Iterator[CosmosClient]:
    """One client per process, as in production; key auth and no TLS check for loopback only."""
    client = CosmosClient(cosmos_endpoint.endpoint, EMULATOR_KEY, connection_verify=False)
    yield client
    client.close()


def database_for(directory: Path) -> str:
    """One database per test directory: fresh per test, the same again when reopened."""
    return "db-" + hashlib.sha256(str(directory).encode()).hexdigest()[:16]


def cosmos_store(
    client: CosmosClient, server: CosmosServer, directory: Path, clock: Clock
) -> CosmosDocumentStore:
    return CosmosDocumentStore(
        server.endpoint,
        database_for(directory),
        EMULATOR_KEY,
        clock,
        connection_verify=False,
        client=client,
    )
