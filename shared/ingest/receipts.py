"""Which collect message owns each event id of a visitor.

One document per subject (in the subject's partition) lists, per accepted message, its session
and the ids of the events it carries. HTTP reads it once to count a resend as duplicates (by
event id, whatever session the resend names) and, after enqueueing, writes its claim: that
claim is what makes ``accepted`` and ``duplicates`` exact even for copies racing each other.
The processor stores only the events its message owns; ids no message owns (HTTP crashed
between enqueue and claim) it claims in the same transactional batch that stores them, so a
claim and its events are never written apart. Claims merge under ETag concurrency and the
first claim wins, so two overlapping messages still store every event once. The first claim
of a session is the message that stores the session's technical data.

Only the last ``CAP`` ids are kept: resends come within minutes, and a bounded document
(~18 KB at most) keeps each write cheap. The document holds ids, never event content.

Contention (many tabs of one visitor, HTTP and the processor at once) is absorbed, not
surfaced: claims of one subject are serialised inside the process (striped locks), and writers
of other instances are retried under the ETag with jittered back-off.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from shared.concurrency import Contended, under_etag
from shared.containers import SUBJECTS
from shared.policies.retention import Category, effective_days
from shared.ports.clock import Clock
from shared.ports.document_store import (
    BatchOp,
    Conflict,
    DocumentStore,
    NotFound,
    PartitionKey,
    PreconditionFailed,
)

CAP = 500
ATTEMPTS = 32
"""More than the default bound: every tab of a visitor and the processor write this one
document, and a lost claim costs a redelivery."""
_STRIPES = [threading.RLock() for _ in range(64)]
RECEIPTS_TYPE = "receipts"
RECEIPTS_ID = "receipts"
T = TypeVar("T")


class ClaimContended(Contended):
    """Too many concurrent writers on one subject's receipts; the caller retries later."""


@dataclass(frozen=True)
class Claim:
    owned: set[str]
    """The event ids this message stores."""
    opens_session: bool
    """True for the session's first message (the one that stores the session's technical data)."""


def session_key(session_id: str) -> str:
    """Session ids are client text: hashed, they make valid, fixed-length ids."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:32]


def receipts_ttl(retention: dict[str, int]) -> int:
    """As long as behaviour data lives (a resend after that is a new event anyway)."""
    return (effective_days(Category.BEHAVIOUR, retention) or 30) * 86400


def _claims(doc: dict[str, Any] | None) -> list[list[Any]]:
    """``[request id, session key, [event ids]]``, oldest first."""
    return list((doc or {}).get("claims", []))


def _owners(doc: dict[str, Any] | None) -> dict[str, str]:
    return {e: request for request, _, ids in _claims(doc) for e in ids}


def _opener(doc: dict[str, Any] | None, session: str) -> str | None:
    return next((request for request, s, _ in _claims(doc) if s == session), None)


@dataclass(frozen=True)
class Snapshot:
    """The receipts as read once: HTTP counts duplicates and then claims from the same read, so
    the usual request reads the document once."""

    doc: dict[str, Any] | None

    @cached_property
    def owners(self) -> dict[str, str]:
        """Event id -> the request that owns it; built once per read (up to CAP entries),
        shared by the duplicate count and the claim. Callers copy before changing it."""
        return _owners(self.doc)

    def seen(self, event_ids: Sequence[str]) -> set[str]:
        """The ids some earlier message already carries."""
        return self.owners.keys() & set(event_ids)


def _trimmed(claims: list[list[Any]]) -> list[list[Any]]:
    """Oldest claims go first once more than CAP ids are held (the newest claim stays)."""
    total = sum(len(ids) for _, _, ids in claims)
    start = 0
    while total > CAP and start < len(claims) - 1:
        total -= len(claims[start][2])
        start += 1
    return claims[start:]


def _stripe(pk: PartitionKey) -> threading.RLock:
    """One lock per subject (striped): the claims of a visitor's tabs queue here instead of
    failing each other's ETag. Re-entrant, so a claim made inside a store call cannot hang."""
    return _STRIPES[int(hashlib.sha256("|".join(pk).encode()).hexdigest()[:8], 16) % 64]


