"""What a tenant has stored, record by record, as an auditor would count it (the events of one
grouped document count one by one)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import SUBJECTS
from shared.policies.stored_records import records
from shared.ports.clock import SystemClock
from shared.ports.document_store import DocumentStore, Query


def stored_records(
    store: DocumentStore, tenant_id: str, kind: str | None = None
) -> list[dict[str, Any]]:
    """Every record of the tenant's subjects, or those of one ``type``."""
    found: list[dict[str, Any]] = []
    continuation: str | None = None
    while True:
        page = store.query(SUBJECTS.name, (tenant_id,), Query(), 1000, continuation)
        found += [r for item in page.items for r in records(item) if kind in (None, r.get("type"))]
        continuation = page.continuation
        if not continuation:
            return found


@contextmanager
def region_store(data_dir: Path, region: str = "eu") -> Iterator[SqliteDocumentStore]:
    """The embedded store a host wrote under ``data_dir`` (read after the fact)."""
    store = SqliteDocumentStore(data_dir / "regions" / region / "store.sqlite", SystemClock())
    try:
        store.ensure_container(SUBJECTS)
        yield store
    finally:
        store.close()
