"""Masking strategies for staff without full access (least privilege: support sees enough to
recognise a caller, not to copy the identifier). Registered by name, never if-chains."""

from __future__ import annotations

from collections.abc import Callable

import phonenumbers

from shared.tenancy.models import SupportSees


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


def mask_name(name: str) -> str:
    """``J***``: the first letter, enough to tell two callers apart, not to name one."""
    return f"{name.strip()[:1]}***"


def mask_text(text: str) -> str:
    """Free text may hold anything (health, addresses): hidden whole, its length kept."""
    return f"[hidden: {len(text)} characters]"


def _identity(value: str) -> str:
    return value


MASKING_STRATEGIES: dict[str, Callable[[str], str]] = {
    "email": mask_email,
    "phone": mask_phone,
    "name": mask_name,
    "text": mask_text,
    "none": _identity,
}


def contact_masks(full_access: bool, sees: SupportSees) -> dict[str, str]:
    """Contact field -> masking strategy for a reader: nothing for full access; otherwise
    email and phone always, name and message unless the tenant lets support see them. The
    one place that decides what support staff see."""
    if full_access:
        return {}
    masks = {"email": "email", "phone": "phone"}
    if not sees.name:
        masks["name"] = "name"
    if not sees.message:
        masks["message"] = "text"
    return masks
