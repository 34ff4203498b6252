"""Every page of the console, at desktop and phone widths, with axe-core; the forms people use
most by keyboard; errors shown in words; and a cross-site form post refused in a real browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import expect

from tests.app_client import principal
from tests.console.driver import Console, Person
from tests.console.seeding import Api, seed_pages
from tests.e2e.host_process import HostProcess, free_port

pytestmark = pytest.mark.e2e
ROLES = ["Platform.Admin", "Privacy.Admin", "Privacy.Operator", "Support.Agent", "Auditor"]


def header(*roles: str) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal(*roles, oid="oid-seeder")}


@pytest.fixture(scope="module")
def seeded(console_host: HostProcess) -> Iterator[dict[str, str]]:
    """Every page's data, made through the API by someone else than the person browsing."""
    api = Api.on(console_host)
    yield seed_pages(api, console_host)
    api.client.close()


def pages(ids: dict[str, str]) -> list[tuple[str, str, str]]:
    t, r = f"/t/{ids['tenant']}", ids["request"]
    return [
        ("tenants", "/tenants", "Tenants"),
        ("tenant-create", "/tenants/new", "Create a tenant"),
        ("tenant", t, "Pages Shop"),
        ("tenant-settings", f"{t}/settings", "Change settings"),
        ("requests", f"{t}/requests", "Requests"),
        ("request-start", f"{t}/requests/new", "Start a request"),
        ("request", f"{t}/requests/{r}", "Erasure request"),
        ("contacts", f"{t}/contacts", "Contacts"),
        ("holds", f"{t}/holds", "Legal holds"),
        ("offboarding-none", f"{t}/offboarding", "Offboarding"),
        ("offboarding", f"/t/{ids['leaving']}/offboarding", "Offboarding"),
        ("audit", f"{t}/audit", "Audit trail"),
        ("subprocessor-changes", f"{t}/subprocessors", "Subprocessor changes"),
        ("records", f"{t}/records", "Records of processing"),
        ("incidents", "/incidents", "Incidents"),
        ("incident-report", "/incidents/new", "Report a breach"),
        ("incident", f"/incidents/{ids['incident']}", "Incident"),
        ("subprocessors", "/subprocessors", "Subprocessors"),
        ("webhooks", f"{t}/webhooks", "Webhooks"),
        ("webhook-add", f"{t}/webhooks/new", "Add a webhook"),
        ("webhook", f"{t}/webhooks/{ids['webhook']}", "Webhook"),
        ("notices", f"{t}/notices", "Notices"),
        ("breach-notice", f"{t}/notices/{ids['incident']}", "Breach notice"),
        ("authority", "/authority", "Authority requests"),
        ("authority-record", "/authority/new", "Record an authority request"),
        ("authority-request", f"/authority/{ids['authority']}", "Authority request"),
        ("mailbox", "/mailbox", "Mailbox"),
        ("mail", f"/mailbox/{ids['mail']}", "Personal data breach notice"),
        ("not-found", "/nowhere", "Page not found"),
    ]


@pytest.fixture(scope="module")
def everyone(console: Console) -> Person:
    return console.sign_in("Alex Everything", ROLES)


@pytest.fixture(scope="module")
def phone(console: Console) -> Person:
    return console.sign_in("Pia Phone", ROLES, width=360)


def test_every_page_passes_axe_on_a_desktop(everyone: Person, seeded: dict[str, str]) -> None:
    for name, path, heading in pages(seeded):
        everyone.open(path, heading)
        everyone.check(f"desktop-{name}")


def test_every_page_fits_a_360_px_screen(phone: Person, seeded: dict[str, str]) -> None:
    for name, path, heading in pages(seeded):
        page = phone.open(path, heading)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than the screen"
        phone.check(f"phone-{name}")


