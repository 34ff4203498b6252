"""The one place that wires adapters to ports, chosen by settings.

Azure SDKs are imported inside factories, so the embedded mode never loads them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from shared.adapters.factories import BUSES, KEYS, STORES, region_dir
from shared.ports.clock import Clock, SystemClock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.message_bus import MessageBus
from shared.settings import Settings, get_settings

if TYPE_CHECKING:
    from shared.accountability.incident_register import IncidentRegister
    from shared.accountability.incidents import Incidents
    from shared.accountability.notices import IncidentNotices
    from shared.accountability.processing_records import ProcessingRecords
    from shared.accountability.subprocessors import Subprocessors
    from shared.audit.control import ControlAudit
    from shared.audit.quarantine import Quarantine
    from shared.audit.trail import AuditTrail
    from shared.dsar.orchestration_steps import DsarWork
    from shared.dsar.requests import DsarRequests
    from shared.ingest.accept import WidgetIngest
    from shared.ingest.gate import WidgetGate
    from shared.ingest.processor import IngestProcessor
    from shared.ports.blob_store import BlobStore
    from shared.retention.holds import LegalHolds
    from shared.retention.jobs import Budget, RetentionJobs
    from shared.retention.key_rotation import KeyRotation
    from shared.retention.offboarding import OffboardingService
    from shared.retention.sweeps import Sweeps
    from shared.subjects.index_entries import BlindIndexEntries
    from shared.subjects.keys import SubjectKeys
    from shared.subjects.visitors import VisitorBinding
    from shared.tenancy.directory import TenantDirectory


@dataclass
class Services:
    """Everything a function needs, built once per process."""

    settings: Settings
    clock: Clock
    directory: DocumentStore
    """Control plane: tenant settings and widget-key look-ups (no subject data)."""
    store: DocumentStore
    """The stamp region's subject data, audit trail and requests."""
    bus: MessageBus
    keys: KeyProvider
    other_regions: dict[str, DocumentStore] = field(default_factory=dict)

    def close(self) -> None:
        self.bus.close()
        for store in (self.store, self.directory, *self.other_regions.values()):
            store.close()

    def store_for(self, region: str) -> DocumentStore:
        """The store of a tenant's region; only control-plane audit writes reach other regions."""
        if region == self.settings.region:
            return self.store
        if region not in self.other_regions:
            store = STORES[self.settings.store_backend](self.settings, self.clock, "region", region)
            from shared.containers import REGION_CONTAINERS

            for spec in REGION_CONTAINERS:
                store.ensure_container(spec)
            self.other_regions[region] = store
        return self.other_regions[region]

    @cached_property
    def tenants(self) -> TenantDirectory:
        from shared.tenancy.directory import TenantDirectory

        return TenantDirectory(self.directory, self.clock, self.settings, self.quarantine)

    @cached_property
    def quarantine(self) -> Quarantine:
        from shared.audit.quarantine import Quarantine

        return Quarantine(self.store, self.clock, self.control_audit)

    @cached_property
    def subject_keys(self) -> SubjectKeys:
        from shared.subjects.keys import SubjectKeys

        return SubjectKeys(self.store, self.keys, self.clock)

    @cached_property
    def visitors(self) -> VisitorBinding:
        from shared.subjects.visitors import VisitorBinding

        return VisitorBinding(self.store, self.keys, self.subject_keys)

    def audit_for(self, region: str) -> AuditTrail:
        from shared.audit.trail import AuditTrail

        return AuditTrail(self.store_for(region), self.clock)

    @cached_property
    def gate(self) -> WidgetGate:
        from shared.ingest.gate import WidgetGate
        from shared.policies.rate_limit import RateLimiter

        return WidgetGate(self.tenants, RateLimiter(self.clock), self.clock, self.settings)

    @cached_property
    def ingest(self) -> WidgetIngest:
        from shared.ingest.accept import WidgetIngest

        return WidgetIngest(
            self.gate,
            self.store,
            self.bus,
            self.keys,
            self.visitors,
            self.clock,
            self.settings.ingest_queue,
        )

    @cached_property
    def blobs(self) -> BlobStore:
        """Blob Storage when its connection is set, else a directory under the data dir."""
        if self.settings.exports_blob_uri:
            from shared.adapters.azure_wiring import blob_store

            return blob_store(self.settings, self.clock)
        from shared.adapters.dir_blobs import DirectoryBlobStore

        return DirectoryBlobStore(region_dir(self.settings) / "blobs")

    @cached_property
    def index(self) -> BlindIndexEntries:
        from shared.subjects.index_entries import BlindIndexEntries

        return BlindIndexEntries(self.store)

    def budget(self) -> Budget:
        """The bound of one timer run (items and seconds), from settings."""
        from shared.retention.jobs import Budget

        return Budget(self.settings.sweep_max_items, self.settings.sweep_max_seconds)

    @cached_property
    def retention_jobs(self) -> RetentionJobs:
        from shared.retention.jobs import RetentionJobs

        return RetentionJobs(
            self.tenants,
            self.store,
            self.audit_for(self.settings.region),
            self.clock,
            self.settings.region,
        )

    @cached_property
    def legal_holds(self) -> LegalHolds:
        from shared.retention.holds import LegalHolds

        return LegalHolds(
            self.tenants, self.index, self.keys, self.visitors, self.audit_for, self.clock
        )

    @cached_property
    def sweeps(self) -> Sweeps:
        from shared.retention.sweeps import Sweeps

        return Sweeps(
            self.tenants,
            self.store,
            self.bus,
            self.legal_holds,
            self.audit_for,
            self.clock,
            self.settings.region,
            [self.settings.ingest_queue],
            self.settings.dead_letter_days,
        )

    @cached_property
    def offboarding(self) -> OffboardingService:
        from shared.retention.offboarding import OffboardingService

        return OffboardingService(
            self.tenants,
            self.store,
            self.subject_keys,
            self.blobs,
            self.audit_for,
            self.clock,
            self.settings.region,
            self.settings.export_window_days,
            self.settings.consent_proof_years,
        )

    @cached_property
    def dsar_requests(self) -> DsarRequests:
        from shared.dsar.requests import DsarRequests

        return DsarRequests(
            self.store, self.keys, self.clock, self.settings.dsr_record_days, self.quarantine
        )

    @cached_property
    def dsar_work(self) -> DsarWork:
        from shared.dsar.matches import DsarMatches
        from shared.dsar.orchestration_steps import DsarWork
        from shared.dsar.strategies import Strategies

        strategies = Strategies(
            self.store, self.subject_keys, self.index, self.blobs, self.keys, self.clock
        )
        return DsarWork(
            self.dsar_requests,
            self.tenants,
            self.store,
            self.subject_keys,
            self.index,
            self.blobs,
            strategies,
            DsarMatches(self.dsar_requests, self.store, self.keys, self.index, self.visitors),
            self.audit_for,
            self.clock,
            self.settings.region,
        )

    @cached_property
    def key_rotation(self) -> KeyRotation:
        from shared.retention.key_rotation import KeyRotation

        return KeyRotation(self.tenants, self.store, self.keys, self.clock, self.settings.region)

    @cached_property
    def processor(self) -> IngestProcessor:
        from shared.ingest.processor import IngestProcessor

        return IngestProcessor(
            self.tenants,
            self.store,
            self.keys,
            self.subject_keys,
            self.index,
            self.audit_for(self.settings.region),
            self.clock,
            self.settings.dsr_record_days,
        )

    @cached_property
    def control_audit(self) -> ControlAudit:
        from shared.audit.control import ControlAudit

        return ControlAudit(self.audit_for, self.settings.region)

    @cached_property
    def incident_register(self) -> IncidentRegister:
        from shared.accountability.incident_register import IncidentRegister

        return IncidentRegister(self.directory, self.control_audit, self.clock)

    @cached_property
    def incidents(self) -> Incidents:
        from shared.accountability.incidents import Incidents

        return Incidents(
            self.incident_register,
            self.directory,
            self.store,
            self.tenants,
            self.control_audit,
            self.clock,
            self.settings,
        )

    @cached_property
    def incident_notices(self) -> IncidentNotices:
        from shared.accountability.notices import IncidentNotices

        return IncidentNotices(
            self.incident_register,
            self.directory,
            self.tenants,
            self.control_audit,
            self.clock,
            self.settings.region,
        )

    @cached_property
    def subprocessors(self) -> Subprocessors:
        from shared.accountability.subprocessors import Subprocessors

        return Subprocessors(
            self.directory,
            self.tenants,
            self.control_audit,
            self.clock,
            self.settings.region_list,
        )

    @cached_property
    def processing_records(self) -> ProcessingRecords:
        from shared.accountability.processing_records import ProcessingRecords

        return ProcessingRecords(self.dsar_requests, self.subprocessors, self.clock)


def build_services(settings: Settings, clock: Clock | None = None, **overrides: Any) -> Services:
    clock = clock or SystemClock()
    stores = STORES[settings.store_backend]
    store = overrides.get("store") or stores(settings, clock, "region", settings.region)
    directory = overrides.get("directory") or stores(settings, clock, "directory", settings.region)
    services = Services(
        settings=settings,
        clock=clock,
        directory=directory,
        store=store,
        bus=overrides.get("bus") or BUSES[settings.bus_backend](settings, clock),
        keys=overrides.get("keys") or KEYS[settings.keys_backend](settings, clock),
    )
    from shared.containers import ensure_containers

    ensure_containers(services)
    return services


_lock = threading.Lock()
_services: Services | None = None


def get_services() -> Services:
    """The process-wide services, built on first use (never at import time)."""
    global _services
    with _lock:
        if _services is None:
            _services = build_services(get_settings())
        return _services


def install_services(services: Services) -> None:
    """Make ``services`` the process-wide instance (tests, hosts that build their own)."""
    global _services
    with _lock:
        _services = services


def reset_services() -> None:
    """Close and forget the process-wide services (tests, host shutdown)."""
    global _services
    with _lock:
        if _services is not None:
            _services.close()
        _services = None
