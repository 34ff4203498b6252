"""Smoke over HTTP: report an incident to the running host and read its notices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import visitor_secret
from tests.e2e.helpers import as_role, wait_for
from tests.e2e.host_process import HostProcess
from tests.e2e.test_privacy_tour import EMAIL, IP, ORIGIN, PHONE_E164, PHONE_RAW

pytestmark = pytest.mark.e2e
ADMIN = as_role("Platform.Admin")


def tenant_with_contact(api: httpx.Client, name: str) -> str:
    created = api.post(
        "/v1/tenants",
        headers=ADMIN,
        json={"name": name, "region": "eu", "allowedOrigins": [ORIGIN]},
    ).json()
    widget = {"X-Widget-Key": created["widgetKey"], "Origin": ORIGIN, "X-Forwarded-For": IP}
    contact = {
        "visitorId": "v-1",
        "visitorSecret": visitor_secret("v-1"),
        "email": EMAIL,
        "phone": PHONE_RAW,
        "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
    }
    assert api.post("/v1/contacts", headers=widget, json=contact).status_code == 202
    tenant_id: str = created["tenantId"]
    contacts = f"/v1/tenants/{tenant_id}/contacts"
    wait_for(lambda: api.get(contacts, headers=as_role("Privacy.Admin")).json()["items"])
    return tenant_id


def test_report_an_incident_and_read_its_notices(host: HostProcess) -> None:
    with httpx.Client(base_url=f"{host.url}/api", timeout=10) as api:
        tenants = [tenant_with_contact(api, name) for name in ("Shop A", "Shop B")]
        now = datetime.now(UTC)
        body: dict[str, Any] = {
            "detectedAt": now.isoformat(),
            "startedAt": (now - timedelta(hours=1)).isoformat(),
            "nature": "Support export shared with the wrong recipient",
            "systems": ["support console"],
            "categories": ["contact", "consent"],
            "tenantIds": tenants,
            "measures": {"taken": ["recipient confirmed deletion"], "proposed": []},
            "contact": "DPO desk",
        }
        reported = api.post("/v1/incidents", headers=ADMIN, json=body)
        assert reported.status_code == 201, reported.text
        incident_id = reported.json()["incidentId"]
        incident = api.get(f"/v1/incidents/{incident_id}", headers=ADMIN).json()
        assert incident["approximateSubjects"] == 2 and incident["noticesPending"] == 2
        for tenant_id in tenants:
            path = f"/v1/incidents/{incident_id}/notices/{tenant_id}"
            notice = api.get(path, headers=ADMIN).json()
            assert notice["approximateRecords"] == {"contact": 1, "consent": 1}
            markdown = api.get(path, headers=ADMIN, params={"format": "markdown"})
            assert markdown.headers["content-type"].startswith("text/markdown")
            sent = api.post(path, headers=ADMIN, json={"status": "sent"})
            assert sent.status_code == 200 and sent.json()["status"] == "sent"
            for text in (markdown.text, sent.text):
                assert not [v for v in (EMAIL, PHONE_RAW, PHONE_E164, IP) if v in text]
