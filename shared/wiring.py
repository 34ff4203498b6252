"""How each capability is put together from the ports (called by the composition root only).

``shared.composition`` chooses the adapters and owns ``App``; this module builds, capability by
capability, every use case with exactly the collaborators it uses. Each builder receives the
ports and what the builders before it made, and returns its own part of ``App`` by field name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.accountability.authority import AuthorityRegister
from shared.accountability.incident_register import IncidentRegister
from shared.accountability.incidents import Incidents
from shared.accountability.notices import IncidentNotices
from shared.accountability.processing_records import ProcessingRecords
from shared.accountability.subprocessors import Subprocessors
from shared.adapters.factories import RegionStores
from shared.audit.control import ControlAudit
from shared.audit.quarantine import Quarantine
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
from shared.notify.ssrf import Resolver
from shared.policies.rate_limit import RateLimiter
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
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
from shared.retention.jobs import RetentionJobs
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
class Ports:
    """The adapters the root chose (or a test gave), and what they share."""

    settings: Settings
    clock: Clock
    store: DocumentStore
    directory: DocumentStore
    bus: MessageBus
    keys: KeyProvider
    blobs: BlobStore
    regions: RegionStores
    mailer: Mailer
    sender: WebhookSender
    resolve: Resolver


Part = dict[str, Any]
"""The use cases one capability contributes to ``App``, by field name."""


def audit_and_tenancy(p: Ports, built: Part) -> Part:
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


def subjects_and_ingest(p: Ports, built: Part) -> Part:
    s, tenants, subject_keys = p.settings, built["tenants"], built["subject_keys"]
    visitors = VisitorBinding(p.store, p.keys, subject_keys)
    index = BlindIndexEntries(p.store)
    gate = WidgetGate(tenants, RateLimiter(p.clock), p.clock, s)
    ingest = WidgetIngest(gate, p.store, p.bus, p.keys, visitors, p.clock, s.ingest_queue)
    requests = DsarRequests(
        p.store, p.keys, p.clock, s.dsr_record_days, built["quarantine"], built["outbox"]
    )
    processor = IngestProcessor(
        tenants, p.store, p.keys, subject_keys, index, p.regions.audit_for(s.region), p.clock,
        s.dsr_record_days, requests
    )
    links = IdentifierLinks(tenants, index, subject_keys, p.keys, p.clock)
    audio = AudioChunks(p.blobs)
    recordings = Recordings(
        tenants, p.store, subject_keys, visitors, links, audio, built["control_audit"], p.clock
    )
    return {"visitors": visitors, "index": index, "gate": gate, "ingest": ingest,
            "processor": processor, "dsar_requests": requests, "recordings": recordings,
            "recording_cleanup": RecordingCleanup(p.store, audio, p.clock)}


def retention(p: Ports, built: Part) -> Part:
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


def dsar(p: Ports, built: Part) -> Part:
    s, tenants, index = p.settings, built["tenants"], built["index"]
    control = built["control_audit"]
    subject_keys, requests = built["subject_keys"], built["dsar_requests"]
    strategies = Strategies(p.store, subject_keys, index, p.blobs, p.keys, p.clock)
    matches = DsarMatches(requests, p.store, p.keys, index, built["visitors"])
    erasure = ErasureCheck(p.store, subject_keys, index, p.clock)
    steps = OrchestrationSteps(
        requests, tenants, strategies, matches, erasure, p.blobs, p.regions.audit_for, p.clock
    )
    admin = DsarAdmin(requests, steps, tenants, p.keys, p.blobs, control, p.clock, s.export_links)
    workflow = DsarWorkflow(requests, matches, tenants, p.store, control, p.clock)
    house = DsarHousekeeping(requests, tenants, p.blobs, control, p.clock, s.region)
    return {"dsar_steps": steps, "dsar_admin": admin, "dsar_workflow": workflow,
            "dsar_housekeeping": house}


def accountability(p: Ports, built: Part) -> Part:
    s, tenants, control = p.settings, built["tenants"], built["control_audit"]
    outbox = built["outbox"]
    register = IncidentRegister(p.directory, control, p.clock)
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
        "authority": AuthorityRegister(
            p.directory, tenants, control, p.clock, s.region, outbox
        ),
    }


def notify(p: Ports, built: Part) -> Part:
    ports = (p.store, p.directory, p.keys, p.mailer, p.sender, p.resolve)
    return build_notify(
        p.settings, p.clock, ports, built["tenants"], built["control_audit"], built["outbox"],
        built["incident_notices"]
    )


CAPABILITIES = (audit_and_tenancy, subjects_and_ingest, retention, dsar, accountability, notify)
"""In the order they are built: each may use what the ones before it made."""
