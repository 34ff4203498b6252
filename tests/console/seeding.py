"""What others do through the API while a person uses the console: create tenants, file and
decide requests, report incidents, upload a call. Each caller is a distinct person (an object
id), as the two-person rules need."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.app_client import principal
from tests.conftest import ORIGIN, visitor_secret
from tests.e2e.helpers import wait_for, widget
from tests.e2e.host_process import HostProcess

ROLES = ["Platform.Admin", "Privacy.Admin", "Privacy.Operator", "Support.Agent", "Auditor"]


def person(*roles: str, oid: str) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal(*roles, oid=oid)}


SEEDER = person(*ROLES, oid="oid-seeder")
OTHER_ADMIN = person("Privacy.Admin", oid="oid-other-admin")
OPERATOR = person("Privacy.Operator", oid="oid-seeding-operator")


@dataclass
class Api:
    client: httpx.Client

    @classmethod
    def on(cls, host: HostProcess) -> Api:
        return cls(httpx.Client(base_url=f"{host.url}/api", timeout=15))

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] = SEEDER) -> dict[str, Any]:
        answer = self.client.request(method, path, json=body, headers=headers)
        assert answer.is_success, f"{method} {path}: {answer.status_code} {answer.text}"
        return dict(answer.json()) if answer.content else {}

    def post(self, path: str, body: Any = None, headers: dict[str, str] = SEEDER) -> dict[str, Any]:
        return self.call("POST", path, body, headers)

    def tenant(self, name: str, **settings: Any) -> dict[str, Any]:
        """``{tenantId, widgetKey, ...}``: the widget may call from https://shop.example."""
        body = {"name": name, "allowedOrigins": [ORIGIN], **settings}
        return self.post("/v1/tenants", body)

    def contact(self, key: str, visitor: str, email: str) -> None:
        """A visitor leaves an address through the widget, consenting to be called back."""
        body = {"visitorId": visitor, "visitorSecret": visitor_secret(visitor), "email": email,
                "consent": {"granted": True, "purposes": ["callback"], "textVersion": "2026-01"}}
        answer = self.client.post("/v1/contacts", headers=widget(key), json=body)
        assert answer.status_code == 202, answer.text

    def contacts(self, tenant_id: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/v1/tenants/{tenant_id}/contacts?limit=100")["items"])

    def incident(self, tenant_id: str) -> str:
        """A breach of contact data affecting this tenant alone."""
        return str(self.post("/v1/incidents", {
            "detectedAt": "2026-11-30T08:00:00Z", "startedAt": "2026-11-30T07:00:00Z",
            "nature": "a report mailed to the wrong customer", "systems": ["reporting"],
            "categories": ["contact"], "tenantIds": [tenant_id],
            "measures": {"taken": ["the recipient deleted it"], "proposed": []},
            "contact": "DPO desk",
        })["incidentId"])

    def request(self, tenant_id: str, rid: str, headers: dict[str, str] = SEEDER) -> dict[str, Any]:
        return self.call("GET", f"/v1/tenants/{tenant_id}/dsar/{rid}", headers=headers)

    def wait(
        self, tenant_id: str, rid: str, statuses: set[str], timeout: float = 20
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            current = self.request(tenant_id, rid)
            if current["status"] in statuses or time.monotonic() > deadline:
                assert current["status"] in statuses, current
                return current
            time.sleep(0.1)

    def audit(self, tenant_id: str, action: str) -> list[dict[str, Any]]:
        path = f"/v1/tenants/{tenant_id}/audit?action={action}&limit=100"
        return list(self.call("GET", path)["items"])


def seed_pages(api: Api, host: HostProcess) -> dict[str, str]:
    """A tenant with a hold, a request and a webhook (to a closed port: its delivery retries),
    one offboarding, an incident affecting it and a tenant with a privacy contact (mailed the
    notice), an authority request and a proposed subprocessor change: a page of each kind."""
    tid = api.post("/v1/tenants", {"name": "Pages Shop", "allowedOrigins": []})["tenantId"]
    mailed = api.tenant("Mailed Pages", privacyContacts=[
        {"email": "dpo@pages.example", "events": ["incident.notice"]}])["tenantId"]
    hook = api.post(f"/v1/tenants/{tid}/webhooks",
                    {"url": "http://127.0.0.1:9/closed", "events": ["dsar.received"]})
    leaving = api.post("/v1/tenants", {"name": "Leaving Ltd", "allowedOrigins": []})["tenantId"]
    api.post(f"/v1/tenants/{leaving}/offboarding", {"contractEnd": "2031-01-01T00:00:00Z"})
    api.post(f"/v1/tenants/{tid}/legal-holds", {"scope": "tenant", "reason": "claim 2026-17"})
    request = api.post(f"/v1/tenants/{tid}/dsar",
                       {"type": "erasure", "identifiers": {"email": "pages@example.org"}})
    incident = api.post("/v1/incidents", {
        "detectedAt": "2026-11-30T08:00:00Z", "startedAt": "2026-11-30T07:00:00Z",
        "nature": "an export sent to the wrong recipient", "systems": ["support console"],
        "categories": ["contact"], "tenantIds": [tid, mailed],  # the second one is mailed
        "measures": {"taken": ["recipient deleted it"], "proposed": []}, "contact": "DPO desk",
    })["incidentId"]
    api.post("/v1/subprocessors/changes", {"kind": "add", "subprocessor": {
        "name": "Mailer Inc", "purpose": "callback confirmations", "location": "EU (Ireland)",
        "dataCategories": ["contact"], "transferSafeguard": "processing in the EU"}})
    authority = api.post("/v1/authority-requests", {
        "authority": "Regional court, case 41/26", "legalBasis": "Code of criminal procedure",
        "receivedAt": "2026-11-29T10:00:00Z", "tenantIds": [tid], "categories": ["contact"],
    })
    return {
        "tenant": tid, "leaving": leaving, "request": request["requestId"], "incident": incident,
        "webhook": hook["webhookId"], "authority": authority["requestId"],
        "mail": notice_mail(host, incident).stem,
    }


def notice_mail(host: HostProcess, incident_id: str) -> Path:
    """The breach notice the local mailer wrote to a tenant's privacy contact."""

    def written() -> Path | None:
        mails = sorted((host.data_dir / "mailbox").glob("*.eml"))
        return next((m for m in mails if incident_id in m.read_text()), None)

    found: Path = wait_for(written, what="the breach notice e-mail")
    return found
