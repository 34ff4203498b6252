"""The embedded mailer: each message is an ``.eml`` file under ``<data dir>/mailbox``.

Nothing leaves the machine in a local run or a test, yet every message can be opened in a mail
client or read by a test. Files are 0600 in a 0700 directory (recipients are staff addresses,
still not for other local users). The file name is the message id, so a retried delivery
rewrites its one file instead of adding a second.
"""

from __future__ import annotations

import os
import re
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from shared.adapters.secret_files import private_dir
from shared.ports.clock import Clock
from shared.ports.mailer import MailMessage

SENDER = "privacy-backbone@localhost"
_SAFE = re.compile(r"[^A-Za-z0-9_.\-]")


def render_eml(message: MailMessage, sender: str, clock: Clock) -> bytes:
    """The message as RFC 5322 bytes: text and HTML alternatives, then attachments."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(clock.now())
    mail["Message-ID"] = make_msgid(idstring=_SAFE.sub("", message.message_id)[:60])
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    for item in message.attachments:
        main, _, sub = item.content_type.partition("/")
        mail.add_attachment(item.data, maintype=main, subtype=sub, filename=item.name)
    return bytes(mail)


class MailboxMailer:
    def __init__(self, directory: Path, clock: Clock, sender: str | None = None) -> None:
        self._dir = directory
        self._clock = clock
        self._sender = sender or SENDER

    def send(self, message: MailMessage) -> None:
        private_dir(self._dir)
        path = self._dir / f"{_SAFE.sub('_', message.message_id)}.eml"
        data = render_eml(message, self._sender, self._clock)
        temp = path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o600)
        os.replace(temp, path)

    def messages(self) -> list[Path]:
        """The mailbox's files, oldest first (tests, and a developer looking)."""
        if not self._dir.exists():
            return []
        return sorted(self._dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
