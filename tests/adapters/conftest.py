"""Local servers for the adapter contract suites, started once per session on loopback.

Azurite (npm ``azurite``) serves Blob Storage over HTTPS with a certificate made here and OAuth
on. The Cosmos DB stand-in is the npm package ``@vercel/cosmosdb-server``. It is part of the test
setup (``npm ci``), so when it is missing the Cosmos cases fail with instructions instead of
being skipped quietly. Cases that need a feature the stand-in lacks carry
``@pytest.mark.cosmos_lacks("<feature>")`` and are skipped for the Cosmos adapter only;
``test_cosmos_wire.py`` checks what the adapter sends for those features instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AzureNamedKeyCredential
from azure.cosmos import CosmosClient

from infra.emulators.azurite import Azurite, azurite
from infra.emulators.launch import EMULATOR_KEY, CosmosServer, ServerUnavailable, cosmos_server
from shared.adapters.blob_storage import AzureBlobStore
from shared.adapters.cosmos_store import CosmosDocumentStore
from shared.ports.clock import Clock
from tests.adapters.tls_cert import write_self_signed_cert
from tests.fakes import FakeClock

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


# ---- Azurite (Blob Storage) -----------------------------------------------------------------

TENANT = "00000000-0000-0000-0000-0000000000aa"


@dataclass(frozen=True)
class LocalAzurite:
    server: Azurite
    cert: Path


@pytest.fixture(scope="session")
def local_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAzurite]:
    workdir = tmp_path_factory.mktemp("azurite")
    cert, key = write_self_signed_cert(workdir / "tls")
    with azurite(workdir, cert=cert, key=key, oauth=True) as server:
        yield LocalAzurite(server, cert)


class FakeEntraToken:
    """A token credential whose JWT Azurite's basic OAuth check accepts (unsigned)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        now = int(time.time())
        claims = {
            "aud": "https://storage.azure.com",
            "iss": f"https://sts.windows.net/{TENANT}/",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
            "oid": "11111111-2222-3333-4444-555555555555",
            "tid": TENANT,
        }
        parts = [{"alg": "none", "typ": "JWT"}, claims]
        encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in parts]
        return AccessToken(b".".join([*encoded, b"unsigned"]).decode(), now + 3600)


_opened: list[AzureBlobStore] = []


def key_store(az: LocalAzurite, clock: FakeClock | None = None) -> AzureBlobStore:
    credential = AzureNamedKeyCredential(az.server.account_name, az.server.account_key)
    _opened.append(
        AzureBlobStore(
            az.server.account_url, credential, clock=clock, connection_verify=str(az.cert)
        )
    )
    return _opened[-1]


def token_store(az: LocalAzurite) -> AzureBlobStore:
    _opened.append(
        AzureBlobStore(az.server.account_url, FakeEntraToken(), connection_verify=str(az.cert))
    )
    return _opened[-1]


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    """Close every Azure store a test opened (open HTTPS sessions warn, and warnings fail)."""
    yield
    while _opened:
        _opened.pop().close()


def http_get(url: str, cert: Path) -> tuple[int, bytes, dict[str, str]]:
    context = ssl.create_default_context(cafile=str(cert))
    try:
        with urllib.request.urlopen(url, context=context, timeout=10) as answer:
            return answer.status, answer.read(), {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as error:
        with error:
            return error.code, b"", {}
