"""Private files for the embedded mode: 0600 files in 0700 directories, whatever the umask.

Everything the embedded adapters keep (SQLite stores and their WAL, the bus, the task hub, key
files, exports) is personal data or a secret on a developer's machine, where other local
users and backups should not read it. Secret files are also created atomically and never
overwritten: the content goes to a private temp file that is hard-linked into place, so two
processes starting at once agree on one secret and no reader ever sees a half-written file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def private_dir(path: Path) -> Path:
    """``path`` and its missing parents as 0700 directories (``mkdir(parents=True)`` would
    give the parents the umask's mode); an existing ``path`` is narrowed to 0700 too."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.chmod(directory, PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """An existing or new empty 0600 file (before SQLite opens it: its -wal and -shm files
    take the database file's mode)."""
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    os.chmod(path, PRIVATE_FILE)
    return path


def create_secret_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` unless it exists already (then the existing one wins)."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
