"""Readable Markdown renderings of the accountability documents (breach notice, records).

Rendered from the same models as the JSON answers, so the two can never say different things.
Free texts are put on one line each, so an admin's text cannot restructure the document.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from shared.accountability.incident_models import BreachNotice
from shared.accountability.records_models import RecordsOfProcessing


def _line(text: object) -> str:
    return " ".join(str(text).split())


def _when(moment: datetime | None, empty: str = "-") -> str:
    return moment.isoformat() if moment else empty


def _bullets(items: Iterable[object], empty: str = "none") -> list[str]:
    lines = [f"- {_line(i)}" for i in items]
    return lines or [f"- {empty}"]


def notice_markdown(notice: BreachNotice) -> str:
    counts = [
        f"| {c} | {notice.approximateSubjects[c]} | {notice.approximateRecords[c]} |"
        for c in notice.categories
    ]
    lines = [
        f"# Personal data breach notice - {notice.incidentId}",
        "",
        f"To: {_line(notice.tenantName)} ({notice.tenantId}), as controller.",
        f"Status: {notice.status} (revision {notice.revision}); notify by {_when(notice.notifyBy)}"
        + (" - escalated" if notice.escalated else ""),
        "",
        "## Date, duration and location",
        f"- Detected: {_when(notice.date)}",
        f"- Started: {_when(notice.startedAt)}",
        f"- Ended: {_when(notice.endedAt, 'ongoing')}",
        f"- Duration: {notice.duration}" + (" (so far)" if notice.ongoing else ""),
        f"- Location: {_line(notice.location)}",
        "",
        "## Nature",
        _line(notice.nature),
        "",
        "## Scale",
        f"- Approximate data subjects: {notice.scale.subjects}",
        f"- Approximate records: {notice.scale.records}",
        f"- Counted at: {_when(notice.countedAt)}",
        "",
        "| data category | approximate subjects | approximate records |",
        "|---|---|---|",
        *counts,
        "",
        "## Data subjects affected",
        *_bullets(notice.subjectCategories, "categories still being established"),
        "",
        "## Known or suspected consequences",
        _line(notice.consequences or "still being assessed"),
        "",
        "## Systems concerned",
        *_bullets(notice.systems),
        "",
        "## Root cause",
        _line(notice.rootCause or "under analysis"),
        "",
        "## Measures taken",
        *_bullets(notice.measures.taken),
        "",
        "## Measures proposed",
        *_bullets(notice.measures.proposed),
        "",
        "## Remediation",
        *_remediation(notice),
        "",
        "## Contact point",
        _line(notice.contact),
        "",
        f"_{notice.note}_",
        "",
    ]
    return "\n".join(lines)


def _remediation(notice: BreachNotice) -> list[str]:
    if not notice.remediation:
        return ["- none recorded yet"]
    rows = [
        f"| {_line(r.action)} | {r.status} | {_when(r.updatedAt)} | {_when(r.doneAt)} |"
        for r in notice.remediation
    ]
    return ["| action | status | updated | done |", "|---|---|---|---|", *rows]


def records_markdown(records: RecordsOfProcessing) -> str:
    categories = [
        f"| {c.category} | {_line(c.examples)} | {_line('; '.join(c.purposes))} | "
        f"{_line(c.retention)} |"
        for c in records.categories
    ]
    subprocessors = [
        f"{s.name}: {s.purpose}; {s.location}; {', '.join(s.dataCategories)}; "
        f"safeguard: {s.transferSafeguard}"
        for s in records.subprocessors
    ]
    holds = [
        f"{h.holdId}: {h.scope} scope, {h.subjects} subject(s), since {_when(h.createdAt)}, "
        f"until {_when(h.until, 'released')}"
        for h in records.legalHolds
    ]
    pending = [
        f"{c.changeId}: {c.kind} {c.name}, effective from {_when(c.effectiveFrom)}, objections "
        f"until {_when(c.objectBy)}" + (" (objected)" if c.objected else "")
        for c in records.pendingSubprocessorChanges
    ]
    dsar = records.openDsar
    lines = [
        f"# Records of processing - {_line(records.tenantName)} ({records.tenantId})",
        "",
        f"Generated {_when(records.generatedAt)} from the live settings (GDPR Art. 30(2)).",
        f"- Controller: {_line(records.controller)}",
        f"- Processor: {_line(records.processor)}",
        f"- Region: {records.region} (data, keys and exports stay in this region)",
        f"- Status: {records.status}; contract end: {_when(records.contractEnd, 'not set')}",
        f"- Contract terms: DPA {_line(records.contractTerms.dpaVersion or 'not recorded')}; "
        f"{records.contractTerms.objectionWindowDays} days to object to a subprocessor change",
        f"- Call recording: {'on' if records.recordingEnabled else 'off'}",
        "",
        "## Categories, purposes and retention",
        "| category | examples | purposes | retention |",
        "|---|---|---|---|",
        *categories,
        "",
        "## Subprocessors",
        *_bullets(subprocessors),
        "",
        "## Pending subprocessor changes",
        *_bullets(pending),
        "",
        "## Security measures",
        *_bullets(records.securityMeasures),
        "",
        "## Legal holds",
        *_bullets(holds),
        "",
        "## Open data-subject requests",
        f"- Open: {dsar.open}; overdue: {dsar.overdue}",
        *_bullets(f"{k}: {v}" for k, v in sorted(dsar.byType.items())),
        "",
    ]
    return "\n".join(lines)
