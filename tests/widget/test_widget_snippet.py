"""The widget example against the embedded host, in a browser, as a visitor uses a shop."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.app_client import principal
from tests.e2e.helpers import wait_for
from tests.e2e.host_process import HostProcess
from tests.e2e.test_dsar_e2e import Shop, api_for, unzip
from tests.stored import region_store, stored_records
from tests.widget.conftest import ShopSite

pytestmark = pytest.mark.e2e
PLATFORM = {"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")}
LOG_FETCHES = """
const original = window.fetch;
window.fetch = function (url, options = {}) {
  const log = JSON.parse(sessionStorage.getItem('test:fetches') || '[]');
  log.push({ path: new URL(url).pathname, keepalive: options.keepalive === true });
  sessionStorage.setItem('test:fetches', JSON.stringify(log));
  return original.call(this, url, options);
};
"""
"""Records how the page called fetch, in the tab's session storage, where the next page of the
same site finds it (a request sent while a page goes away cannot be observed from that page)."""


@dataclass
class Seen:
    """What the page sent to the host and what it was answered, in order."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    """Every request to the host as it leaves the page (answered or not)."""

    def to(self, path: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"].endswith(path) and c["method"] == "POST"]


def collect(response: Any) -> bool:
    return bool(response.url.endswith("/v1/collect") and response.request.method == "POST")


def open_tenant(host: HostProcess, site: ShopSite, **extra: Any) -> dict[str, Any]:
    created = httpx.post(
        f"{host.url}/api/v1/tenants", headers=PLATFORM,
        json={"name": "Shop", "region": "eu", "allowedOrigins": [site.origin], **extra},
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


@pytest.fixture
def visit(browser: Any, shop_site: ShopSite, widget_host: HostProcess) -> Iterator[Any]:
    def start(
        tenant: dict[str, Any], seen: Seen, *, fake_timers: bool = False,
        stored_visitor: dict[str, str] | None = None, init_script: str = "", **config: Any,
    ) -> Any:
        shop_site.config = {
            "endpoint": f"{widget_host.url}/api", "widgetKey": tenant["widgetKey"],
            "textVersion": "2026-11", "flushMs": 60_000, **config,
        }
        context = browser.new_context()
        contexts.append(context)

        def answered(response: Any) -> None:
            request = response.request
            if request.url.startswith(widget_host.url):
                seen.calls.append({
                    "method": request.method, "path": request.url, "status": response.status,
                    "body": json.loads(request.post_data or "null"), "at": time.monotonic(),
                    "retryAfter": response.headers.get("retry-after"),
                })

        context.on("response", answered)
        context.on("request", lambda r: r.url.startswith(widget_host.url) and seen.sent.append(
            f"{r.method} {r.url.removeprefix(widget_host.url)}"
        ))
        if stored_visitor:  # what an earlier visit left in the visitor's browser
            context.add_init_script(
                f"localStorage.setItem('privacy-widget:visitor', '{json.dumps(stored_visitor)}')"
            )
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        if fake_timers:  # the page's timers move only when the test says so
            page.clock.install()
        page.goto(shop_site.url)
        page.wait_for_function("window.widget !== undefined")
        return page

    contexts: list[Any] = []
    yield start
    for context in contexts:
        context.close()


def access_export(
    host: HostProcess, tenant: dict[str, Any], visitor_id: str
) -> list[dict[str, Any]]:
    """What the host stored for the visitor, as the tenant's team reads it: an access request
    through the admin API, its behaviour records from the export."""
    with api_for(host) as api:
        shop = Shop(api, host, tenant["tenantId"], tenant["widgetKey"])
        accepted = shop.start({"type": "access", "identifiers": {"visitorId": visitor_id}})
        assert shop.wait_status(accepted)["status"] == "completed"
        files = unzip(shop.export(accepted["requestId"]).content)
    return list(json.loads(files.get("behaviour.json", "[]")))


def stored_events(host: HostProcess, tenant: dict[str, Any]) -> int:
    with region_store(host.data_dir) as store:
        return len(stored_records(store, tenant["tenantId"], "event"))


def test_nothing_before_consent_then_batches_of_20_and_the_rest_when_the_page_is_hidden(
    visit: Any, shop_site: ShopSite, widget_host: HostProcess
) -> None:
    tenant, seen = open_tenant(widget_host, shop_site), Seen()
    page = visit(tenant, seen, fake_timers=True, init_script=LOG_FETCHES)
    page.click("[data-track=products]")
    page.click("#buy")
    page.clock.run_for(120_000)  # two flush periods: anything queued would have gone
    page.evaluate("widget.flush()")
    assert seen.sent == []  # not a byte to the host before the visitor chose

    page.click("#accept")
    page.wait_for_selector("body[data-consent='202']")
    visitor = page.evaluate("widget.visitorId")
    with page.expect_response(collect):
        for _ in range(19):  # with the page view: 20 events, one batch, sent at once
            page.click("[data-track=add-to-cart]")
    [batch] = seen.to("/v1/collect")
    assert batch["status"] == 202 and len(batch["body"]["events"]) == 20
    assert batch["body"]["visitorId"] == visitor and len(batch["body"]["visitorSecret"]) >= 22

    page.click("[data-track=add-to-cart]")
    page.click("[data-track=add-to-cart]")
    page.goto(shop_site.url)  # the next page: pagehide sends the last clicks and time on page
    wait_for(lambda: stored_events(widget_host, tenant) == 23, what="every event stored")
    fetches = json.loads(page.evaluate("sessionStorage.getItem('test:fetches')"))
    calls = [(f["path"], f["keepalive"]) for f in fetches]
    assert calls[:2] == [("/api/v1/consents", False), ("/api/v1/collect", False)]
    # what the page sent while going away (pagehide, perhaps visibilitychange first) outlives it
    assert calls[2:] and set(calls[2:]) == {("/api/v1/collect", True)}

    records = access_export(widget_host, tenant, visitor)
    kinds = sorted((r["eventType"], r.get("target")) for r in records)
    assert kinds == sorted(
        [("page_view", None), ("time_on_page", None)] + [("click", "add-to-cart")] * 21
    )  # no click on "products" or "buy": they happened before consent
    assert {r["url"] for r in records} == {shop_site.url}  # the page, no query string


def test_a_429_is_retried_after_retry_after_with_the_same_events(
    visit: Any, shop_site: ShopSite, widget_host: HostProcess
) -> None:
    """One call per 5 s for this tenant: the consent takes it, the first batch is refused."""
    tenant = open_tenant(widget_host, shop_site, rateLimit={"perSecond": 0.2, "burst": 1})
    seen = Seen()
    page = visit(tenant, seen)
    page.click("#accept")
    page.wait_for_selector("body[data-consent='202']")
    page.click("[data-track=add-to-cart]")
    with page.expect_response(collect):
        page.evaluate("widget.flush()")
    with page.expect_response(collect, timeout=15_000):
        pass  # the widget's own timer, after Retry-After
    refused, accepted = seen.to("/v1/collect")
    assert (refused["status"], accepted["status"]) == (429, 202)
    wait = int(refused["retryAfter"])
    assert wait >= 1 and accepted["at"] - refused["at"] >= wait - 0.25
    assert [e["id"] for e in accepted["body"]["events"]] == [
        e["id"] for e in refused["body"]["events"]
    ]


def test_a_visitor_id_bound_to_another_secret_starts_a_new_visitor(
    visit: Any, shop_site: ShopSite, widget_host: HostProcess
) -> None:
    """The stored pair no longer matches what the host bound (storage copied, half cleared):
    403 visitor-mismatch, and the widget carries on as a new visitor instead of failing."""
    tenant, seen = open_tenant(widget_host, shop_site), Seen()
    bound = httpx.post(
        f"{widget_host.url}/api/v1/consents",
        headers={"X-Widget-Key": tenant["widgetKey"], "Origin": shop_site.origin},
        json={"visitorId": "v-taken", "visitorSecret": "the-first-secret-of-v-taken",
              "purposes": {"analytics": False}, "textVersion": "2026-11"},
    )
    assert bound.status_code == 202
    stale = {"id": "v-taken", "secret": "another-secret-for-v-taken"}
    page = visit(tenant, seen, stored_visitor=stale)
    page.click("#accept")
    page.wait_for_selector("body[data-consent='202']")
    consents = [(c["status"], c["body"]["visitorId"]) for c in seen.to("/v1/consents")]
    fresh = page.evaluate("widget.visitorId")
    assert consents == [(403, "v-taken"), (202, fresh)] and fresh != "v-taken"
    kept = json.loads(page.evaluate("localStorage.getItem('privacy-widget:visitor')"))
    assert kept["id"] == fresh and kept["secret"] != stale["secret"]
    page.goto("about:blank")
    wait_for(lambda: stored_events(widget_host, tenant) == 2, what="the new visitor's events")
    assert len(access_export(widget_host, tenant, fresh)) == 2
    assert access_export(widget_host, tenant, "v-taken") == []
