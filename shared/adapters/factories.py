"""Adapter factories per port, chosen by name from settings (unknown names fail at start).

Azure SDKs are imported inside the factories, so the embedded mode never loads them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from shared.errors import MisdirectedRequest
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.message_bus import MessageBus
from shared.settings import Settings


def region_dir(settings: Settings, region: str | None = None) -> Path:
    return settings.data_dir / "regions" / (region or settings.region)


StoreRole = Literal["region", "directory"]


def _sqlite_store(settings: Settings, clock: Clock, role: StoreRole, region: str) -> DocumentStore:
    from shared.adapters.sqlite_store import SqliteDocumentStore

    if role == "directory":
        return SqliteDocumentStore(settings.data_dir / "directory.sqlite", clock)
    return SqliteDocumentStore(region_dir(settings, region) / "store.sqlite", clock)


def _cosmos_store(settings: Settings, clock: Clock, role: StoreRole, region: str) -> DocumentStore:
    """Each stamp has its own account: another region's store is not reachable from here."""
    from shared.adapters.azure_wiring import cosmos_store

    if region != settings.region:
        endpoint = settings.region_endpoints.get(region, "")
        raise MisdirectedRequest(
            f"region '{region}' is served by its own stamp",
            extra={"region": region, "endpoint": endpoint},
        )
    database = (
        settings.cosmos_control_database if role == "directory" else (settings.cosmos_database)
    )
    return cosmos_store(settings, clock, database)


def _sqlite_bus(settings: Settings, clock: Clock) -> MessageBus:
    from shared.adapters.sqlite_bus import SqliteBus

    return SqliteBus(
        region_dir(settings) / "bus.sqlite", clock, max_delivery_count=settings.ingest_max_delivery
    )


def _servicebus_bus(settings: Settings, clock: Clock) -> MessageBus:
    from shared.adapters.azure_wiring import servicebus_bus

    return servicebus_bus(settings, clock)


def _file_keys(settings: Settings, clock: Clock) -> KeyProvider:
    from shared.adapters.embedded_data import region_holds
    from shared.adapters.file_keys import FileKeyProvider

    region = region_dir(settings)
    return FileKeyProvider(region / "keys", data_exists=lambda kind: region_holds(region, kind))


def _keyvault_keys(settings: Settings, clock: Clock) -> KeyProvider:
    from shared.adapters.azure_wiring import keyvault_keys

    return keyvault_keys(settings, clock)


STORES: dict[str, Callable[[Settings, Clock, StoreRole, str], DocumentStore]] = {
    "sqlite": _sqlite_store,
    "cosmos": _cosmos_store,
}
BUSES: dict[str, Callable[[Settings, Clock], MessageBus]] = {
    "sqlite": _sqlite_bus,
    "servicebus": _servicebus_bus,
}
KEYS: dict[str, Callable[[Settings, Clock], KeyProvider]] = {
    "files": _file_keys,
    "keyvault": _keyvault_keys,
}
