"""The composition root: the one place that builds the object graph from settings.

Adapters are chosen by name from settings (``shared.adapters.factories``; Azure SDKs are
imported inside those factories, so the embedded mode never loads them), then every use case
is built once, here, with exactly the collaborators it uses: no use case receives the graph.
The function layer (``functions/``) asks ``get_app()`` for the use case a trigger calls.

Hosts: the Functions host needs nothing (the graph is built on first use, with the system
clock). A host that serves the app in-process with its own clock or bus (the embedded host)
calls ``start(clock)`` once before serving and ``stop()`` when it stops: that is its whole
contact with the app's wiring. Tests build their own graph with ``compose`` (fakes and local
stores at the ports) and install it with ``install_app``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields
from typing import Any

from shared.accountability.incident_register import IncidentRegister
from shared.accountability.incidents import Incidents
from shared.accountability.notices import IncidentNotices
from shared.accountability.processing_records import ProcessingRecords
from shared.accountability.subprocessors import Subprocessors
from shared.adapters.factories import BUSES, KEYS, STORES, RegionStores, blob_store
from shared.audit.control import ControlAudit
from shared.audit.quarantine import Quarantine
from shared.audit.trail import AuditTrail
from shared.containers import ensure_containers
from shared.dsar.admin import DsarAdmin
from shared.dsar.matches import DsarMatches
from shared.dsar.orchestration_steps import OrchestrationSteps
from shared.dsar.requests import DsarRequests
from shared.dsar.strategies import Strategies
from shared.ingest.accept import WidgetIngest
from shared.ingest.gate import WidgetGate
from shared.ingest.processor import IngestProcessor
from shared.operations.readiness import Operations, operations_for
from shared.policies.rate_limit import RateLimiter
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock, SystemClock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.message_bus import MessageBus
from shared.retention.admin import RetentionAdmin
from shared.retention.holds import LegalHolds
from shared.retention.jobs import Budget, RetentionJobs
from shared.retention.key_rotation import KeyRotation
from shared.retention.offboarding import OffboardingService
from shared.retention.sweeps import Sweeps
from shared.settings import Settings, get_settings
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.keys import SubjectKeys
from shared.subjects.visitors import VisitorBinding
from shared.telemetry import exporters
from shared.telemetry.proxies import traced
from shared.tenancy.admin import TenantAdmin
from shared.tenancy.directory import TenantDirectory


@dataclass(frozen=True)
class App:
    """The built graph: the ports, then the use cases triggers call (grouped by capability)."""

    settings: Settings
    clock: Clock
    store: DocumentStore
    """The stamp region's subject data, audit trail and requests."""
    directory: DocumentStore
    """Control plane: tenant settings, widget-key and origin look-ups, the registers."""
    bus: MessageBus
    keys: KeyProvider
    blobs: BlobStore
    regions: RegionStores
    # audit and tenancy
    control_audit: ControlAudit
    quarantine: Quarantine
    tenants: TenantDirectory
    tenant_admin: TenantAdmin
    # subjects and ingest
    subject_keys: SubjectKeys
    index: BlindIndexEntries
    visitors: VisitorBinding
    gate: WidgetGate
    ingest: WidgetIngest
    processor: IngestProcessor
    # retention
    legal_holds: LegalHolds
    retention_jobs: RetentionJobs
    sweeps: Sweeps
    offboarding: OffboardingService
    key_rotation: KeyRotation
    retention_admin: RetentionAdmin
    # data-subject requests
    dsar_requests: DsarRequests
    dsar_steps: OrchestrationSteps
    dsar_admin: DsarAdmin
    # accountability
    incident_register: IncidentRegister
    incidents: Incidents
    incident_notices: IncidentNotices
    subprocessors: Subprocessors
    processing_records: ProcessingRecords
    operations: Operations

    def audit_for(self, region: str) -> AuditTrail:
        """The audit trail kept in ``region`` (a tenant's trail lives with its data)."""
        return self.regions.audit_for(region)

    def budget(self) -> Budget:
        """The bound of one timer run (items and seconds), from settings."""
        return Budget(self.settings.sweep_max_items, self.settings.sweep_max_seconds)

    def close(self) -> None:
        self.operations.close()
        self.bus.close()
        self.directory.close()
        self.regions.close()


def compose(
    settings: Settings, clock: Clock | None = None, *, store: DocumentStore | None = None,
    directory: DocumentStore | None = None, bus: MessageBus | None = None,
    keys: KeyProvider | None = None, blobs: BlobStore | None = None,
) -> App:
    """Build the whole graph from settings; a port given here replaces its adapter (tests)."""
    clock = clock or SystemClock()
    stores = STORES[settings.store_backend]
    region = store or stores(settings, clock, "region", settings.region)
    control = directory or stores(settings, clock, "directory", settings.region)
    ensure_containers(region, control)
    queue = bus or BUSES[settings.bus_backend](settings, clock)
    vault = keys or KEYS[settings.keys_backend](settings, clock)
    region, control, queue, vault = traced(region, control, queue, vault)  # spans, when on
    ports = (settings, clock, region, control, queue, vault, blobs or blob_store(settings, clock))
    return _build(_Ports(*ports, RegionStores(settings, clock, region)))


@dataclass(frozen=True)
class _Ports:
    settings: Settings
    clock: Clock
    store: DocumentStore
    directory: DocumentStore
    bus: MessageBus
    keys: KeyProvider
    blobs: BlobStore
    regions: RegionStores


Part = dict[str, Any]
"""The use cases one capability contributes to ``App``, by field name."""


