"""The composition root: the one place that builds the object graph from settings.

Adapters are chosen by name from settings (``shared.adapters.factories``: Azure SDKs load only
there), then every use case is built once, here, with exactly the collaborators it uses: no use
case receives the graph. Functions ask ``get_app()`` for the use case a trigger calls; the
Functions host builds it on first use. A host serving the app in-process (the embedded host)
calls ``start(clock)`` and ``stop()``: its whole contact with the wiring. Tests build their own
graph with ``compose`` (fakes and local stores at the ports) and ``install_app`` it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from shared.accountability.authority import AuthorityRegister
from shared.accountability.incident_register import IncidentRegister
from shared.accountability.incidents import Incidents
from shared.accountability.notices import IncidentNotices
from shared.accountability.processing_records import ProcessingRecords
from shared.accountability.subprocessors import Subprocessors
from shared.adapters import factories as make
from shared.audit.control import ControlAudit
from shared.audit.quarantine import Quarantine
from shared.audit.trail import AuditTrail
from shared.containers import ensure_containers
from shared.dsar.admin import DsarAdmin
from shared.dsar.erasure_check import ErasureCheck
from shared.dsar.housekeeping import DsarHousekeeping
from shared.dsar.matches import DsarMatches
from shared.dsar.orchestration_steps import OrchestrationSteps
from shared.dsar.requests import DsarRequests
from shared.dsar.strategies import Strategies
from shared.dsar.workflow import DsarWorkflow
from shared.ingest.accept import WidgetIngest
from shared.ingest.gate import WidgetGate
from shared.ingest.processor import IngestProcessor
from shared.notify.assembly import build_notify
from shared.notify.dispatcher import Dispatcher
from shared.notify.outbox import Outbox
from shared.notify.ssrf import Resolver, system_resolve
from shared.notify.webhooks import Webhooks
from shared.policies.rate_limit import RateLimiter
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock, SystemClock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.mailer import Mailer
from shared.ports.message_bus import MessageBus
from shared.ports.webhook_sender import WebhookSender
from shared.recordings.audio import AudioChunks
from shared.recordings.cleanup import RecordingCleanup
from shared.recordings.service import Recordings
from shared.retention.admin import RetentionAdmin
from shared.retention.holds import LegalHolds
from shared.retention.jobs import Budget, RetentionJobs
from shared.retention.key_rotation import KeyRotation
from shared.retention.offboarding import OffboardingService
from shared.retention.sweeps import Sweeps
from shared.settings import Settings
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.keys import SubjectKeys
from shared.subjects.linking import IdentifierLinks
from shared.subjects.visitors import VisitorBinding
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
    regions: make.RegionStores
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
    recordings: Recordings
    recording_cleanup: RecordingCleanup
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
    dsar_workflow: DsarWorkflow
    dsar_housekeeping: DsarHousekeeping
    # accountability
    incident_register: IncidentRegister
    incidents: Incidents
    incident_notices: IncidentNotices
    subprocessors: Subprocessors
    processing_records: ProcessingRecords
    # notifications
    mailer: Mailer
    outbox: Outbox
    webhooks: Webhooks
    dispatcher: Dispatcher
    authority: AuthorityRegister

    def audit_for(self, region: str) -> AuditTrail:
        """The audit trail kept in ``region`` (a tenant's trail lives with its data)."""
        return self.regions.audit_for(region)

    def budget(self) -> Budget:
        """The bound of one timer run (items and seconds), from settings."""
        return Budget(self.settings.sweep_max_items, self.settings.sweep_max_seconds)

    def close(self) -> None:
        self.bus.close()
        self.directory.close()
        self.regions.close()


def compose(
    settings: Settings,
    clock: Clock | None = None,
    *,
    store: DocumentStore | None = None,
    directory: DocumentStore | None = None,
    bus: MessageBus | None = None,
    keys: KeyProvider | None = None,
    blobs: BlobStore | None = None,
    mailer: Mailer | None = None,
    sender: WebhookSender | None = None,
    resolve: Resolver | None = None,
) -> App:
    """Build the whole graph from settings; a port given here replaces its adapter (tests)."""
    clock = clock or SystemClock()
    stores = make.STORES[settings.store_backend]
    store = store or stores(settings, clock, "region", settings.region)
    directory = directory or stores(settings, clock, "directory", settings.region)
    ensure_containers(store, directory)
    return _build(_Ports(
        settings, clock, store, directory,
        bus or make.BUSES[settings.bus_backend](settings, clock),
        keys or make.KEYS[settings.keys_backend](settings, clock),
        blobs or make.blob_store(settings, clock),
        make.RegionStores(settings, clock, store),
        mailer or make.MAILERS[settings.mail_backend](settings, clock),
        sender or make.webhook_sender(),
        resolve or system_resolve,
    ))


@dataclass(frozen=True)
class _Ports:
    settings: Settings
    clock: Clock
    store: DocumentStore
    directory: DocumentStore
    bus: MessageBus
    keys: KeyProvider
    blobs: BlobStore
    regions: make.RegionStores
    mailer: Mailer
    sender: WebhookSender
    resolve: Resolver


Part = dict[str, Any]
"""The use cases one capability contributes to ``App``, by field name."""


def _build(p: _Ports) -> App:
    part: Part = {f.name: getattr(p, f.name) for f in fields(_Ports)}
    del part["sender"], part["resolve"]
    part["outbox"] = Outbox(p.bus, p.settings.notify_queue)
    for build in (_audit_and_tenancy, _subjects_and_ingest, _retention, _dsar, _records, _notify):
        part |= build(p, part)
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
    return {"control_audit": control, "quarantine": quarantine, "tenants": tenants,
            "subject_keys": subject_keys, "tenant_admin": admin}


def _subjects_and_ingest(p: _Ports, built: Part) -> Part:
    tenants, subject_keys = built["tenants"], built["subject_keys"]
    visitors = VisitorBinding(p.store, p.keys, subject_keys)
    index = BlindIndexEntries(p.store)
    gate = WidgetGate(tenants, RateLimiter(p.clock), p.clock, p.settings)
    ingest = WidgetIngest(gate, p.store, p.bus, p.keys, visitors, p.clock, p.settings.ingest_queue)
    requests = DsarRequests(p.store, p.keys, p.clock, p.settings.dsr_record_days,
                            built["quarantine"], built["outbox"])
    processor = IngestProcessor(
        tenants, p.store, p.keys, subject_keys, index, p.regions.audit_for(p.settings.region),
        p.clock, p.settings.dsr_record_days, requests
    )
    links = IdentifierLinks(tenants, index, subject_keys, p.keys, p.clock)
    audio = AudioChunks(p.blobs)
    recordings = Recordings(tenants, p.store, subject_keys, visitors, links, audio,
                            built["control_audit"], p.clock)
    return {"visitors": visitors, "index": index, "gate": gate, "ingest": ingest,
            "processor": processor, "dsar_requests": requests, "recordings": recordings,
            "recording_cleanup": RecordingCleanup(p.store, audio, p.clock)}


def _retention(p: _Ports, built: Part) -> Part:
    s, tenants, audit_for = p.settings, built["tenants"], p.regions.audit_for
    holds = LegalHolds(tenants, built["index"], p.keys, built["visitors"], audit_for, p.clock)
    offboarding = OffboardingService(
        tenants, p.store, built["subject_keys"], p.blobs, audit_for, p.clock, s.region,
        s.export_window_days, s.consent_proof_years, built["outbox"]
    )
    sweeps = Sweeps(
        tenants, p.store, p.bus, holds, audit_for, p.clock, s.region, [s.ingest_queue],
        s.dead_letter_days, built["recording_cleanup"]
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
    control = built["control_audit"]
    subject_keys, visitors = built["subject_keys"], built["visitors"]
    requests = built["dsar_requests"]
    strategies = Strategies(p.store, subject_keys, index, p.blobs, p.keys, p.clock)
    matches = DsarMatches(requests, p.store, p.keys, index, visitors)
    erasure = ErasureCheck(p.store, subject_keys, index, p.clock)
    steps = OrchestrationSteps(
        requests, tenants, strategies, matches, erasure, p.blobs, p.regions.audit_for, p.clock
    )
    admin = DsarAdmin(requests, steps, tenants, p.keys, p.blobs, control, p.clock, s.export_links)
    workflow = DsarWorkflow(requests, matches, tenants, p.store, control, p.clock)
    house = DsarHousekeeping(requests, tenants, p.blobs, p.regions.audit_for, p.clock, s.region)
    return {"dsar_requests": requests, "dsar_steps": steps, "dsar_admin": admin,
            "dsar_workflow": workflow, "dsar_housekeeping": house}


def _records(p: _Ports, built: Part) -> Part:
    s, tenants, control = p.settings, built["tenants"], built["control_audit"]
    register = IncidentRegister(p.directory, control, p.clock)
    outbox = built["outbox"]
    subprocessors = Subprocessors(p.directory, tenants, control, p.clock, s.region_list, outbox)
    return {
        "incident_register": register,
        "incidents": Incidents(
            register, p.directory, p.store, tenants, control, p.clock, s, outbox
        ),
        "incident_notices": IncidentNotices(
            register, p.directory, tenants, control, p.clock, s.region, outbox
        ),
        "subprocessors": subprocessors,
        "processing_records": ProcessingRecords(
            tenants, built["dsar_requests"], subprocessors, control, p.clock
        ),
        "authority": AuthorityRegister(p.directory, tenants, control, p.clock, s.region),
    }


def _notify(p: _Ports, built: Part) -> Part:
    ports = (p.store, p.directory, p.keys, p.mailer, p.sender, p.resolve)
    return build_notify(
        p.settings, p.clock, ports, built["tenants"], built["control_audit"], built["outbox"],
        built["incident_notices"]
    )


# The process-wide graph lives in ``shared.process_app``; hosts and tests import it from here.
from shared.process_app import get_app, install_app, reset_app, start, stop  # noqa: E402

__all__ = ["App", "compose", "get_app", "install_app", "reset_app", "start", "stop"]
