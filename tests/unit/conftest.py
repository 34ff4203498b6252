"""Ports for unit tests: the embedded store and file keys on tmp_path, the fake clock.

Unit tests build the one class they test with these (fakes and local adapters at the ports
only), or take a whole graph from ``compose`` when the use case needs many collaborators.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.file_keys import FileKeyProvider
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import DIRECTORY_CONTAINERS, REGION_CONTAINERS
from shared.tenancy.models import Tenant
from tests.fakes import FakeClock


@pytest.fixture
def region_store(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteDocumentStore]:
    store = SqliteDocumentStore(tmp_path / "region.sqlite", clock)
    for spec in REGION_CONTAINERS:
        store.ensure_container(spec)
    yield store
    store.close()


@pytest.fixture
def directory_store(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteDocumentStore]:
    store = SqliteDocumentStore(tmp_path / "directory.sqlite", clock)
    for spec in DIRECTORY_CONTAINERS:
        store.ensure_container(spec)
    yield store
    store.close()


@pytest.fixture
def keys(tmp_path: Path) -> FileKeyProvider:
    return FileKeyProvider(tmp_path / "keys")


def a_tenant(clock: FakeClock, **fields: object) -> Tenant:
    """A tenant as the directory would read it (defaults: region eu, no overrides)."""
    now = clock.now()
    return Tenant.model_validate(
        {
            "tenantId": "t-1",
            "name": "Shop",
            "region": "eu",
            "allowedOrigins": ["https://shop.example"],
            "retention": {},
            "recordingEnabled": False,
            "ipPolicy": "truncate",
            "createdAt": now,
            "updatedAt": now,
            **fields,
        }
    )
