"""The host's keys, like the Functions host's: one master key in ``<data-dir>/master.key``.

Every host-level surface (``/admin/*``: the functions runner, host status, the test clock;
``/runtime/webhooks/durabletask/*``) needs the master key, as ``x-functions-key`` or ``code``,
from every caller, loopback included: any web page open in the developer's browser can post to
``127.0.0.1``, and only a secret it cannot read stops it. The file is created 0600, atomically
(temp file hard-linked into place), so two hosts starting on one data dir agree on it; read it
with ``cat .data/master.key``. The default function key (``function``-level routes) and the
Durable system key are derived from it, so there is one secret to keep and to rotate (delete the
file and restart).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from shared.adapters.secret_files import create_secret_file

MASTER_KEY_FILE = "master.key"


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
        return any(same_key(presented, key) for key in accepted)

    @classmethod
    def from_master(cls, master: str) -> HostKeys:
        return cls(master=master, default=derived_key(master, "functionKeys/default"))


def same_key(presented: str, key: str) -> bool:
    """Constant-time comparison (a key must not leak through response timing)."""
    return hmac.compare_digest(presented.encode(), key.encode())


def derived_key(master: str, purpose: str) -> str:
    """A key for one purpose that does not reveal the master key (HMAC-SHA256)."""
    digest = hmac.new(master.encode(), purpose.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def load_or_create_host_keys(data_dir: Path) -> HostKeys:
    path = data_dir / MASTER_KEY_FILE
    if not path.exists():
        create_secret_file(path, secrets.token_urlsafe(32).encode())
    master = path.read_text("utf-8").strip()
    if len(master) < 32:
        raise ValueError(f"{path} holds no usable key (32 characters or more); delete it")
    return HostKeys.from_master(master)
