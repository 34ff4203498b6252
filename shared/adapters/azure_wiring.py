"""Builds the Azure adapters from settings: identity-based connections only, one credential
and one client per service per process, SDKs imported here and nowhere on the embedded path."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from shared.ports.clock import Clock

if TYPE_CHECKING:
    from shared.ports.blob_store import BlobStore
    from shared.ports.document_store import DocumentStore
    from shared.ports.key_provider import KeyProvider
    from shared.ports.mailer import Mailer
    from shared.ports.message_bus import MessageBus
    from shared.settings import Settings


class MissingConnection(RuntimeError):
    """An Azure backend was chosen but its identity-based connection setting is absent."""


def _require(value: str | None, name: str) -> str:
    if not value:
        raise MissingConnection(f"setting {name} is required for this backend")
    return value


@lru_cache(maxsize=1)
def credential() -> Any:
    """``DefaultAzureCredential``: the app's managed identity in Azure, a developer login locally
    (``AZURE_CLIENT_ID`` selects a user-assigned identity)."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


@lru_cache(maxsize=1)
def _cosmos_client(endpoint: str) -> Any:
    from azure.cosmos import CosmosClient

    return CosmosClient(endpoint, credential())


def cosmos_store(settings: Settings, clock: Clock, database: str) -> DocumentStore:
    from shared.adapters.cosmos_store import CosmosDocumentStore

    endpoint = _require(settings.cosmos_endpoint, "COSMOS__accountEndpoint")
    return CosmosDocumentStore(
        endpoint, database, credential(), clock, client=_cosmos_client(endpoint)
    )


def servicebus_bus(settings: Settings, clock: Clock) -> MessageBus:
    from shared.adapters.servicebus_bus import ServiceBusBus

    namespace = _require(settings.servicebus_namespace, "SERVICEBUS__fullyQualifiedNamespace")
    return ServiceBusBus(namespace, credential(), settings.ingest_max_delivery, clock=clock)


def keyvault_keys(settings: Settings, clock: Clock) -> KeyProvider:
    from shared.adapters.keyvault_keys import KeyVaultKeyProvider

    vault = _require(settings.keyvault_uri, "KEYVAULT__vaultUri")
    return KeyVaultKeyProvider(
        vault,
        settings.kek_name,
        {"blind-index": "blind-index", "transit": "transit"},
        credential(),
        clock=clock,
    )


def blob_store(settings: Settings, clock: Clock) -> BlobStore:
    from shared.adapters.blob_storage import AzureBlobStore

    url = _require(settings.exports_blob_uri, "EXPORTS__blobServiceUri")
    return AzureBlobStore(url, credential(), settings.exports_container, clock=clock)


def acs_mailer(settings: Settings) -> Mailer:
    """Communication Services Email with the app identity (no connection string, no key)."""
    from azure.communication.email import EmailClient

    from shared.adapters.acs_mailer import AcsMailer

    endpoint = _require(settings.mail_endpoint, "PRIVACY_MAIL_ENDPOINT")
    sender = _require(settings.mail_sender, "PRIVACY_MAIL_SENDER")
    return AcsMailer(EmailClient(endpoint, credential()), sender)
