"""Normalisation of identifiers before blind-indexing, so equal identities hash equal."""

from __future__ import annotations

import re

import idna
import phonenumbers

_LOCAL = re.compile(r"^[^\s@\"(),:;<>\[\\\]]{1,64}$")


class InvalidIdentifier(ValueError):
    """Raised with the identifier's kind only; the value never reaches the message."""


def normalise_email(raw: str) -> str:
    value = raw.strip()
    local, at, domain = value.rpartition("@")
    if not at or not _LOCAL.match(local) or "." not in domain or len(value) > 254:
        raise InvalidIdentifier("not a valid email address")
    try:
        ascii_domain = idna.encode(domain.rstrip("."), uts46=True).decode()
    except idna.IDNAError as exc:
        raise InvalidIdentifier("email domain is not a valid domain name") from exc
    return f"{local.lower()}@{ascii_domain.lower()}"


def normalise_phone(raw: str, default_country: str | None) -> str:
    """E.164, using the tenant's default country for numbers without a leading +."""
    try:
        number = phonenumbers.parse(raw, default_country)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentifier(
            "not a phone number in international format (or set the tenant's defaultCountry)"
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentifier("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
