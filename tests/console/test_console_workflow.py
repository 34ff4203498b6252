"""The console's request actions and tenant settings in a real browser: the identity check, a
wrong match left out, waiting for the requester and resuming, an erasure cancelled in its
waiting period, a restriction lifted, a failed request retried; a call recording played
through the audited route; privacy contacts and contract terms; offboarding without an
export; each lead's consent and every contact as CSV."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from infra.embedded_host.easy_auth import dev_object_id
from tests.console.driver import Console, Person
from tests.console.seeding import OTHER_ADMIN, Api
from tests.e2e.helpers import advance, wait_for
from tests.e2e.host_process import HostProcess
from tests.e2e.test_dsar_workflow_e2e import subject_doc, write_subject_doc
from tests.recording_upload import metadata, multipart, telephony

pytestmark = pytest.mark.e2e
OTTO = "Otto Operator"


@pytest.fixture(scope="module")
def otto(console: Console) -> Person:
    """Checks identities and decides, in every tenant (not the one who starts requests)."""
    return console.sign_in(OTTO, ["Privacy.Operator", "Privacy.Admin"])


def act(page: Page, action: str, button: str, **fields: str) -> None:
    """Open an action's panel on the request page, fill it in and submit it."""
    panel = page.locator(f"details[data-action={action}]")
    panel.locator("summary").click()
    for label, value in fields.items():
        control = panel.get_by_label(label.replace("_", " "), exact=True)
        control.check() if value == "check" else control.fill(value)
    panel.get_by_role("button", name=button, exact=True).click()


def status(page: Page) -> object:
    return expect(page.locator("#request-status"))


def test_an_erasure_is_checked_narrowed_paused_resumed_and_cancelled_in_its_waiting_period(
    otto: Person, api: Api
) -> None:
    shop = api.tenant("Careful Shop", erasureWaitingDays=2)
    tid = shop["tenantId"]
    for visitor in ("v-parent", "v-child"):  # one family address, two visitors
        api.contact(shop["widgetKey"], visitor, "family@careful.example")
    wait_for(lambda: len(api.contacts(tid)) == 2, what="both contacts stored")
    rid = api.post(f"/v1/tenants/{tid}/dsar", {
        "type": "erasure", "identifiers": {"email": "family@careful.example"}})["requestId"]

    page = otto.open(f"/t/{tid}/requests/{rid}", "Erasure request")
    act(page, "verify", "Record the identity check", Email="check")
    expect(page.locator(".banner--success")).to_contain_text("Identity check recorded")
    matches = page.locator("main table", has_text="Matches").locator("tbody tr")
    expect(matches).to_have_count(2)
    second = matches.nth(1).locator("details[data-match]")
    second.locator("summary").click()
    second.get_by_label("Why is this not the requester?").fill("the child asked nothing")
    second.get_by_role("button", name="Leave this match out").click()
    expect(page.locator(".banner--success")).to_contain_text("Match left out")
    expect(matches.nth(1)).to_contain_text("Left out: the child asked nothing")
    otto.check("request-match-excluded")

    act(page, "pause", "Wait for the requester", Identity_documents="check")
    status(page).to_have_text("awaiting requester")  # type: ignore[attr-defined]
    act(page, "resume", "The requester answered: resume")
    status(page).to_have_text("awaiting approval")  # type: ignore[attr-defined]

    api.post(f"/v1/tenants/{tid}/dsar/{rid}/decision", {"approve": True, "reason": "checked"},
             headers=OTHER_ADMIN)  # a third person: neither the starter nor the verifier
    page.reload()
    otto.ready("Erasure request")
    status(page).to_have_text("approved")  # type: ignore[attr-defined]
    act(page, "cancel", "Cancel the erasure", Reason="the requester withdrew it by phone")
    status(page).to_have_text("cancelled")  # type: ignore[attr-defined]
    served = api.request(tid, rid)
    assert served["status"] == "cancelled"
    assert [m["excluded"] for m in served["matches"]] == [False, True]
    assert len(api.contacts(tid)) == 2, "nothing was erased"


def test_a_completed_restriction_is_lifted(otto: Person, api: Api) -> None:
    tid = api.tenant("Restricted Shop")["tenantId"]
    rid = api.post(f"/v1/tenants/{tid}/dsar", {
        "type": "restriction", "identifiers": {"visitorId": "v-disputed"}})["requestId"]
    api.wait(tid, rid, {"completed"})
    page = otto.open(f"/t/{tid}/requests/{rid}", "Restriction request")
    act(page, "lift", "Lift", Reason="the dispute is settled")
    expect(page.locator(".banner--success")).to_contain_text("Lifted: the widget accepts")
    assert api.request(tid, rid)["result"]["lifted"]["by"] == dev_object_id(OTTO)