def _build(p: _Ports) -> App:
    part: Part = {f.name: getattr(p, f.name) for f in fields(_Ports)}
    for capability in (_audit_and_tenancy, _subjects_and_ingest, _retention, _dsar, _records):
        part |= capability(p, part)
    part["operations"] = operations_for(part, p.settings, p.clock)
    return App(**part)


def _audit_and_tenancy(p: _Ports, built: Part) -> Part:
    control = ControlAudit(p.regions.audit_for, p.settings.region)
    quarantine = Quarantine(p.store, p.clock, control)
    tenants = TenantDirectory(p.directory, p.clock, p.settings, quarantine)
    subject_keys = SubjectKeys(p.store, p.keys, p.clock)
    admin = TenantAdmin(
        tenants, p.store, control, p.regions.audit_for, p.regions.store_for, subject_keys,
        p.settings, p.clock
    )
    return {
        "control_audit": control, "quarantine": quarantine, "tenants": tenants, "subject_keys":
        subject_keys, "tenant_admin": admin
    }


def _subjects_and_ingest(p: _Ports, built: Part) -> Part:
    tenants, subject_keys = built["tenants"], built["subject_keys"]
    visitors = VisitorBinding(p.store, p.keys, subject_keys)
    index = BlindIndexEntries(p.store)
    gate = WidgetGate(tenants, RateLimiter(p.clock), p.clock, p.settings)
    ingest = WidgetIngest(gate, p.store, p.bus, p.keys, visitors, p.clock, p.settings.ingest_queue)
    processor = IngestProcessor(
        tenants, p.store, p.keys, subject_keys, index, p.regions.audit_for(p.settings.region),
        p.clock, p.settings.dsr_record_days
    )
    return {
        "visitors": visitors, "index": index, "gate": gate, "ingest": ingest, "processor":
        processor
    }


def _retention(p: _Ports, built: Part) -> Part:
    s, tenants, audit_for = p.settings, built["tenants"], p.regions.audit_for
    holds = LegalHolds(tenants, built["index"], p.keys, built["visitors"], audit_for, p.clock)
    offboarding = OffboardingService(
        tenants, p.store, built["subject_keys"], p.blobs, audit_for, p.clock, s.region,
        s.export_window_days, s.consent_proof_years
    )
    sweeps = Sweeps(
        tenants, p.store, p.bus, holds, audit_for, p.clock, s.region, [s.ingest_queue],
        s.dead_letter_days
    )
    return {
        "legal_holds": holds,
        "offboarding": offboarding,
        "sweeps": sweeps,
        "retention_jobs": RetentionJobs(tenants, p.store, audit_for(s.region), p.clock, s.region),
        "key_rotation": KeyRotation(tenants, p.store, p.keys, p.clock, s.region),
        "retention_admin": RetentionAdmin(
            tenants, holds, offboarding, p.blobs, built["control_audit"], p.clock, s.export_links
        ),
    }


def _dsar(p: _Ports, built: Part) -> Part:
    s, tenants, index = p.settings, built["tenants"], built["index"]
    subject_keys, visitors = built["subject_keys"], built["visitors"]
    requests = DsarRequests(p.store, p.keys, p.clock, s.dsr_record_days, built["quarantine"])
    strategies = Strategies(p.store, subject_keys, index, p.blobs, p.keys, p.clock)
    matches = DsarMatches(requests, p.store, p.keys, index, visitors)
    steps = OrchestrationSteps(
        requests, tenants, p.store, subject_keys, index, p.blobs, strategies, matches,
        p.regions.audit_for, p.clock, s.region
    )
    admin = DsarAdmin(
        requests, steps, tenants, p.keys, p.blobs, built["control_audit"], p.clock, s.export_links
    )
    return {"dsar_requests": requests, "dsar_steps": steps, "dsar_admin": admin}


def _records(p: _Ports, built: Part) -> Part:
    s, tenants, control = p.settings, built["tenants"], built["control_audit"]
    register = IncidentRegister(p.directory, control, p.clock)
    subprocessors = Subprocessors(p.directory, tenants, control, p.clock, s.region_list)
    return {
        "incident_register": register,
        "incidents": Incidents(register, p.directory, p.store, tenants, control, p.clock, s),
        "incident_notices": IncidentNotices(
            register, p.directory, tenants, control, p.clock, s.region
        ),
        "subprocessors": subprocessors,
        "processing_records": ProcessingRecords(
            tenants, built["dsar_requests"], subprocessors, control, p.clock
        ),
    }


# -- the process-wide graph ------------------------------------------------------------------

_lock = threading.Lock()
_app: App | None = None


def get_app() -> App:
    """The process-wide graph, built on first use (never at import time)."""
    global _app
    with _lock:
        if _app is None:
            _app = _process_app()
        return _app


def install_app(app: App) -> None:
    """Make ``app`` the process-wide graph (tests that built their own)."""
    global _app
    with _lock:
        _app = app


def reset_app() -> None:
    """Close and forget the process-wide graph."""
    global _app
    with _lock:
        if _app is not None:
            _app.close()
        _app = None


def start(clock: Clock) -> MessageBus:
    """The hook for a host serving this app in-process (``infra/embedded_host``): build the
    graph once from settings with the host's clock (keys are checked now, so a lost key file
    refuses the start) and return the bus whose queues the host's triggers pull from."""
    app = _process_app(clock)
    install_app(app)
    return app.bus


def _process_app(clock: Clock | None = None) -> App:
    exporters.configure(get_settings().otel_exporter)  # first, so that its ports are traced
    return compose(get_settings(), clock)


def stop() -> None:
    """The host's counterpart of ``start``: close the graph's stores and bus."""
    reset_app()
