"""The console's notification pages in a real browser: a webhook's secret shown once (and the
one that signs what the endpoint receives), its deliveries paged, a new secret, deletion; a
breach notice the tenant cannot acknowledge while pending, then can; an authority request held
back by a gag order until it is lifted; the local mailbox, for platform admins only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.console.driver import Console, Person
from tests.console.seeding import Api
from tests.e2e.helpers import wait_for
from tests.e2e.host_process import HostProcess
from tests.receiver import Received, Receiver, serve

pytestmark = pytest.mark.e2e
EVENTS = 21  # one more than a page of deliveries


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The tenant's endpoint: accepts the first delivery, then answers 503."""
    yield from serve(Receiver(answers=[200, 503]))


@pytest.fixture(scope="module")
def shops(api: Api) -> dict[str, str]:
    """One tenant per test; only the mailed one has a privacy contact (the others' breach
    notices stay pending)."""
    contacts = [{"email": "dpo@mailed.example", "events": ["incident.notice"]}]
    return {
        "hooked": api.tenant("Hooked Shop")["tenantId"],
        "breached": api.tenant("Breached Shop")["tenantId"],
        "requested": api.tenant("Requested Shop")["tenantId"],
        "mailed": api.tenant("Mailed Shop", privacyContacts=contacts)["tenantId"],
    }


@pytest.fixture(scope="module")
def admin(console: Console, shops: dict[str, str]) -> Person:
    """A privacy admin of these tenants only (no Platform.Admin)."""
    return console.sign_in("Tara Tenant", ["Privacy.Admin"], tenants=",".join(shops.values()))


@pytest.fixture(scope="module")
def platform(console: Console) -> Person:
    return console.sign_in("Paula Platform", ["Platform.Admin"])