def test_a_page_is_ready_within_a_second_of_loading(
    everyone: Person, seeded: dict[str, str]
) -> None:
    """Measured from the browser's navigation start to the rendered route (about 0.15 s here)."""
    for path, heading in ((f"/t/{seeded['tenant']}/requests", "Requests"), ("/tenants", "Tenants")):
        page = everyone.open(path, heading)
        page.reload()
        everyone.ready(heading)
        assert page.evaluate("() => performance.now()") < 1000


def test_the_sign_in_page_and_the_signed_out_page_pass_axe(console: Console) -> None:
    context = console.new_context()
    page = context.new_page()
    page.goto(f"{console.base}/api/console/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the privacy console")
    console.check(page, "signed-out")
    page.goto(f"{console.base}/.auth/login/aad")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("link", name="Enter a name")).to_have_attribute("href", "#name")
    console.check(page, "sign-in-errors")
    context.close()


def test_a_keyboard_user_skips_to_the_content_and_sees_where_focus_is(everyone: Person) -> None:
    page = everyone.open("/tenants", "Tenants")
    page.reload()
    everyone.ready("Tenants")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to main content"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).backgroundColor")
    assert outline == "rgb(255, 221, 0)", "the focused link is highlighted"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_a_hold_is_created_and_released_with_the_keyboard(
    everyone: Person, seeded: dict[str, str]
) -> None:
    page = everyone.open(f"/t/{seeded['tenant']}/holds", "Legal holds")
    page.get_by_label("All of this tenant's data").focus()
    page.keyboard.press("Space")
    page.get_by_label("Reason").fill("audit by the regulator")
    page.get_by_role("button", name="Create hold").focus()
    page.keyboard.press("Enter")
    everyone.ready("Legal holds")
    row = page.locator("main tbody tr", has_text="audit by the regulator")
    expect(row).to_have_count(1)
    row.get_by_role("button").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Yes, release it")).to_be_focused()
    page.keyboard.press("Enter")
    everyone.ready("Legal holds")
    expect(page.locator("main tbody tr", has_text="audit by the regulator")).to_have_count(0)


def test_a_refusal_is_shown_in_words_next_to_the_field(everyone: Person) -> None:
    page = everyone.open("/tenants/new", "Create a tenant")
    page.get_by_label("Name", exact=True).fill("Bad origins")
    page.get_by_label("Allowed origins").fill("not a web address")
    page.get_by_role("button", name="Create tenant").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary).not_to_contain_text("{")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Allowed origins")).to_be_focused()
    expect(page.locator("[data-field=allowedOrigins] .field-error")).to_be_visible()


class _Attacker(BaseHTTPRequestHandler):
    """Another origin on this machine: a page that posts a form to the console's API."""

    target = ""

    def do_GET(self) -> None:
        body = f"""<!doctype html><title>Win a prize</title>
<form id="f" method="post" action="{self.target}/api/v1/tenants" enctype="text/plain">
<input name='{{"name":"Forged","region":"eu","allowedOrigins":[],"x":"' value='"}}'>
</form><script>document.getElementById('f').submit()</script>"""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def attacker(console: Console) -> Iterator[str]:
    handler = type("Handler", (_Attacker,), {"target": console.base})
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_form_posted_from_another_origin_is_refused(
    console: Console, attacker: str, console_host: HostProcess
) -> None:
    victim = console.sign_in("Vic Victim", ["Platform.Admin"])
    with victim.page.expect_response(lambda r: r.url.endswith("/api/v1/tenants")) as posted:
        victim.page.goto(attacker)
    assert posted.value.status == 403
    names = [
        t["name"]
        for t in httpx.get(
            f"{console_host.url}/api/v1/tenants", headers=header("Platform.Admin"), timeout=10
        ).json()["items"]
    ]
    assert "Forged" not in names


