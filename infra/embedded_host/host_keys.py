"""Host keys for ``function``/``admin`` auth levels, generated once per data directory.

Like the real host: a function-level route accepts the default function key or the master key,
an admin-level route only the master key. The file is created 0600 and atomically (temp file
hard-linked into place) so two hosts starting on one data dir agree on the keys.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

KEYS_FILE = "host-keys.json"


@dataclass(frozen=True)
class HostKeys:
    master: str
    default: str

    def allows(self, auth_level: str, presented: str | None) -> bool:
        """Whether a request presenting ``presented`` may call a function of ``auth_level``."""
        if auth_level == "anonymous":
            return True
        if not presented:
            return False
        accepted = [self.master] if auth_level == "admin" else [self.master, self.default]
        given = presented.encode()
        return any(hmac.compare_digest(given, key.encode()) for key in accepted)


def load_or_create_host_keys(data_dir: Path) -> HostKeys:
    path = data_dir / KEYS_FILE
    if not path.exists():
        _create(path)
    data = json.loads(path.read_text("utf-8"))
    return HostKeys(master=data["masterKey"], default=data["functionKeys"]["default"])


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {
        "masterKey": secrets.token_urlsafe(32),
        "functionKeys": {"default": secrets.token_urlsafe(32)},
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
