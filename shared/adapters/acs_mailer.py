"""Azure Communication Services Email: the stamp's mailer, with the app's managed identity.

The SDK (``azure-communication-email``) is imported in the factory only, so the embedded mode
never loads it. The operation id is derived from the message id: Communication Services treats
a repeated operation id as the same send, so a retried delivery does not mail twice. The send
is accepted asynchronously (202); acceptance is what a delivery records.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any, Protocol

from shared.ports.mailer import MailFailed, MailMessage

_NAMESPACE = uuid.UUID("6f0b7c1e-5d1a-4c55-9a39-4f1b2d7e8a10")


class EmailClientLike(Protocol):
    """The one call of ``azure.communication.email.EmailClient`` this adapter makes."""

    def begin_send(self, message: Any, *, operation_id: str | None = None) -> Any: ...


def acs_message(message: MailMessage, sender: str) -> dict[str, Any]:
    """The JSON shape ``EmailClient.begin_send`` takes."""
    body: dict[str, Any] = {
        "senderAddress": sender,
        "recipients": {"to": [{"address": a} for a in message.to]},
        "content": {"subject": message.subject, "plainText": message.text, "html": message.html},
    }
    if message.attachments:
        body["attachments"] = [
            {
                "name": a.name,
                "contentType": a.content_type,
                "contentInBase64": base64.b64encode(a.data).decode(),
            }
            for a in message.attachments
        ]
    return body


def operation_id(message: MailMessage) -> str:
    return str(uuid.uuid5(_NAMESPACE, message.message_id))


class AcsMailer:
    def __init__(self, client: EmailClientLike, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, message: MailMessage) -> None:
        from azure.core.exceptions import AzureError

        try:
            self._client.begin_send(
                acs_message(message, self._sender), operation_id=operation_id(message)
            )
        except AzureError as exc:  # the SDK's text may quote the request: name the type only
            raise MailFailed(
                f"Communication Services refused the message ({type(exc).__name__})"
            ) from None