@dataclass(frozen=True)
class Plan:
    """A claim computed from one read: who owns each id once ``write`` (if any) is applied.
    ``write`` is the receipts document to create (no ``_etag``) or replace (with it)."""

    claim: Claim
    write: dict[str, Any] | None

    def op(self) -> BatchOp | None:
        """The write as a batch operation: create, or replace under the ETag read."""
        if self.write is None:
            return None
        etag = self.write.get("_etag")
        body = {k: v for k, v in self.write.items() if not k.startswith("_")}
        return BatchOp("replace" if etag else "create", item=body, if_match=etag)


class EventReceipts:
    def __init__(
        self, store: DocumentStore, clock: Clock, pause: Callable[[float], None] = time.sleep
    ) -> None:
        self._store = store
        self._clock = clock
        self._pause = pause

    def read(self, pk: PartitionKey) -> Snapshot:
        try:
            return Snapshot(self._store.read(SUBJECTS.name, pk, RECEIPTS_ID))
        except NotFound:
            return Snapshot(None)

    def plan(
        self,
        pk: PartitionKey,
        snapshot: Snapshot,
        session_id: str,
        request_id: str,
        event_ids: Sequence[str],
        ttl: int,
    ) -> Plan:
        """What claiming ``event_ids`` for ``request_id`` changes in the receipts as read: the
        ids no message owns yet become this request's (first claim wins)."""
        doc, session = snapshot.doc, session_key(session_id)
        owner, opener = dict(snapshot.owners), _opener(doc, session)
        new = list(dict.fromkeys(e for e in event_ids if e not in owner))
        write = None
        if new:
            write = self._document(pk, doc, [request_id, session, new], ttl)
            owner.update(dict.fromkeys(new, request_id))
            opener = opener or request_id
        owned = {e for e in event_ids if owner[e] == request_id}
        return Plan(Claim(owned, opens_session=opener == request_id), write)

    def claim(
        self,
        pk: PartitionKey,
        session_id: str,
        request_id: str,
        event_ids: Sequence[str],
        ttl: int,
        known: Snapshot | None = None,
    ) -> Claim:
        """Claim the unclaimed ids for ``request_id``; answers which ids that request owns.
        ``known`` saves the first read when the caller has just read the receipts."""
        snapshot = known

        def attempt() -> Claim:
            nonlocal snapshot
            plan = self.plan(
                pk, snapshot or self.read(pk), session_id, request_id, event_ids, ttl
            )
            snapshot = None  # another instance may get there first: then read again and merge
            if plan.write is not None:
                self.apply(plan)
            return plan.claim

        return self.serialised(pk, attempt)

    def serialised(self, pk: PartitionKey, attempt: Callable[[], T]) -> T:
        """Run a read-plan-write ``attempt`` on one subject's receipts under its stripe lock,
        retried under the ETag while other writers get there first."""
        with _stripe(pk):
            return under_etag(
                attempt,
                what="the event receipts of one subject",
                retry_on=(Conflict, PreconditionFailed, NotFound),
                attempts=ATTEMPTS,
                pause=self._pause,
                error=ClaimContended,
            )

    def apply(self, plan: Plan) -> None:
        """Write the plan's receipts on their own (HTTP); the processor batches ``op()``."""
        op = plan.op()
        assert op is not None and op.item is not None
        if op.op == "create":
            self._store.create(SUBJECTS.name, op.item)
        else:
            self._store.replace(SUBJECTS.name, op.item, if_match=op.if_match)

    def _document(
        self, pk: PartitionKey, doc: dict[str, Any] | None, claim: list[Any], ttl: int
    ) -> dict[str, Any]:
        if doc is None:
            return {
                "id": RECEIPTS_ID,
                "tenantId": pk[0],
                "subjectId": pk[1],
                "type": RECEIPTS_TYPE,
                "createdAt": self._clock.now().isoformat(),
                "ttl": ttl,
                "claims": [claim],
            }
        return doc | {"ttl": ttl, "claims": _trimmed([*_claims(doc), claim])}
