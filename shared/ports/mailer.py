"""The e-mail port: one message to a few staff addresses, plain text and HTML.

Who receives mail here is staff of the controller (a tenant's privacy contacts) or of the
platform (its on-call address), never a data subject; bodies carry ids, counts, dates and links
only. ``message_id`` is stable across retries of one delivery, so an adapter that can
deduplicate (Communication Services' operation id, a mailbox file name) sends a retry once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class MailMessage:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str
    """The delivery's id: the same on every attempt."""
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)


class MailFailed(Exception):
    """The message was not accepted; the text names the cause, never an address or body."""


class Mailer(Protocol):
    def send(self, message: MailMessage) -> None:
        """Hand the message over for delivery (MailFailed when it was not accepted)."""
        ...
