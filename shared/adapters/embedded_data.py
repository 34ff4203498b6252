"""Whether an embedded region directory already holds data, without opening it for writing.

The file key provider asks before generating a first key: a missing key file next to existing
data is a lost key (refuse and say so), not a fresh start.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from shared.adapters.file_keys import DataKind
from shared.containers import INDEX, REQUESTS, SUBJECTS

STORE_FILE = "store.sqlite"
BUS_FILE = "bus.sqlite"
"""A region directory's files; the factories create them by these names, and the probes
below must find them (a wrong name would read as "no data" and let a lost key be replaced)."""

_PROBES: dict[DataKind, tuple[str, str]] = {
    "store": (
        STORE_FILE,
        "SELECT 1 FROM items WHERE container IN "
        f"('{SUBJECTS.name}', '{INDEX.name}', '{REQUESTS.name}') LIMIT 1",
    ),
    "queue": (BUS_FILE, "SELECT 1 FROM messages LIMIT 1"),
}


def region_holds(region_dir: Path, kind: DataKind) -> bool:
    """True when the region's store has subject, index or request items (``store``) or its
    embedded bus has messages, dead letters included (``queue``)."""
    name, sql = _PROBES[kind]
    path = region_dir / name
    if not path.exists():
        return False
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute(sql).fetchone() is not None
    except sqlite3.OperationalError:  # no such table: created, never written
        return False
    finally:
        db.close()
