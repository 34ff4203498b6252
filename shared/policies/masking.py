"""Masking strategies for staff without full access (least privilege: support sees enough to
recognise a caller, not to copy the identifier). Registered by name, never if-chains."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers


def mask_email(email: str) -> str:
    local, _, domain = email.rpartition("@")
    label, dot, tld = domain.rpartition(".")
    if not dot:
        label, tld = domain, ""
    return f"{local[:1]}***@{label[:1]}***{dot}{tld}"


def mask_phone(e164: str) -> str:
    """``+33 6** ** ** 78``: country code, first national digit and the last two digits."""
    try:
        number = phonenumbers.parse(e164, None)
        shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        prefix = f"+{number.country_code} "
    except phonenumbers.NumberParseException:
        shown, prefix = e164, ""
    body = shown[len(prefix) :] if shown.startswith(prefix) else shown
    digits_seen = 0
    total = sum(ch.isdigit() for ch in body)
    out = []
    for ch in body:
        if ch.isdigit():
            digits_seen += 1
            out.append(ch if digits_seen == 1 or digits_seen > total - 2 else "*")
        else:
            out.append(ch)
    return prefix + "".join(out)


def _identity(value: str) -> str:
    return value


MASKING_STRATEGIES: dict[str, Callable[[str], str]] = {
    "email": mask_email,
    "phone": mask_phone,
    "none": _identity,
}
