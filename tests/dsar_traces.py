"""Every trace a person leaves that the app knows how to make, and a search for them.

A requester's identifiers are stored sealed or as keyed derivations: blind-index digests of the
email, phone and visitor id (under every version of the index key), and the subject id derived
from the visitor id. After an erasure and the request's record period none of them may be
found anywhere: these helpers compute each one and search stored bytes for it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from shared.crypto.blind_index import blind_index, subject_id_for_visitor
from shared.policies.identifiers import normalise_email, normalise_phone
from shared.ports.key_provider import KeyProvider


def traces(
    keys: KeyProvider, tenant_id: str, email: str, phone: str, visitor_id: str, name: str
) -> dict[str, str]:
    """Label -> a string that must not be found (plaintexts, digests, subject ids)."""
    mail, e164 = normalise_email(email), normalise_phone(phone, None)
    found = {"email": email, "email, normalised": mail, "phone": phone, "phone, E.164": e164,
             "phone, digits": e164.lstrip("+"), "visitor id": visitor_id, "name": name}
    for v in keys.secret_versions("blind-index"):
        for kind, value in (("email", mail), ("phone", e164), ("visitor", visitor_id)):
            found[f"{kind} digest ({v.version})"] = blind_index(v.value, tenant_id, kind, value)
        found[f"subject id ({v.version})"] = subject_id_for_visitor(v.value, tenant_id, visitor_id)
    return found


def stored_rows(data_dir: Path) -> Iterator[tuple[str, str, str]]:
    """(file, table or container, text) of every live row of every SQLite file under
    ``data_dir`` (stores, queue, task hub), read through SQL as the app stored them."""
    for path in sorted(data_dir.rglob("*.sqlite")):
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                columns = [r[1] for r in db.execute(f"PRAGMA table_info('{table}')")]
                label = "container" if "container" in columns else None
                for row in db.execute(f"SELECT * FROM '{table}'"):
                    text = " ".join(
                        v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row
                    )
                    where = row[columns.index(label)] if label else table
                    yield path.name, str(where), text
        finally:
            db.close()


def files(data_dir: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``data_dir`` as raw bytes (SQLite files, WAL, blobs, keys, logs)."""
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        yield str(path.relative_to(data_dir)), path.read_bytes()
