"""The tour of issue 14, in a real browser against the embedded host: a platform admin creates
a tenant; a widget sends traffic and a privacy request; an operator finds the request first in
the queue with its deadline; a second person, a privacy admin, approves it; it completes and
its certificate and export download; support sees masked contacts and no request page; an
auditor verifies the chain. Every page is checked with axe-core and photographed."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import visitor_secret
from tests.console.driver import Console, Person
from tests.e2e.helpers import collect, wait_for, widget
from tests.e2e.host_process import HostProcess

pytestmark = pytest.mark.e2e
EMAIL, PHONE = "tour.visitor@example.org", "+33 6 12 34 56 78"
VISITOR = "v-console-tour"


@dataclass
class Shop:
    tenant_id: str
    widget_key: str
    request_id: str = ""


@pytest.fixture(scope="module")
def platform(console: Console) -> Person:
    return console.sign_in("Pat Platform", ["Platform.Admin"])


@pytest.fixture(scope="module")
def shop(console: Console, platform: Person) -> Shop:
    """Created through the console's form; the key is read from the page, where it is shown
    once."""
    page = platform.open("/tenants", "Tenants")
    platform.check("tenants")
    page.get_by_role("link", name="Create a tenant").click()
    platform.ready("Create a tenant")
    page.get_by_label("Name", exact=True).fill("Console Shop")
    page.get_by_label("Allowed origins").fill("https://shop.example")
    page.get_by_label("Default country (optional)").fill("FR")
    platform.check("tenant-create")
    page.get_by_role("button", name="Create tenant").click()
    key = page.get_by_label("Widget key")
    expect(key).to_have_value(re.compile(r"^wk_eu_"))
    expect(page.get_by_text("This widget key is shown only once")).to_be_visible()
    expect(page.get_by_role("button", name="Copy the key")).to_be_visible()
    platform.check("tenant-created")
    tenant_id = page.locator(".banner code").inner_text()
    return Shop(tenant_id, key.input_value())


@pytest.fixture(scope="module")
def api(console_host: HostProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{console_host.url}/api", timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def traffic(api: httpx.Client, shop: Shop, console_host: HostProcess) -> Shop:
    """What a visitor's browser sends: events, a contact, then their own access request."""
    assert collect(api, shop.widget_key, VISITOR, 3).status_code == 202
    contact = {
        "visitorId": VISITOR,
        "visitorSecret": visitor_secret(VISITOR),
        "email": EMAIL,
        "phone": PHONE,
        "name": "Tour Visitor",
        "consent": {"granted": True, "purposes": ["callback"], "textVersion": "2026-01"},
    }
    assert api.post("/v1/contacts", headers=widget(shop.widget_key), json=contact).is_success
    ask = {"visitorId": VISITOR, "visitorSecret": visitor_secret(VISITOR), "email": EMAIL,
           "type": "access"}
    answer = api.post("/v1/privacy-requests", headers=widget(shop.widget_key), json=ask)
    assert answer.status_code == 202, answer.text
    shop.request_id = answer.json()["requestId"]
    return shop


def queue_rows(page: Page) -> list[str]:
    return page.locator("main table tbody tr").all_inner_texts()


