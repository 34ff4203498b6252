"""E-mail: rendering, the mailbox adapter's files, the Communication Services adapter."""

from __future__ import annotations

import email
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.acs_mailer import AcsMailer, acs_message, operation_id
from shared.adapters.mailbox_mailer import MailboxMailer
from shared.notify.mail import render
from shared.ports.mailer import Attachment, MailFailed
from tests.fakes import FakeClock

PAYLOAD = {
    "type": "dsar.overdue",
    "timestamp": "2026-11-02T09:00:00+00:00",
    "data": {"requestId": "dsar-1", "tenantId": "t-1", "counts": {"a": 1}, "list": [1, 2],
             "links": {"console": "https://app.example/api/console/#/t/t-1/requests/dsar-1"}},
}


def test_a_message_has_subject_text_and_escaped_html() -> None:
    hostile = PAYLOAD | {"data": PAYLOAD["data"] | {"note": "<script>x</script>"}}
    message = render(hostile, ("dpo@shop.example",), "dlv-1")
    assert message.subject == "A privacy request is overdue"
    assert "requestId: dsar-1" in message.text and "counts: a 1" in message.text
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert '<a href="https://app.example/api/console/#/t/t-1/requests/dsar-1">' in message.html


def test_the_mailbox_keeps_one_private_eml_per_delivery(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    mailer = MailboxMailer(tmp_path / "mailbox", clock)
    attachment = Attachment("n.json", "application/json", b'{"a": 1}')
    message = render(PAYLOAD, ("dpo@shop.example",), "dlv-1/x", (attachment,))
    mailer.send(message)
    mailer.send(message)  # a retry rewrites the same file
    [path] = mailer.messages()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    parsed = email.message_from_bytes(path.read_bytes())
    assert parsed["Subject"] == message.subject and parsed["To"] == "dpo@shop.example"
    kinds = [p.get_content_type() for p in parsed.walk()]
    assert {"text/plain", "text/html", "application/json"} <= set(kinds)
    assert MailboxMailer(tmp_path / "none", clock).messages() == []


class FakeEmailClient:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[tuple[dict[str, Any], str | None]] = []
        self.error = error

    def begin_send(self, message: Any, *, operation_id: str | None = None) -> Any:
        if self.error:
            raise self.error
        self.sent.append((message, operation_id))
        return object()


def test_communication_services_gets_the_json_shape_and_a_stable_operation_id() -> None:
    client = FakeEmailClient()
    message = render(PAYLOAD, ("dpo@shop.example",), "dlv-1",
                     (Attachment("n.md", "text/markdown", b"# notice"),))
    AcsMailer(client, "DoNotReply@x.azurecomm.net").send(message)
    AcsMailer(client, "DoNotReply@x.azurecomm.net").send(message)
    (sent, first), (_, second) = client.sent
    assert first == second == operation_id(message)
    assert sent == acs_message(message, "DoNotReply@x.azurecomm.net")
    assert sent["recipients"] == {"to": [{"address": "dpo@shop.example"}]}
    assert sent["attachments"][0]["contentInBase64"] == "IyBub3RpY2U="


def test_a_refusal_by_communication_services_names_no_address() -> None:
    from azure.core.exceptions import HttpResponseError

    client = FakeEmailClient(HttpResponseError(message="bad recipient dpo@shop.example"))
    with pytest.raises(MailFailed) as failed:
        AcsMailer(client, "s@x").send(render(PAYLOAD, ("dpo@shop.example",), "dlv-1"))
    assert "dpo@" not in str(failed.value) and failed.value.__cause__ is None