def signed_with(secret: str, delivery: Received) -> bool:
    """Standard Webhooks: v1,<base64 HMAC-SHA256(key, id.timestamp.body)>."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{delivery.headers['webhook-id']}.{delivery.headers['webhook-timestamp']}."
    digest = hmac.new(key, signed.encode() + delivery.body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    return expected in delivery.headers["webhook-signature"].split(" ")


def test_a_webhook_secret_is_shown_once_and_signs_what_the_endpoint_receives(
    admin: Person, api: Api, shops: dict[str, str], receiver: Receiver
) -> None:
    tid = shops["hooked"]
    page = admin.open(f"/t/{tid}/webhooks", "Webhooks")
    page.get_by_role("link", name="Add a webhook").click()
    admin.ready("Add a webhook")
    page.get_by_label("Endpoint URL").fill("https://10.0.0.1/privacy")
    page.get_by_label("A privacy request is received (dsar.received)").check()
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".error-summary")).to_contain_text("must resolve to public addresses only")
    expect(page.locator("[data-field=url] .field-error")).to_be_visible()
    assert api.call("GET", f"/v1/tenants/{tid}/webhooks")["items"] == [], "nothing stored"

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_role("button", name="Add webhook").click()
    shown = page.get_by_label("Signing secret")
    expect(shown).to_have_value(re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$"))
    expect(page.get_by_text("This signing secret is shown only once")).to_be_visible()
    expect(page.get_by_role("button", name="Copy the secret")).to_be_visible()
    admin.check("webhook-secret-once")
    secret = shown.input_value()

    for n in range(EVENTS):
        ask = {"type": "erasure", "identifiers": {"visitorId": f"v-{n}"}}  # waits: no work
        api.post(f"/v1/tenants/{tid}/dsar", ask)
    wait_for(lambda: len(receiver.received) >= EVENTS, what="every event posted once")
    assert all(signed_with(secret, d) for d in receiver.received)

    page.get_by_role("link", name="Open the webhook").click()
    admin.ready("Webhook")
    assert secret not in page.content()
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(20)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    statuses = rows.all_inner_texts()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    statuses += rows.all_inner_texts()
    assert sum("DELIVERED" in r.upper() and "HTTP 200" in r for r in statuses) == 1, statuses
    assert sum("RETRYING" in r.upper() and "HTTP 503" in r for r in statuses) == EVENTS - 1
    admin.check("webhook-deliveries")

    page.get_by_label("Hours the current secret keeps signing").fill("1")
    page.get_by_role("button", name="Replace the secret").click()
    rotated = page.get_by_label("Signing secret")
    expect(rotated).to_have_value(re.compile(r"^whsec_"))
    expect(page.locator("main")).to_contain_text("The previous secret keeps signing until")
    assert rotated.input_value() != secret
    fresh = rotated.input_value()

    page = admin.open(f"/t/{tid}/webhooks", "Webhooks")
    listed = api.call("GET", f"/v1/tenants/{tid}/webhooks")
    for value in (secret, fresh):
        assert value not in page.content() and value not in str(listed)
    page.get_by_role("link", name=receiver.url).click()
    admin.ready("Webhook")
    assert secret not in page.content() and fresh not in page.content()
    page.get_by_role("button", name="Delete this webhook").click()
    expect(page.get_by_text("Its pending deliveries stop")).to_be_visible()
    page.get_by_role("button", name="Yes, delete it").click()
    admin.ready("Webhooks")
    expect(page.locator("main")).to_contain_text("No webhook yet")
    assert api.call("GET", f"/v1/tenants/{tid}/webhooks")["items"] == []


def test_a_tenant_acknowledges_its_breach_notice_only_once_it_was_sent(
    admin: Person, api: Api, shops: dict[str, str]
) -> None:
    tid = shops["breached"]
    incident = api.incident(tid)  # no contact, no webhook: its notice stays pending
    page = admin.open(f"/t/{tid}/notices", "Notices")
    row = page.locator("main tbody tr", has_text=incident)
    expect(row).to_contain_text("pending")
    row.get_by_role("link", name=incident).click()
    admin.ready("Breach notice")
    expect(page.locator("main")).to_contain_text("a report mailed to the wrong customer")
    page.get_by_role("button", name="Acknowledge receipt").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("You cannot acknowledge this notice yet: it is still pending")
    expect(refusal).not_to_contain_text("{")
    admin.check("breach-notice-refused")

    api.post(f"/v1/incidents/{incident}/notices/{tid}", {"status": "sent"})
    page.reload()
    admin.ready("Breach notice")
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.locator(".banner--success")).to_contain_text("Notice acknowledged")
    expect(page.locator(".summary__row", has_text="Status")).to_contain_text("acknowledged")
    expect(page.get_by_role("button", name="Acknowledge receipt")).to_have_count(0)
    page = admin.open(f"/t/{tid}/notices", "Notices")
    expect(page.locator("main tbody tr", has_text=incident)).to_contain_text("acknowledged")


def test_an_authority_request_reaches_the_tenant_once_its_gag_order_is_lifted(
    admin: Person, platform: Person, api: Api, shops: dict[str, str]
) -> None:
    tid = shops["requested"]
    recorded = api.call("GET", "/v1/authority-requests")["items"]
    page = platform.open("/authority", "Authority requests")
    page.get_by_role("link", name="Record a request").click()
    platform.ready("Record an authority request")
    page.get_by_label("Authority", exact=True).fill("Federal police, file 7/26")
    page.get_by_label("Legal basis").fill("Code of criminal procedure, section 100")
    page.get_by_label("Received at (UTC)").fill("2026-11-28T09:00")
    page.get_by_label("Tenants concerned").fill(tid)
    page.get_by_label("contact", exact=True).check()
    page.get_by_label("A gag order until a date").check()
    page.get_by_role("button", name="Record the request").click()
    expect(page.locator(".error-summary")).to_contain_text("Enter when the gag order ends")
    assert api.call("GET", "/v1/authority-requests")["items"] == recorded, "nothing recorded"
    page.get_by_label("A gag order until it is lifted").check()
    page.get_by_role("button", name="Record the request").click()
    platform.ready("Authority request")
    expect(page.locator("main tbody tr", has_text="Requested Shop")).to_contain_text("Not yet")

    tenant_page = admin.open(f"/t/{tid}/notices", "Notices")
    expect(tenant_page.locator("main")).to_contain_text("No authority request concerns this tenant")

    page.get_by_label("No gag order: tell the tenants now").check()
    page.get_by_role("button", name="Update the gag order").click()
    platform.ready("Authority request")
    expect(page.locator("main tbody tr", has_text="Requested Shop")).not_to_contain_text("Not yet")
    page.get_by_label("Refused").check()
    page.get_by_label("What was given, or why not").fill("no valid order was shown")
    page.get_by_role("button", name="Record the answer").click()
    platform.ready("Authority request")
    expect(page.locator(".summary__row", has_text="Status")).to_contain_text("answered")
    platform.check("authority-answered")

    tenant_page.reload()
    admin.ready("Notices")
    told = tenant_page.locator("main tbody tr", has_text="Federal police, file 7/26")
    expect(told).to_contain_text("refused: no valid order was shown")
    admin.check("authority-notice")


def test_the_mailbox_shows_what_was_mailed_to_platform_admins_only(
    admin: Person, platform: Person, api: Api, shops: dict[str, str], console_host: HostProcess
) -> None:
    tid = shops["mailed"]
    incident = api.incident(tid)
    wait_for(lambda: [m for m in (console_host.data_dir / "mailbox").glob("*.eml")
                      if incident in m.read_text()], what="the notice mailed")
    page = platform.open("/tenants", "Tenants")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mailbox").click()
    platform.ready("Mailbox")
    row = page.locator("main tbody tr", has_text=f"breach-notice-{incident}.json")
    expect(row).to_contain_text("dpo@mailed.example")
    row.get_by_role("link", name="Personal data breach notice").click()
    platform.ready("Personal data breach notice")
    expect(page.locator("pre")).to_contain_text(f"incidentId: {incident}")

    page = admin.open(f"/t/{tid}", "Mailed Shop")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Mailbox")).to_have_count(0)
    expect(main_nav.get_by_role("link", name="Authority requests")).to_have_count(0)
    page = admin.open("/mailbox", "Mailbox")
    expect(page.get_by_role("alert")).to_contain_text("You do not have permission")
    assert "dpo@mailed.example" not in page.content()
    admin.check("mailbox-refused")
