"""The one optimistic-concurrency helper: read, change, write under the ETag, retry on a race.

Documents are shared by HTTP calls, queue processors and timers on several instances; none
takes a lock. Every read-modify-write of the domain goes through ``under_etag``: the caller's
``attempt`` reads the document, computes the change and writes it conditionally (``if_match``);
when another writer got there first (``PreconditionFailed``, or the ``Conflict`` of two
creates), the attempt is run again after a short jittered pause (1 ms doubling up to
``MAX_PAUSE``, so racing writers spread out instead of colliding again in step). After
``attempts`` lost races the caller gets ``Contended``: a 503 with ``Retry-After`` at the HTTP
edge, a failed (and so retried) delivery on a queue. An ``ApiError`` the attempt raises (a
refused transition, a 404) is never retried: it is the answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from shared.errors import ApiError
from shared.ports.document_store import DocumentStore, Item, PartitionKey, PreconditionFailed

T = TypeVar("T")
ATTEMPTS = 20
"""Lost races before giving up: enough for a burst of writers on one document, small enough
that a stuck partition answers within a second rather than hanging a request."""
MAX_PAUSE = 0.05
"""Seconds: the longest pause between two attempts."""


class Contended(ApiError):
    """Too many concurrent writers on one document; nothing was changed by this call."""

    status, title, problem = 503, "Service Unavailable", "service-unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "1"})


def backoff(attempt: int) -> float:
    """A jittered pause before attempt ``attempt + 1`` (seconds)."""
    return random.uniform(0, min(MAX_PAUSE, 0.001 * 2**attempt))


def under_etag(
    attempt: Callable[[], T],
    *,
    what: str,
    retry_on: tuple[type[Exception], ...] = (PreconditionFailed,),
    attempts: int = ATTEMPTS,
    pause: Callable[[float], None] = time.sleep,
    error: type[Contended] = Contended,
) -> T:
    """Run ``attempt`` until it completes without losing a race (one of ``retry_on``).

    ``what`` names the document kind in the error (never an id or a value); ``error`` lets a
    caller raise its own subclass of ``Contended`` where it absorbs contention itself.
    """
    for n in range(attempts):
        try:
            return attempt()
        except retry_on:
            pause(backoff(n))
    raise error(f"{what} is being changed by others at the moment; try again")


def update_item(
    store: DocumentStore,
    container: str,
    pk: PartitionKey,
    item_id: str,
    change: Callable[[Item], Item],
    *,
    what: str,
    read: Callable[[], Item] | None = None,
) -> Item:
    """Set the fields ``change`` computes from the current document, under its ETag.

    ``read`` replaces the plain point read (to turn a miss into the caller's 404, or to
    validate what was read); ``change`` may raise an ``ApiError`` to refuse the write, or
    return no field at all: then nothing is written and the document is returned as read.
    """

    def attempt() -> Item:
        doc = read() if read is not None else store.read(container, pk, item_id)
        fields = change(doc)
        if not fields:
            return doc
        return store.replace(container, doc | fields, if_match=doc["_etag"])

    return under_etag(attempt, what=what)
