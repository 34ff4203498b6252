"""What each request type does to one category of the subjects' data: named strategies,
registered in one table (no if-chains). Each returns counts only, never personal values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.containers import SUBJECTS
from shared.crypto.blind_index import IdentifierKind, blind_index, index_id
from shared.dsar.export_package import stage_category, stage_file
from shared.dsar.models import DsarType
from shared.policies.holds import is_held
from shared.policies.identifiers import normalise_email, normalise_phone
from shared.policies.retention import Category, item_ttl
from shared.policies.stored_records import opened, record_count, records
from shared.ports.blob_store import BlobStore
from shared.ports.clock import Clock
from shared.ports.document_store import DocumentStore, Filter, PatchOp, Query
from shared.ports.key_provider import KeyProvider, current_secret
from shared.recordings.audio import AudioChunks, subject_prefix
from shared.recordings.exports import audio_chunks, audio_file, has_audio
from shared.subjects.index_entries import BlindIndexEntries
from shared.subjects.keys import SUBJECT_DOC_ID, SubjectKeys
from shared.tenancy.models import Tenant

DATA_CATEGORIES = [c.value for c in Category if c is not Category.AUDIT]


@dataclass
class Step:
    """One activity's worth of work: a request, its tenant and subjects, and one category."""

    request: dict[str, Any]
    tenant: Tenant
    subject_ids: list[str]
    category: str
    now: datetime
    changes: dict[str, Any] | None = None