def test_a_failed_request_is_retried_from_its_page(
    otto: Person, api: Api, console_host: HostProcess
) -> None:
    shop = api.tenant("Broken Shop")
    tid = shop["tenantId"]
    api.contact(shop["widgetKey"], "v-broken", "broken@shop.example")
    [contact] = wait_for(lambda: api.contacts(tid), what="the contact stored")
    pk, body = subject_doc(console_host, contact["subjectId"])
    broken = json.loads(body)
    broken["dataKey"]["wrapped"] = "A" * 48  # its data key no longer unwraps
    write_subject_doc(console_host, pk, json.dumps(broken))
    rid = api.post(f"/v1/tenants/{tid}/dsar", {
        "type": "access", "identifiers": {"visitorId": "v-broken"}})["requestId"]

    def failed() -> bool:
        advance(console_host, "PT10S")  # the step's retries wait on the host's clock
        return bool(api.request(tid, rid)["status"] == "failed")

    wait_for(failed, timeout=40, what="the request failed after its step's retries")
    write_subject_doc(console_host, pk, body)  # repaired
    page = otto.open(f"/t/{tid}/requests/{rid}", "Access request")
    status(page).to_have_text("failed")  # type: ignore[attr-defined]
    act(page, "retry", "Retry")
    expect(page.locator(".banner--success")).to_contain_text("Request started again")
    status(page).to_have_text("completed", timeout=20_000)  # type: ignore[attr-defined]


def a_second_of_silence() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * 8000)
    return out.getvalue()


def test_a_call_recording_plays_through_the_audited_route(
    otto: Person, api: Api, console: Console
) -> None:
    tid = api.tenant("Calling Shop", recordingEnabled=True)["tenantId"]
    body, content_type = multipart(metadata("v-caller"), a_second_of_silence(), "audio/wav")
    uploaded = api.client.post(f"/v1/tenants/{tid}/recordings", content=body,
                               headers=telephony(tid) | content_type)
    assert uploaded.status_code == 201, uploaded.text
    rid = api.post(f"/v1/tenants/{tid}/dsar", {
        "type": "access", "identifiers": {"visitorId": "v-caller"}})["requestId"]
    api.wait(tid, rid, {"completed"})
    assert api.audit(tid, "recording.audio.read") == []

    page = otto.open(f"/t/{tid}/requests/{rid}", "Access request")
    page.get_by_role("button", name="List the call recordings").click()
    row = page.locator("main table", has_text="Call recordings").locator("tbody tr")
    expect(row).to_contain_text("1 min 35 s")
    expect(page.get_by_role("button", name="List the call recordings")).to_be_hidden()
    player = row.locator("audio")
    src = player.get_attribute("src") or ""
    assert src.endswith(f"/recordings/{uploaded.json()['recordingId']}/audio")
    assert row.get_by_role("link", name="Download").get_attribute("href") == src
    with page.expect_response(lambda r: r.url.endswith(src)) as heard:
        player.evaluate("audio => { audio.preload = 'auto'; audio.load(); }")
    assert heard.value.status in (200, 206)
    loaded = "a => a.readyState >= 1 && a.duration > 0.9"  # a second of audio, decoded
    page.wait_for_function(loaded, arg=player.element_handle())
    otto.check("request-recordings")
    assert console.csp_violations == []
    [read] = api.audit(tid, "recording.audio.read")[-1:]
    assert read["actor"] == dev_object_id(OTTO)


