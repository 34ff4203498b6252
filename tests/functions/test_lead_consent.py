"""Consent per lead (seed 003: which lead consented shows in the reports): each contact in the
listing and its CSV export carries the consent it came with, and a refusal stores no lead."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.app_client import AppClient
from tests.conftest import PRIVACY_ADMIN, SUPPORT, visitor_secret, widget_headers
from tests.stored import stored_records

EMAIL = "lead.consent@example.org"


def send(client: AppClient, tenant: dict[str, Any], visitor: str, granted: bool,
         name: str = "Jean") -> None:
    body = {
        "visitorId": visitor,
        "visitorSecret": visitor_secret(visitor),
        "email": EMAIL,
        "name": name,
        "consent": {"granted": granted, "purposes": ["callback", "marketing"],
                    "textVersion": "2026-01"},
    }
    assert client.call("submit_contact", body=body, headers=widget_headers(tenant)).status == 202
    client.drain()


def listing(client: AppClient, tenant: dict[str, Any], headers: dict[str, str],
            **params: str) -> Any:
    return client.call("list_contacts", "GET", headers=headers, params=params,
                       route={"tenantId": tenant["tenantId"]})


def test_each_lead_shows_its_consent_purposes_and_text_version(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    send(client, tenant, "v-lead", True)
    [contact] = listing(client, tenant, PRIVACY_ADMIN).json()["items"]
    assert contact["consent"] == {
        "consentId": f"{contact['contactId']}-consent",
        "granted": True,
        "purposes": ["callback", "marketing"],
        "textVersion": "2026-01",
        "recordedAt": contact["createdAt"],
        "withdrawn": [],
    }


def test_a_later_withdrawal_shows_on_the_lead(client: AppClient, tenant: dict[str, Any]) -> None:
    send(client, tenant, "v-lead", True)
    body = {"visitorId": "v-lead", "visitorSecret": visitor_secret("v-lead"),
            "purposes": {"marketing": False}, "textVersion": "2026-02"}
    assert client.call("submit_consent", body=body, headers=widget_headers(tenant)).status == 202
    client.drain()
    [contact] = listing(client, tenant, PRIVACY_ADMIN).json()["items"]
    assert contact["consent"]["granted"] is True
    assert contact["consent"]["withdrawn"] == ["marketing"]


def test_a_refused_consent_stores_no_lead_only_the_refusal(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    send(client, tenant, "v-refuses", False)
    tid = tenant["tenantId"]
    assert listing(client, tenant, PRIVACY_ADMIN).json()["items"] == []
    store = client.services.store
    assert stored_records(store, tid, "contact") == []
    [proof] = stored_records(store, tid, "consent")
    assert proof["purposes"] == {"callback": False, "marketing": False}
    assert proof["textVersion"] == "2026-01" and EMAIL not in str(proof)
    index = store.query("blind_index", (tid,), max_items=100).items
    assert [i["kind"] for i in index] == ["visitor"]  # the email was never indexed
    actions = [e["action"] for e in client.services.audit_for("eu").entries(tid, limit=50).items]
    assert "consent.recorded" in actions and "contact.created" not in actions


def test_the_csv_export_carries_the_consent_columns_masked_for_support(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    send(client, tenant, "v-lead", True, name="=HYPERLINK(\"http://evil.example\")")
    full = listing(client, tenant, PRIVACY_ADMIN, format="csv")
    assert full.status == 200 and full.headers["Content-Type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(full.body.decode())))
    assert row["email"] == EMAIL and row["consentGranted"] == "true"
    assert row["consentPurposes"] == "callback marketing" and row["consentTextVersion"] == "2026-01"
    assert row["name"].startswith("'=")  # a formula is text in the reader's spreadsheet
    masked = listing(client, tenant, SUPPORT, format="csv")
    [row] = list(csv.DictReader(io.StringIO(masked.body.decode())))
    assert EMAIL not in masked.body.decode() and row["masked"] == "true"
    assert row["consentGranted"] == "true"
    [entry] = client.services.audit_for("eu").entries(
        tenant["tenantId"], action="contacts.read", limit=1
    ).items
    assert entry["details"]["format"] == "csv"
    assert listing(client, tenant, PRIVACY_ADMIN, format="xml").status == 400