def test_the_tour(console: Console, traffic: Shop, platform: Person) -> None:
    tid, rid = traffic.tenant_id, traffic.request_id
    platform.open(f"/t/{tid}", "Console Shop")
    platform.check("tenant-overview")

    operator = console.sign_in("Olive Operator", ["Privacy.Operator"], tenants=tid)
    page = operator.open(f"/t/{tid}/requests", "Requests")
    later = page.get_by_role("link", name="Start a request")
    later.click()
    operator.ready("Start a request")
    operator.check("request-start")
    page.get_by_label("Erasure request").check()
    page.get_by_label("Email address (optional)").fill("someone.else@example.org")
    page.get_by_role("button", name="Start request").click()
    operator.ready("Erasure request")

    page = operator.open(f"/t/{tid}/requests", "Requests")
    rows = queue_rows(page)
    assert len(rows) == 2
    assert rid in rows[0] and "Access request" in rows[0], rows
    assert "widget" in rows[0] and "received" in rows[0].lower()
    assert re.search(r"Due in (29|30) days", rows[0]), rows[0]
    operator.check("requests")

    page.get_by_role("link", name="Access request").click()
    operator.ready("Access request")
    expect(page.locator(".timeline")).to_contain_text("through the widget")
    operator.check("request-received")
    verify = page.locator("details[data-action=verify]")  # a widget request: two people
    verify.locator("summary").click()
    verify.get_by_label("Email", exact=True).check()
    verify.get_by_role("button", name="Record the identity check").click()
    # the banner in the page (the screen-reader announcer outside <main> may say it too)
    expect(page.locator("main").get_by_role("status").filter(
        has_text="Identity check recorded")).to_have_count(1)
    expect(page.locator("details[data-action=verify]")).to_have_count(0)

    admin = console.sign_in("Grace Admin", ["Privacy.Admin"], tenants=tid)
    page = admin.open(f"/t/{tid}/requests/{rid}", "Access request")
    approve = page.locator("details[data-action=approve]")
    approve.locator("summary").click()
    page.get_by_label("Reason").first.fill("Identity checked by a reply from the address on file")
    admin.check("request-approve")
    approve.get_by_role("button", name="Approve").click()
    expect(page.locator("#request-status")).to_have_text("completed", timeout=30_000)
    expect(page.locator(".timeline__step--done")).to_have_count(5)
    admin.check("request-completed")

    with page.expect_download() as zipped:
        page.get_by_role("link", name="Download the export (zip of JSON and CSV)").click()
    package = zipfile.ZipFile(io.BytesIO(Path(zipped.value.path()).read_bytes()))
    assert "manifest.json" in package.namelist()

    page.get_by_role("link", name="View the certificate").click()
    admin.ready("Certificate: access request")
    admin.check("certificate")
    with page.expect_download() as saved:
        page.get_by_role("button", name="Download the certificate").click()
    certificate = json.loads(Path(saved.value.path()).read_text())
    assert certificate["requestId"] == rid and certificate["certificate"]["type"] == "access"
    assert EMAIL not in json.dumps(certificate)

    support = console.sign_in("Sam Support", ["Support.Agent"], tenants=tid)
    page = support.open(f"/t/{tid}/contacts", "Contacts")
    expect(page.locator("main table")).to_contain_text("t***@e***.org")
    assert EMAIL not in page.content()
    expect(page.get_by_text("Email addresses and phone numbers are masked")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests")
    ).to_have_count(0)
    support.check("contacts-masked")
    support.open(f"/t/{tid}/requests", "You cannot open this page")
    expect(page.get_by_role("alert")).to_contain_text("You do not have permission")

    auditor = console.sign_in("Ari Auditor", ["Auditor"], tenants=tid)
    page = auditor.open(f"/t/{tid}/audit", "Audit trail")
    expect(page.locator("main table")).to_contain_text("dsar.decided")
    page.get_by_role("button", name="Verify the chain").click()
    expect(page.locator("#verify-result")).to_contain_text("The chain is intact")
    auditor.check("audit-verified")

    assert console.csp_violations == []


def test_the_operator_records_the_identity_check(
    console: Console, traffic: Shop, api: httpx.Client
) -> None:
    ask = {"visitorId": VISITOR, "visitorSecret": visitor_secret(VISITOR), "email": EMAIL,
           "type": "erasure"}
    answer = api.post("/v1/privacy-requests", headers=widget(traffic.widget_key), json=ask)
    request_id = answer.json()["requestId"]
    tid = traffic.tenant_id
    operator = console.sign_in("Vera Verifier", ["Privacy.Operator"], tenants=tid)
    page = operator.open(f"/t/{tid}/requests/{request_id}", "Erasure request")
    verify = page.locator("details[data-action=verify]")
    expect(verify).to_have_count(1)
    verify.locator("summary").click()
    verify.get_by_label("Identity document").check()
    verify.get_by_role("button", name="Record the identity check").click()
    # the banner in the page (the screen-reader announcer outside <main> may say it too)
    expect(page.locator("main").get_by_role("status").filter(
        has_text="Identity check recorded")).to_have_count(1)
    expect(page.locator(".timeline")).to_contain_text("Identity checked")
    admin = console.sign_in("Hana Approver", ["Privacy.Admin"], tenants=tid)
    page = admin.open(f"/t/{tid}/requests/{request_id}", "Erasure request")
    expect(page.locator("details[data-action=approve]")).to_be_visible()


def test_nothing_leaves_the_host_and_no_personal_value_is_in_a_url_or_storage(
    console: Console, traffic: Shop, console_host: HostProcess
) -> None:
    person = console.sign_in("Nora Privacy", ["Privacy.Admin"], tenants=traffic.tenant_id)
    page = person.open(f"/t/{traffic.tenant_id}/contacts", "Contacts")
    expect(page.locator("main table")).to_contain_text(EMAIL)
    storage = page.evaluate("() => [localStorage.length, sessionStorage.length]")
    assert storage == [0, 0]
    wait_for(lambda: console.requests, what="recorded requests")
    foreign = [u for u in console.requests if not u.startswith(console_host.url)]
    assert foreign == [], "the console loads nothing from another host"
    for value in (EMAIL, "tour.visitor", "+33612345678", "Tour Visitor"):
        assert not [u for u in console.requests if value in u], value
