"""The composition root: the one place that builds the object graph from settings.

Adapters are chosen by name from settings (``shared.adapters.factories``: Azure SDKs load only
there), then every use case is built once (``shared.wiring``, capability by capability) with
exactly the collaborators it uses: no use case receives the graph. Functions ask ``get_app()``
for the use case a trigger calls; the Functions host builds it on first use. A host serving the
app in-process (the embedded host) calls ``start(clock)`` and ``stop()``: its whole contact
with the wiring. Tests build their own graph with ``compose`` (fakes and local stores at the
ports) and ``install_app`` it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

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
from shared.dsar.housekeeping import DsarHousekeeping
from shared.dsar.orchestration_steps import OrchestrationSteps
from shared.dsar.requests import DsarRequests
from shared.dsar.workflow import DsarWorkflow
from shared.ingest.accept import WidgetIngest
from shared.ingest.gate import WidgetGate
from shared.ingest.processor import IngestProcessor
from shared.notify.dispatcher import Dispatcher
from shared.notify.outbox import Outbox
from shared.notify.ssrf import Resolver, system_resolve
from shared.notify.webhooks import Webhooks
from shared.operations.readiness import Operations, operations_for
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock, SystemClock
from shared.ports.document_store import DocumentStore
from shared.ports.key_provider import KeyProvider
from shared.ports.mailer import Mailer
from shared.ports.message_bus import MessageBus
from shared.ports.webhook_sender import WebhookSender
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
from shared.subjects.visitors import VisitorBinding
from shared.telemetry.proxies import traced
from shared.tenancy.admin import TenantAdmin
from shared.tenancy.directory import TenantDirectory
from shared.wiring import CAPABILITIES, Part, Ports


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
    mailer: Mailer
    outbox: Outbox
    # audit and tenancy
    control_audit: ControlAudit
    quarantine: Quarantine
    tenants: TenantDirectory
    tenant_admin: TenantAdmin
    # subjects, ingest and recordings
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
    authority: AuthorityRegister
    # notifications and operations
    webhooks: Webhooks
    dispatcher: Dispatcher
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
    region = store or stores(settings, clock, "region", settings.region)
    control = directory or stores(settings, clock, "directory", settings.region)
    ensure_containers(region, control)
    queue = bus or make.BUSES[settings.bus_backend](settings, clock)
    vault = keys or make.KEYS[settings.keys_backend](settings, clock)
    region, control, queue, vault = traced(region, control, queue, vault)  # spans, when on
    return _build(Ports(
        settings, clock, region, control, queue, vault,
        blobs or make.blob_store(settings, clock),
        make.RegionStores(settings, clock, region),
        mailer or make.MAILERS[settings.mail_backend](settings, clock),
        sender or make.webhook_sender(),
        resolve or system_resolve,
    ))


def _build(p: Ports) -> App:
    part: Part = {f.name: getattr(p, f.name) for f in fields(Ports)}
    del part["sender"], part["resolve"]
    part["outbox"] = Outbox(p.bus, p.settings.notify_queue)
    for capability in CAPABILITIES:
        part |= capability(p, part)
    part["operations"] = operations_for(part, p.settings, p.clock)
    return App(**part)


# The process-wide graph lives in ``shared.process_app``; hosts and tests import it from here.
from shared.process_app import get_app, install_app, reset_app, start, stop  # noqa: E402

__all__ = ["App", "compose", "get_app", "install_app", "reset_app", "start", "stop"]
