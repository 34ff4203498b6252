"""All configuration, read once from app settings (environment variables).

Every setting here is documented in ``local.settings.example.json``; a test keeps them in step.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class UnsafeSettings(RuntimeError):
    """A combination of settings that must never run; raised at start, naming settings only.

    Not a ValueError, so pydantic lets it through unwrapped and callers can log it as is."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRIVACY_", extra="ignore")

    region: str = "eu"
    """The region this stamp serves; tenants of other regions get 421."""
    regions: str = "eu,us"
    """Regions tenants may be created in (comma-separated)."""
    region_endpoints: dict[str, str] = Field(default_factory=dict)
    """JSON map region -> public base URL, named in 421 answers."""
    data_dir: Path = Path(".data")
    store_backend: Literal["sqlite", "cosmos"] = "sqlite"
    bus_backend: Literal["sqlite", "servicebus"] = "sqlite"
    keys_backend: Literal["files", "keyvault"] = "files"
    cosmos_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("COSMOS__accountEndpoint")
    )
    """Identity-based Cosmos DB connection (the store backend ``cosmos``)."""
    servicebus_namespace: str | None = Field(
        default=None, validation_alias=AliasChoices("SERVICEBUS__fullyQualifiedNamespace")
    )
    """Identity-based Service Bus connection (the bus backend and the queue trigger)."""
    keyvault_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("KEYVAULT__vaultUri")
    )
    """The region's Key Vault (the keys backend ``keyvault``)."""
    exports_blob_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("EXPORTS__blobServiceUri")
    )
    """Blob service for exports; when absent, exports go to a directory under the data dir."""
    cosmos_database: str = "privacy"
    cosmos_control_database: str = "control"
    exports_container: str = "exports"
    kek_name: str = "kek"
    ingest_queue: str = "widget-ingest"
    ingest_max_delivery: int = 10
    dev_auth: bool = False
    """Trust X-MS-CLIENT-PRINCIPAL as sent (local only); deployed apps rely on App Service auth."""
    tenant_groups: dict[str, list[str]] = Field(default_factory=dict)
    """JSON map Entra group object id -> entries its members get, each a tenant id or ``*``
    (crossed with the member's role claims) or ``<tenantId>:<Role>`` (that one role in that one
    tenant); a plain string value stands for a one-item list."""

    export_links: bool = True
    """DSAR zip downloads answer 303 to a short-lived storage link where the blob store makes
    them (Azure); off when storage is reachable only through private endpoints."""

    mail_backend: Literal["mailbox", "acs"] = "mailbox"
    """Where e-mail goes: ``.eml`` files under ``<data dir>/mailbox`` (local runs and tests, so
    nothing leaves the machine) or Azure Communication Services Email (the stamp)."""
    mail_endpoint: str | None = None
    """The Communication Services endpoint (``https://<name>.communication.azure.com``); the
    app identity authenticates, so no connection string or access key is ever configured."""
    mail_sender: str | None = None
    """Sender address of the stamp's Azure-managed domain (``DoNotReply@<guid>.azurecomm.net``):
    ACS refuses any sender its linked domain does not own."""
    oncall_email: str | None = None
    """The platform's on-call address for escalations; the stamp's alert rules mail it too."""
    console_base_url: str = ""
    """Public base URL of the app (``https://<app>.azurewebsites.net``) for console and API
    links in webhooks and e-mails; empty gives relative links (``/api/console/#/...``)."""
    notify_queue: str = "notify"
    """Queue that wakes the notification dispatcher after an outbox write."""
    notify_cron: str = "*/30 * * * * *"
    """Backstop of the dispatcher: relays outbox events whose wake-up was lost and retries
    due deliveries (every 30 s)."""
    webhook_local_urls: bool = False
    """Also accept ``http(s)://127.0.0.1`` and ``http(s)://localhost`` webhook URLs (the
    embedded host, for development); refused on an Azure instance."""
    require_mfa: bool = False
    """Refuse admin calls whose token does not show multi-factor sign-in (``amr``). Off locally,
    where dev auth has no identity provider; on in the stamp (bicep/README.md, MFA)."""
    otel_exporter: Literal["none", "console", "otlp", "azure"] = "none"
    """OpenTelemetry exporter: none in tests, ``azure`` in the stamp (Application Insights with
    the app identity; the connection string only locates the resource)."""

    @field_validator("console_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.strip().rstrip("/")

    @field_validator("mail_endpoint", "mail_sender", "oncall_email", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """local.settings.example.json documents these as "" (the embedded host loads it):
        blank means not configured, so callers test one thing, ``None``."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("tenant_groups", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value) if value.strip() else {}
        if isinstance(value, dict):
            return {g: [t] if isinstance(t, str) else t for g, t in value.items()}
        return value

    @field_validator("tenant_groups")
    @classmethod
    def _known_roles(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        """A mistyped role in a ``<tenantId>:<Role>`` entry fails at start, not silently."""
        from shared.auth import Role

        known = {r.value for r in Role}
        for group, entries in value.items():
            for entry in entries:
                tenant, colon, role = entry.partition(":")
                if colon and (not tenant.strip() or role.strip() not in known):
                    raise ValueError(
                        f"group {group}: entry {entry!r} is not <tenantId>:<Role>; "
                        f"roles: {', '.join(sorted(known))}"
                    )
        return value

    @model_validator(mode="after")
    def _local_webhooks_only_locally(self) -> Settings:
        """Loopback webhook URLs on a deployed app would let a tenant aim deliveries at the
        app's own host (server-side request forgery)."""
        if self.webhook_local_urls and os.environ.get("WEBSITE_INSTANCE_ID"):
            raise UnsafeSettings(
                "PRIVACY_WEBHOOK_LOCAL_URLS is on but WEBSITE_INSTANCE_ID is set (this is an "
                "Azure instance): refusing to start. Remove PRIVACY_WEBHOOK_LOCAL_URLS."
            )
        return self

    @model_validator(mode="after")
    def _dev_auth_only_locally(self) -> Settings:
        """Dev auth trusts a header anyone can send; on an Azure instance that is a hole."""
        if self.dev_auth and os.environ.get("WEBSITE_INSTANCE_ID"):
            raise UnsafeSettings(
                "PRIVACY_DEV_AUTH is on but WEBSITE_INSTANCE_ID is set (this is an Azure App "
                "Service / Functions instance): refusing to start. Remove PRIVACY_DEV_AUTH; "
                "App Service Authentication provides X-MS-CLIENT-PRINCIPAL in Azure."
            )
        return self

    widget_rate_per_second: float = 50.0
    widget_rate_burst: int = 100
    """Per widget key, unless the tenant sets ``rateLimit``; only a Platform.Admin may set one
    above these operator defaults."""
    widget_ip_rate_per_second: float = 10.0
    widget_ip_rate_burst: int = 40
    """Per widget key and client IP, under the key's bucket: one client cannot use up a
    tenant's budget."""
    unknown_key_rate_per_second: float = 0.5
    unknown_key_rate_burst: int = 10
    """Per client IP: widget-key look-ups that find nothing (guessing keys costs a store read)."""
    widget_privacy_requests_per_hour: int = 5
    """Privacy requests a widget may send per hour, per client IP and per visitor."""
    dsr_record_days: int = 1095
    """How long a finished privacy request's record (its certificate and history) is kept, then
    it expires by TTL; a widget request still open expires after its deadline, the longest
    extension and this period. Its personal part goes earlier (tenant ``dsrRecordDays``)."""
    dsr_record_days_ceiling: int = 365
    """The longest ``dsrRecordDays`` a tenant may set: how long a finished request may keep
    its identifiers, requester details and notes before they are deleted."""
    tenant_cache_seconds: float = 30.0
    retention_ceilings: dict[str, int] = Field(default_factory=dict)
    """JSON map category -> longest period (days) a tenant may set."""
    purge_cron: str = "0 */5 * * * *"
    sweep_cron: str = "0 15 * * * *"
    """Backstop sweep of expired subject data and lapsed holds (hourly)."""
    retention_job_cron: str = "*/30 * * * * *"
    """Re-stamp jobs after retention or hold changes (every 30 s)."""
    housekeeping_cron: str = "0 30 3 * * *"
    """Audit retention and dead-letter retention (daily)."""
    offboarding_cron: str = "0 */10 * * * *"
    """Offboarding phase transitions, export and purge (every 10 min)."""
    dsar_housekeeping_cron: str = "0 */5 * * * *"
    """Purge finished DSAR orchestration histories; delete access exports after 7 days."""
    incident_cron: str = "0 */10 * * * *"
    """Escalate breach notices still pending 12 h before their 48 h deadline (every 10 min)."""
    key_rotation_cron: str = "0 0 2 * * *"
    """Re-wrap data keys to the newest KEK version (daily 02:00)."""
    sweep_max_items: int = 50_000
    sweep_max_seconds: float = 60.0
    dead_letter_days: int = 14
    export_window_days: int = 30
    consent_proof_years: int = 3

    @property
    def region_list(self) -> list[str]:
        return [r.strip() for r in self.regions.split(",") if r.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def env_name(field: str) -> str:
    """The app setting a field is read from (its alias, else ``PRIVACY_<FIELD>``)."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"PRIVACY_{field.upper()}"
