"""Host keys for ``function``/``admin`` auth levels, generated once per data directory.

Like the real host: a function-level route accepts the default function key or the master key,
an admin-level route only the master key. The file is created 0600 and atomically (temp file
hard-linked into place) so two hosts starting on one data dir agree on the keys.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from shared.adapters.secret_files import create_secret_file

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
    create_secret_file(path, json.dumps(content, indent=2).encode())
