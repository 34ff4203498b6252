"""E-mail bodies of events: a subject, plain text and HTML, from the event's data and links.

Only what the webhook body holds goes in (ids, counts, dates, links), escaped for HTML; a breach
notice adds its document (JSON and Markdown) as attachments, which hold no personal data either.
"""

from __future__ import annotations

import html
from typing import Any

from shared.ports.mailer import Attachment, MailMessage

SUBJECTS = {
    "dsar.received": "A privacy request was received",
    "dsar.awaiting_approval": "A privacy request awaits a Privacy.Admin decision",
    "dsar.deadline_approaching": "A privacy request is due within 7 days",
    "dsar.completed": "A privacy request was completed",
    "dsar.overdue": "A privacy request is overdue",
    "incident.notice": "Personal data breach notice",
    "subprocessor.change_proposed": "A subprocessor change is proposed (14 days' notice)",
    "offboarding.export_ready": "Your offboarding export is ready (30 days)",
    "authority.notice": "A public authority requested access to your data",
    "incident.notice_due": "Breach notice still pending 12 hours before its deadline",
    "webhook.delivery_failed": "A webhook delivery failed after 24 hours of retries",
}
INTRO = (
    "This message names records by id only; open the links (sign-in required) for the details."
)


def _lines(payload: dict[str, Any]) -> list[tuple[str, str]]:
    data = payload.get("data", {})
    rows = [("event", str(payload.get("type"))), ("time", str(payload.get("timestamp")))]
    rows += [(k, _text(v)) for k, v in data.items() if k != "links"]
    rows += [(f"link: {k}", str(v)) for k, v in (data.get("links") or {}).items()]
    return rows


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def render(
    payload: dict[str, Any],
    to: tuple[str, ...],
    message_id: str,
    attachments: tuple[Attachment, ...] = (),
) -> MailMessage:
    event = str(payload.get("type"))
    subject = SUBJECTS.get(event, event)
    rows = _lines(payload)
    text = "\n".join([subject, "", INTRO, "", *(f"{k}: {v}" for k, v in rows)]) + "\n"
    cells = "".join(
        f"<tr><th scope=\"row\">{html.escape(k)}</th><td>{_cell(k, v)}</td></tr>" for k, v in rows
    )
    body = (
        f"<!doctype html><html><body><h1>{html.escape(subject)}</h1>"
        f"<p>{html.escape(INTRO)}</p><table>{cells}</table></body></html>"
    )
    return MailMessage(to, subject, text, body, message_id, attachments)


def _cell(key: str, value: str) -> str:
    if key.startswith("link: "):
        return f'<a href="{html.escape(value, quote=True)}">{html.escape(value)}</a>'
    return html.escape(value)
