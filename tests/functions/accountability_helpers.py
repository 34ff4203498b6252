"""Shared set-up of the accountability tests: tenants with planted personal data."""

from __future__ import annotations

from typing import Any

from tests.app_client import AppClient, principal
from tests.conftest import ORIGIN, PLATFORM, collect_body, visitor_secret, widget_headers

EMAIL, PHONE_RAW, PHONE_E164, IP = (
    "planted.visitor@example.org",
    "+33 6 98 76 54 32",
    "+33698765432",
    "198.51.100.203",
)
HOSTING = {
    "name": "Cloud Hosting",
    "purpose": "hosting and storage",
    "location": "EU (Netherlands)",
    "dataCategories": ["behaviour", "technical", "contact", "conversation", "consent", "audit"],
    "transferSafeguard": "EU region; SCCs 2021/914 module 3 for support access",
}
PLANTED = (EMAIL, PHONE_RAW, PHONE_E164, PHONE_E164[1:], IP, "198.51.100", "Planted Name")


def new_tenant(client: AppClient, name: str, region: str = "eu") -> dict[str, Any]:
    answer = client.call(
        "create_tenant",
        body={"name": name, "region": region, "allowedOrigins": [ORIGIN]},
        headers=PLATFORM,
    )
    assert answer.status == 201, answer.body
    return dict(answer.json())


def as_role(role: str, *tenants: str) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal(role, tenants=tenants or ("*",))}


def plant(client: AppClient, tenant: dict[str, Any], visitor: str, events: int) -> None:
    """Behaviour events, technical data, a contact with consent, a chat message: all planted."""
    headers = widget_headers(tenant, **{"X-Forwarded-For": f"{IP}:40000"})
    collect = collect_body(events, visitor)
    for event in collect["events"]:
        event.update(url=f"https://shop.example/p?email={EMAIL}", target=EMAIL)
    contact = {
        "visitorId": visitor,
        "visitorSecret": visitor_secret(visitor),
        "email": EMAIL,
        "phone": PHONE_RAW,
        "name": "Planted Name",
        "message": f"call me on {PHONE_RAW}",
        "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
    }
    message = {
        "visitorId": visitor,
        "visitorSecret": visitor_secret(visitor),
        "author": "visitor",
        "text": EMAIL,
        "ts": "2026-11-02T09:00:00Z",
    }
    assert client.call("collect", body=collect, headers=headers).status == 202
    assert client.call("submit_contact", body=contact, headers=headers).status == 202
    answer = client.call(
        "submit_message", body=message, headers=headers, route={"conversationId": "c-1"}
    )
    assert answer.status == 202
    client.drain()


def audit_entries(client: AppClient, tenant_id: str, region: str = "eu") -> list[dict[str, Any]]:
    return client.services.audit_for(region).entries(tenant_id, limit=1000).items


def assert_nothing_planted(*bodies: bytes | str) -> None:
    for body in bodies:
        text = body.decode() if isinstance(body, bytes) else body
        assert [v for v in PLANTED if v in text] == []
