"""The README tour, end to end over HTTP, then a byte search for every planted value."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import visitor_secret
from tests.e2e.helpers import as_role, wait_for
from tests.e2e.host_process import HostProcess

pytestmark = pytest.mark.e2e
EMAIL, PHONE_RAW, PHONE_E164, IP = (
    "planted.visitor@example.org",
    "+33 6 98 76 54 32",
    "+33698765432",
    "198.51.100.203",
)
ORIGIN = "https://shop.example"


def events(n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "type": "page_view",
            "ts": "2026-11-23T10:00:00Z",
            "url": f"https://shop.example/p?email={EMAIL}",
            "target": EMAIL,
        }
        for _ in range(n)
    ]


def test_tour_keeps_every_planted_value_out_of_storage_and_logs(
    host: HostProcess, tmp_path: Path
) -> None:
    with httpx.Client(base_url=f"{host.url}/api", timeout=10) as api:
        tenant_id = run_tour(api)
    assert host.stop() == 0
    planted = [EMAIL, PHONE_RAW, PHONE_E164, PHONE_E164[1:], IP, "Planted Name"]
    files = [p for p in host.data_dir.rglob("*") if p.is_file()] + [host.log_path]
    assert len(files) > 3 and tenant_id.encode() in host.log_path.read_bytes() + b"".join(
        p.read_bytes() for p in files
    )
    hits = [(p.name, value) for p in files for value in planted if value.encode() in p.read_bytes()]
    assert hits == []


def run_tour(api: httpx.Client) -> str:
    created = api.post(
        "/v1/tenants",
        headers=as_role("Platform.Admin"),
        json={"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN]},
    )
    assert created.status_code == 201
    tenant_id, key = created.json()["tenantId"], created.json()["widgetKey"]
    widget = {"X-Widget-Key": key, "Origin": ORIGIN, "X-Forwarded-For": f"{IP}:40000"}
    context = {
        "userAgent": f"Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 {EMAIL}",
        "language": "fr-FR",
        "screen": {"width": 1920, "height": 1080},
        "timezone": "Europe/Paris",
    }
    for _ in range(5):
        answer = api.post(
            "/v1/collect",
            headers=widget,
            json={
                "visitorId": "visitor-1",
                "visitorSecret": visitor_secret("visitor-1"),
                "sessionId": "session-1",
                "context": context,
                "events": events(20),
            },
        )
        assert answer.status_code == 202 and answer.json()["accepted"] == 20
    contact = api.post(
        "/v1/contacts",
        headers=widget,
        json={
            "visitorId": "visitor-1",
            "visitorSecret": visitor_secret("visitor-1"),
            "email": EMAIL,
            "phone": PHONE_RAW,
            "name": "Planted Name",
            "message": f"call me on {PHONE_RAW}",
            "callbackRequested": True,
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "v3"},
        },
    )
    assert contact.status_code == 202
    bad = api.post(
        "/v1/contacts",
        headers=widget,
        json={
            "visitorId": "visitor-1",
            "visitorSecret": visitor_secret("visitor-1"),
            "email": EMAIL.replace("@", " at "),
            "phone": "+33 6",
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "v3"},
        },
    )
    assert bad.status_code == 400 and EMAIL.split("@")[0] not in bad.text

    def listed(role: str) -> Any:
        items = api.get(f"/v1/tenants/{tenant_id}/contacts", headers=as_role(role)).json()["items"]
        return items or None

    [masked] = wait_for(lambda: listed("Support.Agent"))
    assert masked["email"] == "p***@e***.org" and masked["phone"].endswith("32")
    assert PHONE_E164 not in str(masked)
    [full] = listed("Privacy.Admin")
    assert full["email"] == EMAIL and full["phone"] == PHONE_E164
    verified = api.get(f"/v1/tenants/{tenant_id}/audit/verify", headers=as_role("Auditor"))
    assert verified.json()["valid"] is True and verified.json()["entries"] >= 4
    return str(tenant_id)
