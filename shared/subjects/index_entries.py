"""Blind-index entries: ``kind:hmac`` -> the subjects that identifier was sent by.

An entry names the key version of its digest. Its subject list is bounded:
- de-duplicated: a subject is listed once, with the time it last sent the identifier;
- capped at ``MAX_SUBJECTS`` (an address shared by many visitors, or an attacker posting one
  address from many visitor ids, cannot grow it without bound): the subject seen longest ago
  makes room, and the entry counts how many were dropped, so a request by that identifier
  tells the operator the match list is incomplete (the visitor id still finds them);
- expired with the data it points to: an email or phone link lapses once its last-seen day
  plus the tenant's longest retention period (any category; "until contract end" never
  lapses) has passed, unless a legal hold covers the subject. That is judged against the
  tenant's *current* policy, so a lengthened period keeps links alive; lapsed links are
  skipped by look-ups and removed at the next write of the entry, and erasure and
  offboarding remove links outright. The entry itself has no TTL for the same reason (a TTL
  written today could cut a period lengthened later). A visitor-id entry is the subject's
  own identity and lives as long as the subject.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.concurrency import under_etag
from shared.containers import INDEX
from shared.crypto.blind_index import IdentifierKind, index_id
from shared.policies.holds import is_held
from shared.policies.retention import Category, effective_days
from shared.ports.document_store import (
    Conflict,
    DocumentStore,
    NotFound,
    PreconditionFailed,
)
from shared.tenancy.models import Tenant

MAX_SUBJECTS = 50
"""Subjects one identifier entry keeps (documented limit; see the module docstring)."""
WHAT = "a blind-index entry"
RACES = (Conflict, PreconditionFailed, NotFound)
"""Another writer created, changed or removed the entry between our read and write."""


@dataclass(frozen=True)
class Entry:
    """What a look-up found: the live subjects and whether the list was ever cut."""

    subject_ids: list[str] = field(default_factory=list)
    dropped: int = 0


def _seen_day(moment: datetime) -> str:
    """Last-seen times are kept to the day, rounded up (never earlier than the data), so an
    identifier sent again the same day costs no write."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return (day + timedelta(days=1) if day < moment else day).isoformat()


def _lapsed(tenant: Tenant, subject_id: str, seen: str | None, now: datetime) -> bool:
    if seen is None or is_held(tenant.legalHolds, subject_id, now):
        return False
    periods = [effective_days(c, tenant.retention) for c in Category if c is not Category.AUDIT]
    if any(days is None for days in periods):
        return False
    longest = max(d for d in periods if d is not None)
    return datetime.fromisoformat(seen) + timedelta(days=longest) <= now


def _live(tenant: Tenant, doc: dict[str, Any], now: datetime) -> list[str]:
    if doc.get("kind") == "visitor":
        return list(doc["subjectIds"])
    seen: dict[str, str] = doc.get("seen", {})
    return [s for s in doc["subjectIds"] if not _lapsed(tenant, s, seen.get(s), now)]


class BlindIndexEntries:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def link(
        self,
        tenant: Tenant,
        kind: IdentifierKind,
        digest: str,
        key_version: str,
        subject_id: str,
        seen_at: datetime,
        now: datetime,
    ) -> None:
        item_id = index_id(kind, digest)
        day = _seen_day(seen_at)

        def attempt() -> None:
            try:
                doc = self._store.read(INDEX.name, (tenant.tenantId,), item_id)
            except NotFound:
                self._store.create(
                    INDEX.name,
                    {
                        "id": item_id,
                        "tenantId": tenant.tenantId,
                        "kind": kind,
                        "keyVersion": key_version,
                        "subjectIds": [subject_id],
                        "seen": {subject_id: day},
                    },
                )
                return
            changed = self._with_link(tenant, doc, subject_id, day, now)
            if changed is not None:
                self._store.replace(INDEX.name, changed, if_match=doc["_etag"])

        under_etag(attempt, what=WHAT, retry_on=RACES)

    @staticmethod
    def _with_link(
        tenant: Tenant, doc: dict[str, Any], subject_id: str, day: str, now: datetime
    ) -> dict[str, Any] | None:
        """The entry with the link added or refreshed, lapsed links pruned and the cap kept;
        None when nothing would change (the usual repeat: no write)."""
        seen: dict[str, str] = dict(doc.get("seen", {}))
        live = _live(tenant, doc, now)
        if subject_id in live and seen.get(subject_id, "") >= day and live == doc["subjectIds"]:
            return None
        subjects = [s for s in live if s != subject_id] + [subject_id]
        latest = max(day, seen.get(subject_id, ""))
        seen = {s: seen[s] for s in subjects if s in seen} | {subject_id: latest}
        dropped = 0
        if len(subjects) > MAX_SUBJECTS:
            by_age = sorted(subjects, key=lambda s: seen.get(s, ""))
            cut = set(by_age[: len(subjects) - MAX_SUBJECTS])
            subjects = [s for s in subjects if s not in cut]
            seen = {s: d for s, d in seen.items() if s not in cut}
            dropped = len(cut)
        fields = {k: v for k, v in doc.items() if not k.startswith("_")}
        return fields | {
            "subjectIds": subjects,
            "seen": seen,
            "dropped": doc.get("dropped", 0) + dropped,
        }

    def lookup(self, tenant: Tenant, kind: IdentifierKind, digest: str, now: datetime) -> Entry:
        try:
            doc = self._store.read(INDEX.name, (tenant.tenantId,), index_id(kind, digest))
        except NotFound:
            return Entry()
        return Entry(_live(tenant, doc, now), int(doc.get("dropped", 0)))

    def unlink(self, tenant_id: str, item_id: str, subject_id: str) -> None:
        """Remove a subject from an entry; the entry goes when no subject is left."""

        def attempt() -> None:
            try:
                doc = self._store.read(INDEX.name, (tenant_id,), item_id)
            except NotFound:
                return
            remaining = [s for s in doc["subjectIds"] if s != subject_id]
            seen = {s: d for s, d in doc.get("seen", {}).items() if s != subject_id}
            if remaining:
                self._store.replace(
                    INDEX.name,
                    doc | {"subjectIds": remaining, "seen": seen},
                    if_match=doc["_etag"],
                )
            else:
                self._store.delete(INDEX.name, (tenant_id,), item_id, if_match=doc["_etag"])

        under_etag(attempt, what=WHAT, retry_on=(PreconditionFailed, NotFound))
