"""What the product processes, why, and how it protects it: the fixed half of Art. 30 records.

Each line describes what the code does (see README "How it is built"), so the records of
processing say nothing the system does not actually do.
"""

from __future__ import annotations

from shared.policies.retention import Category

EXAMPLES: dict[Category, str] = {
    Category.BEHAVIOUR: "page views, navigation, clicks, time on page, widget interactions",
    Category.TECHNICAL: "IP address (minimised), browser/OS/device family, language, screen size",
    Category.CONTACT: "email, phone, name, free-text message of a contact or callback request",
    Category.CONVERSATION: "chat messages and call events (call_started, call_ended: times "
    "and durations only)",
    Category.RECORDING: "call recordings (audio, encrypted in chunks) and their metadata: "
    "call id, start, duration",
    Category.CONSENT: "purposes granted or withdrawn, consent text version, time",
    Category.AUDIT: "who did what and when, to which pseudonymous target",
}
PURPOSES: dict[Category, tuple[str, ...]] = {
    Category.BEHAVIOUR: ("trigger-based engagement", "widget analytics"),
    Category.TECHNICAL: ("delivering the widget", "security and abuse prevention"),
    Category.CONTACT: ("answering contact and callback requests",),
    Category.CONVERSATION: ("live chat and call handling",),
    Category.RECORDING: ("call recording, where the controller switched it on",),
    Category.CONSENT: ("proof of consent",),
    Category.AUDIT: ("accountability: logs of administrative and user actions",),
}
UNTIL_CONTRACT_END: dict[Category, str] = {
    Category.CONTACT: "until the contract ends or the controller instructs; then a 30-day "
    "export window, then purge",
    Category.CONSENT: "until the contract ends plus 3 years (proof of consent), then purge",
}
IP_POLICIES = {
    "truncate": "IP addresses truncated (IPv4 /24, IPv6 /48) before storage",
    "hash": "IP addresses replaced by a keyed HMAC before storage",
    "keep": "IP addresses kept in full (the controller opted in), encrypted like other fields",
}
SECURITY_MEASURES = (
    "Encryption at rest: personal fields sealed with AES-256-GCM under one data key per data "
    "subject; associated data binds each ciphertext to tenant, subject, item and field",
    "Per-subject data keys wrapped by the region's key-encryption key (Key Vault in Azure); "
    "erasure deletes the wrapped key (crypto-shredding)",
    "Look-ups by email, phone or visitor id through a blind index (HMAC-SHA256 of the "
    "normalised identifier); no plaintext identifier is stored or queried",
    "Encryption in transit: HTTPS only, TLS 1.2 or higher (App Service front end)",
    "Ingest queue messages sealed with the region's transit key (AES-GCM), each naming the "
    "key version it used",
    "Widget calls bound to a secret the widget keeps per visitor (only a keyed hash is "
    "stored): a visitor id alone reaches no one's data",
    "Role-based access control on every admin endpoint, each role granted per tenant "
    "(Entra ID); phone numbers and emails masked for support staff, names and free-text "
    "messages too unless the tenant lets support see them",
    "Tamper-evident audit trail: hash-chained entries per tenant, verifiable on demand",
    "Minimisation at ingest: URL query strings dropped unless allow-listed, user agents "
    "reduced to browser/OS/device families",
    "Retention enforced by per-item TTL stamped at write time, with audited backstop sweeps",
    "Data, keys, queues and exports pinned to the tenant's region",
    "Per-widget-key rate limits and origin allow-lists",
    "Multi-factor sign-in required for privileged administrative actions (approvals, "
    "erasure, offboarding, retention shortening, legal-hold release, tenant creation, "
    "breach reports)",
)


def retention_rule(category: Category, days: int | None, overridden: bool) -> str:
    """The retention of one category in words, as the controller configured it."""
    if days is None:
        return UNTIL_CONTRACT_END.get(category, "no automatic deletion")
    source = "tenant override" if overridden else "default"
    how = "hash-chain entries expire" if category is Category.AUDIT else "automatic deletion"
    return f"{days} days from collection ({source}); {how} by TTL, checked by a sweep"
