"""Adapter selection from settings: embedded by default, Azure only when asked and connected."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.adapters.azure_wiring import MissingConnection
from shared.composition import compose
from shared.errors import MisdirectedRequest
from shared.settings import Settings


def test_embedded_adapters_are_the_default(tmp_path: Path) -> None:
    services = compose(Settings(data_dir=tmp_path))
    names = {
        type(p).__name__ for p in (services.store, services.bus, services.keys, services.blobs)
    }
    assert names == {"SqliteDocumentStore", "SqliteBus", "FileKeyProvider", "DirectoryBlobStore"}
    services.close()


@pytest.mark.parametrize(
    ("backend", "setting"),
    [
        ({"bus_backend": "servicebus"}, "SERVICEBUS__fullyQualifiedNamespace"),
        ({"keys_backend": "keyvault"}, "KEYVAULT__vaultUri"),
        ({"store_backend": "cosmos"}, "COSMOS__accountEndpoint"),
    ],
)
def test_an_azure_backend_without_its_connection_fails_at_start_naming_it(
    tmp_path: Path, backend: dict[str, str], setting: str
) -> None:
    with pytest.raises(MissingConnection, match=setting):
        compose(Settings(data_dir=tmp_path, **backend))  # type: ignore[arg-type]


def test_another_regions_store_is_not_reachable_from_a_cosmos_stamp(tmp_path: Path) -> None:
    from shared.adapters.factories import STORES

    with pytest.raises(MisdirectedRequest):
        STORES["cosmos"](Settings(data_dir=tmp_path), None, "region", "us")  # type: ignore[arg-type]
