"""Read-modify-write of control-plane documents under their ETag, and full query reads.

Incidents, notices and subprocessor changes are updated by admins and timers at once; the
ETag makes a lost update impossible without a lock.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.concurrency import update_item
from shared.errors import NotFound
from shared.ports.document_store import DocumentStore, Item, PartitionKey, Query
from shared.ports.document_store import NotFound as ItemNotFound


def read(store: DocumentStore, container: str, pk: PartitionKey, item_id: str, what: str) -> Item:
    """A point read whose miss is the caller's 404 (``what`` names the thing in the problem)."""
    try:
        return store.read(container, pk, item_id)
    except ItemNotFound:
        raise NotFound(f"no such {what}") from None


def mutate(
    store: DocumentStore,
    container: str,
    pk: PartitionKey,
    item_id: str,
    what: str,
    change: Callable[[Item], Item],
) -> Item:
    """Apply ``change`` (fields to set, computed from the current document) until no one raced.

    ``change`` may raise an ``ApiError`` (a refused transition); it is then not retried.
    """
    return update_item(
        store,
        container,
        pk,
        item_id,
        change,
        what=f"the {what}",
        read=lambda: read(store, container, pk, item_id, what),
    )


def read_all(
    store: DocumentStore, container: str, pk: PartitionKey, query: Query, page: int = 500
) -> list[Item]:
    """Every item a query finds (control-plane sizes: notices of an incident, a register)."""
    items: list[Item] = []
    continuation: str | None = None
    while True:
        found = store.query(container, pk, query, page, continuation)
        items += found.items
        continuation = found.continuation
        if not continuation:
            return items
