"""The contacts listing as CSV (the report a tenant's team opens in a spreadsheet): the same
rows, masking and consent columns as the JSON listing.

Cells are neutralised against formula injection (a visitor's name starting with ``=`` must not
run in the reader's spreadsheet): any cell starting with ``= + - @``, a tab or a carriage
return gets a leading apostrophe, as OWASP advises.
"""

from __future__ import annotations

import csv
import io

from shared.tenancy.contacts import ContactPage, ContactView

COLUMNS = (
    "contactId",
    "subjectId",
    "createdAt",
    "email",
    "phone",
    "name",
    "message",
    "callbackRequested",
    "masked",
    "consentGranted",
    "consentPurposes",
    "consentTextVersion",
    "consentWithdrawn",
)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _row(contact: ContactView) -> list[str]:
    consent = contact.consent
    values: list[object] = [
        contact.contactId,
        contact.subjectId,
        contact.createdAt,
        contact.email,
        contact.phone,
        contact.name,
        contact.message,
        contact.callbackRequested,
        contact.masked,
        consent.granted if consent else None,
        " ".join(consent.purposes) if consent else None,
        consent.textVersion if consent else None,
        " ".join(consent.withdrawn) if consent else None,
    ]
    return [_cell(v) for v in values]


def contacts_csv(page: ContactPage) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(c) for c in page.items)
    return buffer.getvalue().encode("utf-8")
