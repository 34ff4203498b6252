"""Secret files for the embedded mode: created 0600, atomically, never overwritten.

The content goes to a private temp file that is hard-linked into place, so two processes
starting at once agree on one secret and no reader ever sees a half-written file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def create_secret_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` unless it exists already (then the existing one wins)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
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