def test_settings_change_shortens_retention_and_shows_the_restamp_job(
    everyone: Person, seeded: dict[str, str]
) -> None:
    tid = seeded["tenant"]
    page = everyone.open(f"/t/{tid}/settings", "Change settings")
    page.get_by_label("behaviour (days)").fill("7")
    page.get_by_label("Record calls (encrypted, deletable)").check()
    page.get_by_role("button", name="Save settings").click()
    everyone.ready("Pages Shop")
    retention = page.locator("main table", has_text="Retention per data category")
    expect(retention.locator("tr", has_text="behaviour")).to_contain_text("7 days")
    expect(retention.locator("tr", has_text="behaviour")).to_contain_text("This tenant")
    expect(page.locator("main")).to_contain_text("retention changed")
    expect(page.locator(".summary__row", has_text="Call recording")).to_contain_text("On")


def test_a_ceiling_refusal_is_shown_beside_the_form(
    everyone: Person, seeded: dict[str, str]
) -> None:
    page = everyone.open(f"/t/{seeded['tenant']}/settings", "Change settings")
    page.get_by_label("audit (days)").fill("30")
    page.get_by_role("button", name="Save settings").click()
    settings = page.locator("form", has=page.get_by_label("audit (days)"))
    expect(settings.locator(".error-summary")).to_contain_text("audit retention cannot be below 90")


def test_offboarding_is_scheduled_from_its_page(
    everyone: Person, console_host: HostProcess
) -> None:
    created = httpx.post(
        f"{console_host.url}/api/v1/tenants",
        headers=header("Platform.Admin"),
        json={"name": "Ending Co", "region": "eu", "allowedOrigins": []},
        timeout=10,
    ).json()
    page = everyone.open(f"/t/{created['tenantId']}/offboarding", "Offboarding")
    page.get_by_label("Contract end").fill("2031-06-30")
    page.get_by_role("button", name="Schedule offboarding").click()
    everyone.ready("Offboarding")
    expect(page.locator(".summary__row", has_text="Phase")).to_contain_text("scheduled")
    expect(page.locator(".summary__row", has_text="Contract end")).to_contain_text("30 Jun 2031")


def test_a_breach_is_reported_and_its_notice_marked_sent(
    everyone: Person, seeded: dict[str, str]
) -> None:
    page = everyone.open("/incidents/new", "Report a breach")
    page.get_by_label("Detected at (UTC)").fill("2026-11-30T09:30")
    page.get_by_label("Started at (UTC)").fill("2026-11-30T09:00")
    page.get_by_label("What happened").fill("a report mailed to the wrong customer")
    page.get_by_label("Systems involved").fill("reporting")
    page.get_by_label("contact", exact=True).check()
    page.get_by_label("Affected tenants (optional)").fill(seeded["tenant"])
    page.get_by_label("Contact point").fill("DPO desk")
    page.get_by_role("button", name="Report the breach").click()
    everyone.ready("Incident")
    row = page.locator("main tbody tr", has_text="Pages Shop")
    expect(row).to_contain_text("pending")
    row.get_by_role("button", name="Mark as sent").click()
    everyone.ready("Incident")
    # the page has re-rendered with the notice sent once its next action is offered (the old
    # row's "Mark as sent" button alone would already contain the word)
    row = page.locator("main tbody tr", has_text="Pages Shop")
    expect(row.get_by_role("button", name="Mark as acknowledged")).to_be_visible()


def test_a_privacy_admin_objects_to_a_proposed_subprocessor(
    everyone: Person, seeded: dict[str, str]
) -> None:
    page = everyone.open(f"/t/{seeded['tenant']}/subprocessors", "Subprocessor changes")
    expect(page.locator("main tbody tr", has_text="Mailer Inc")).to_contain_text("No")
    page.get_by_label("Reason").fill("we promised EU-only mail")
    page.get_by_role("button", name="Send the objection").click()
    everyone.ready("Subprocessor changes")
    expect(page.locator("main tbody tr", has_text="Mailer Inc")).to_contain_text("Yes")