def test_privacy_contacts_and_the_contract_terms_each_need_their_role(
    console: Console, otto: Person, api: Api
) -> None:
    tid = api.tenant("Settled Shop")["tenantId"]
    admin = otto  # a privacy admin, not a platform admin
    page = admin.open(f"/t/{tid}/settings", "Change settings")
    expect(page.get_by_text("Only the platform team changes the contract terms")).to_be_visible()
    expect(page.get_by_label("Days to object to a subprocessor change")).to_have_count(0)
    page.get_by_label("Erasure waiting period (days)").fill("3")
    page.get_by_role("button", name="Save settings").click()
    admin.ready("Settled Shop")
    waiting = page.locator(".summary__row", has_text="Erasure waiting period")
    expect(waiting).to_contain_text("3 days")

    page = admin.open(f"/t/{tid}/settings", "Change settings")

    def events(n: int) -> Locator:
        return page.locator("fieldset", has=page.locator(
            "legend", has_text=f"Contact {n}: events mailed"))

    page.get_by_label("Contact 1: email address").fill("not an address")
    events(1).get_by_label("A breach notice is issued (incident.notice)").check()
    page.get_by_role("button", name="Save privacy contacts").click()
    refusal = page.locator("form", has=page.get_by_label("Contact 1: email address"))
    expect(refusal.locator(".error-summary")).to_contain_text("Enter an email address like")
    expect(refusal.locator("[data-field=contact-0-email] .field-error")).to_be_visible()
    page.get_by_label("Contact 1: email address").fill("dpo@settled.example")
    page.get_by_role("button", name="Add another contact").click()
    expect(page.get_by_label("Contact 2: email address")).to_be_focused()
    expect(page.get_by_label("Contact 1: email address")).to_have_value("dpo@settled.example")
    page.get_by_label("Contact 2: email address").fill("team@settled.example")
    events(2).get_by_label("A privacy request is received (dsar.received)").check()
    admin.check("settings-contacts")
    page.get_by_role("button", name="Save privacy contacts").click()
    admin.ready("Settled Shop")
    contacts = page.locator(".summary__row", has_text="Privacy contacts")
    expect(contacts).to_contain_text("dpo@settled.example")
    expect(contacts).to_contain_text("team@settled.example")

    platform = console.sign_in("Percy Platform", ["Platform.Admin"])
    page = platform.open(f"/t/{tid}/settings", "Change settings")
    page.get_by_label("DPA version (optional)").fill("2019-appendix-D")
    page.get_by_label("Days to object to a subprocessor change").fill("7")
    page.get_by_role("button", name="Save contract terms").click()
    platform.ready("Settled Shop")
    expect(page.locator(".summary__row", has_text="Window to object")).to_contain_text("7 days")
    tenant = api.call("GET", f"/v1/tenants/{tid}")
    assert tenant["dpaVersion"] == "2019-appendix-D" and tenant["objectionWindowDays"] == 7
    assert [c["events"] for c in tenant["privacyContacts"]] == [["incident.notice"],
                                                               ["dsar.received"]]


def test_offboarding_without_an_export_is_scheduled(otto: Person, api: Api) -> None:
    tid = api.tenant("Vanishing Ltd")["tenantId"]
    page = otto.open(f"/t/{tid}/offboarding", "Offboarding")
    page.get_by_label("Contract end").fill("2031-06-30")
    page.get_by_label("Delete at the end of the contract, without an export").check()
    page.get_by_role("button", name="Schedule offboarding").click()
    otto.ready("Offboarding")
    expect(page.locator(".summary__row", has_text="What happens")).to_contain_text(
        "Delete at the end of the contract: everything is deleted")
    expect(page.locator(".summary__row", has_text="Export available until")).to_have_count(0)
    assert api.call("GET", f"/v1/tenants/{tid}/offboarding")["mode"] == "delete_now"


def test_each_lead_shows_its_consent_and_every_contact_downloads_as_csv(
    otto: Person, api: Api
) -> None:
    shop = api.tenant("Leads Ltd")
    tid = shop["tenantId"]
    api.contact(shop["widgetKey"], "v-lead", "lead@leads.example")
    wait_for(lambda: api.contacts(tid), what="the lead stored")
    page = otto.open(f"/t/{tid}/contacts", "Contacts")
    expect(page.locator("main tbody tr", has_text="lead@leads.example")).to_contain_text(
        "Given for callback")
    with page.expect_download() as saved:
        page.get_by_role("button", name="Download all contacts (CSV)").click()
    csv = Path(saved.value.path()).read_text()
    header, row = csv.strip().splitlines()
    assert header.startswith("contactId,subjectId,createdAt,email") and "consentGranted" in header
    assert "lead@leads.example" in row and row.endswith(",true,callback,2026-01,")  # not withdrawn


def test_no_personal_value_reached_an_address_the_browser_requested(console: Console) -> None:
    """Run last in this module: every request its pages made, identifiers typed or shown."""
    assert console.requests, "the module's pages made requests"
    for value in ("family@careful.example", "broken@shop.example", "lead@leads.example",
                  "dpo@settled.example", "team@settled.example", "family", "lead@"):
        assert not [u for u in console.requests if value in u], value
