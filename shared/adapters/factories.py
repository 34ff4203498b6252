"""Adapter factories per port, chosen by name from settings (unknown names fail at start).

Azure SDKs are imported inside the factories, so the embedded mode never loads them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from shared.containers import REGION_CONTAINERS
from shared.errors import MisdirectedRequest
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.mailer import Mailer
from shared.ports.message_bus import MessageBus
from shared.ports.webhook_sender import WebhookSender
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.audit.trail import AuditTrail


def region_dir(settings: Settings, region: str | None = None) -> Path:
    return settings.data_dir / "regions" / (region or settings.region)


StoreRole = Literal["region", "directory"]


def _sqlite_store(settings: Settings, clock: Clock, role: StoreRole, region: str) -> DocumentStore:
    from shared.adapters.embedded_data import STORE_FILE
    from shared.adapters.sqlite_store import SqliteDocumentStore

    if role == "directory":
        return SqliteDocumentStore(settings.data_dir / "directory.sqlite", clock)
    return SqliteDocumentStore(region_dir(settings, region) / STORE_FILE, clock)


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
    from shared.adapters.embedded_data import BUS_FILE
    from shared.adapters.sqlite_bus import SqliteBus

    return SqliteBus(
        region_dir(settings) / BUS_FILE, clock, max_delivery_count=settings.ingest_max_delivery
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


def _mailbox_mailer(settings: Settings, clock: Clock) -> Mailer:
    from shared.adapters.mailbox_mailer import MailboxMailer

    return MailboxMailer(settings.data_dir / "mailbox", clock, settings.mail_sender)


def _acs_mailer(settings: Settings, clock: Clock) -> Mailer:
    from shared.adapters.azure_wiring import acs_mailer

    return acs_mailer(settings)


MAILERS: dict[str, Callable[[Settings, Clock], Mailer]] = {
    "mailbox": _mailbox_mailer,
    "acs": _acs_mailer,
}


def webhook_sender() -> WebhookSender:
    """Outbound webhook POSTs (urllib3, pinned to the vetted address)."""
    from shared.adapters.urllib3_sender import Urllib3Sender

    return Urllib3Sender()


def blob_store(settings: Settings, clock: Clock) -> BlobStore:
    """Blob Storage when its connection is set, else a directory under the data dir."""
    if settings.exports_blob_uri:
        from shared.adapters.azure_wiring import blob_store as azure_blobs

        return azure_blobs(settings, clock)
    from shared.adapters.dir_blobs import DirectoryBlobStore

    return DirectoryBlobStore(region_dir(settings) / "blobs")


class RegionStores:
    """The stamp region's store and, on demand, another region's: only control-plane audit
    writes reach other regions (embedded mode keeps every region on this machine; a Cosmos
    stamp answers 421, each region being its own stamp)."""

    def __init__(self, settings: Settings, clock: Clock, home: DocumentStore) -> None:
        self._settings = settings
        self._clock = clock
        self._home = home
        self._others: dict[str, DocumentStore] = {}

    def store_for(self, region: str) -> DocumentStore:
        if region == self._settings.region:
            return self._home
        if region not in self._others:
            store = STORES[self._settings.store_backend](
                self._settings, self._clock, "region", region
            )
            for spec in REGION_CONTAINERS:
                store.ensure_container(spec)
            self._others[region] = store
        return self._others[region]

    def audit_for(self, region: str) -> AuditTrail:
        """The audit trail of ``region``'s store (a tenant's trail lives with its data)."""
        from shared.audit.trail import AuditTrail

        return AuditTrail(self.store_for(region), self._clock)

    def close(self) -> None:
        for store in (self._home, *self._others.values()):
            store.close()