class Strategies:
    def __init__(
        self,
        store: DocumentStore,
        subjects: SubjectKeys,
        index: BlindIndexEntries,
        blobs: BlobStore,
        keys: KeyProvider,
        clock: Clock,
    ) -> None:
        self._store = store
        self._subjects = subjects
        self._index = index
        self._blobs = blobs
        self._keys = keys
        self._clock = clock
        self._audio = AudioChunks(blobs)
        self.by_type: dict[DsarType, Callable[[Step], dict[str, Any]]] = {
            DsarType.ACCESS: self.export,
            DsarType.PORTABILITY: self.export,
            DsarType.ERASURE: self.erase,
            DsarType.RECTIFICATION: self.rectify,
            DsarType.RESTRICTION: self.flag("restricted"),
            DsarType.OBJECTION: self.flag("objected"),
            DsarType.CONSENT_WITHDRAWAL: self.withdraw,
        }

    @staticmethod
    def categories(kind: DsarType) -> list[str]:
        return {
            DsarType.RECTIFICATION: [Category.CONTACT.value],
            DsarType.RESTRICTION: ["subject"],
            DsarType.OBJECTION: ["subject"],
            DsarType.CONSENT_WITHDRAWAL: [Category.CONSENT.value],
        }.get(kind, DATA_CATEGORIES)

    def _items(self, tenant_id: str, subject_id: str, category: str) -> list[dict[str, Any]]:
        query = Query(filters=[Filter("category", "=", category)])
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self._store.query(SUBJECTS.name, (tenant_id, subject_id), query, 1000, token)
            items += page.items
            token = page.continuation
            if not token:
                return items

    def export(self, step: Step) -> dict[str, Any]:
        exported = []
        for sid in step.subject_ids:
            cipher = self._subjects.cipher(step.tenant.tenantId, sid)
            for item in self._items(step.tenant.tenantId, sid, step.category):
                shown = [opened(stored, cipher) for stored in records(item)]
                if cipher is not None and has_audio(item):  # the recording itself, as a file
                    chunks = audio_chunks(self._audio, cipher, item)
                    name = stage_file(self._blobs, step.request["id"], audio_file(item), chunks)
                    shown[0]["audioFile"] = name
                exported += shown
        stage_category(self._blobs, step.request["id"], step.category, exported)
        return {"category": step.category, "records": len(exported)}

    def erase(self, step: Step) -> dict[str, Any]:
        deleted, kept = 0, 0
        for sid in step.subject_ids:
            items = self._items(step.tenant.tenantId, sid, step.category)
            count = sum(record_count(i) for i in items)
            if is_held(step.tenant.legalHolds, sid, step.now):
                kept += count
                continue
            refs = [((step.tenant.tenantId, sid), i["id"]) for i in items]
            self._store.delete_many(SUBJECTS.name, refs)
            if step.category == Category.RECORDING.value:  # the audio goes with its record
                self._audio.delete_prefix(subject_prefix(step.tenant.tenantId, sid))
            deleted += count  # an item TTL removed meanwhile is gone all the same
        result: dict[str, Any] = {"category": step.category, "deleted": deleted}
        if kept:
            result |= {"kept": kept, "keptBecause": "legal hold"}
        return result

    def rectify(self, step: Step) -> dict[str, Any]:
        changes = {k: v for k, v in (step.changes or {}).items() if v is not None}
        if "email" in changes:
            changes["email"] = normalise_email(changes["email"])
        if "phone" in changes:
            changes["phone"] = normalise_phone(changes["phone"], step.tenant.defaultCountry)
        updated = 0
        for sid in step.subject_ids:
            cipher = self._subjects.cipher(step.tenant.tenantId, sid)
            if cipher is None:
                continue
            for item in self._items(step.tenant.tenantId, sid, Category.CONTACT.value):
                fields = cipher.decrypt_fields(item["id"], item.get("enc", {})) | changes
                held = is_held(step.tenant.legalHolds, sid, step.now)
                ttl = item_ttl(
                    Category.CONTACT,
                    datetime.fromisoformat(item["createdAt"]),
                    step.now,
                    step.tenant.retention,
                    held,
                )
                self._store.replace(
                    SUBJECTS.name,
                    item
                    | {
                        "enc": cipher.encrypt_fields(item["id"], fields),
                        "ttl": ttl,
                        "rectifiedAt": step.now.isoformat(),
                    },
                    if_match=item["_etag"],
                )
                updated += 1
            kinds: tuple[IdentifierKind, ...] = ("email", "phone")
            for kind in kinds:
                if kind in changes:
                    self._relink(step.tenant, sid, kind, changes[kind], step.now)
        return {"category": Category.CONTACT.value, "rectified": updated}

    def _relink(
        self, tenant: Tenant, subject_id: str, kind: IdentifierKind, value: str, now: datetime
    ) -> None:
        """The new identifier finds the subject; the old one of that kind (under any key
        version) no longer does."""
        key = current_secret(self._keys, "blind-index")
        digest = blind_index(key.value, tenant.tenantId, kind, value)
        new_id = index_id(kind, digest)
        doc = self._subjects.subject(tenant.tenantId, subject_id) or {}
        for old in [i for i in doc.get("indexIds", []) if i.startswith(f"{kind}:") and i != new_id]:
            self._index.unlink(tenant.tenantId, old, subject_id)
        self._index.link(tenant, kind, digest, key.version, subject_id, now, now)
        keep = [i for i in doc.get("indexIds", []) if not i.startswith(f"{kind}:")]
        self._store.patch(
            SUBJECTS.name,
            (tenant.tenantId, subject_id),
            SUBJECT_DOC_ID,
            [PatchOp("set", "/indexIds", [*keep, new_id])],
        )

    def flag(self, name: str) -> Callable[[Step], dict[str, Any]]:
        def apply(step: Step) -> dict[str, Any]:
            for sid in step.subject_ids:
                self._subjects.cipher_or_create(step.tenant.tenantId, sid)
                self._store.patch(
                    SUBJECTS.name,
                    (step.tenant.tenantId, sid),
                    SUBJECT_DOC_ID,
                    [PatchOp("set", f"/flags/{name}", True)],
                )
            return {"category": "subject", name: len(step.subject_ids)}

        return apply

    def withdraw(self, step: Step) -> dict[str, Any]:
        recorded = 0
        for sid in step.subject_ids:
            doc = self._subjects.subject(step.tenant.tenantId, sid) or {}
            purposes = (
                step.request.get("purposes") or sorted(doc.get("consents", {})) or ["analytics"]
            )
            choice = dict.fromkeys(purposes, False)
            item_id = f"{step.request['id']}-{sid}"
            item = {
                "id": item_id,
                "tenantId": step.tenant.tenantId,
                "subjectId": sid,
                "category": Category.CONSENT.value,
                "type": "consent",
                "source": "dsar",
                "purposes": choice,
                "textVersion": "withdrawal",
                "recordedAt": step.now.isoformat(),
                "createdAt": step.now.isoformat(),
                "ttl": -1,
            }
            self._store.upsert(SUBJECTS.name, item)
            self._subjects.record_consents(step.tenant.tenantId, sid, choice, step.now.isoformat())
            recorded += 1
        return {"category": Category.CONSENT.value, "withdrawn": recorded}
