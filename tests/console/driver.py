"""Drives the console as people do: sign in through the sign-in page, click, read the page.

Every request a page makes is recorded, so tests can say that nothing left the host and no
personal value reached a URL; every page checked gets an axe-core run (no serious or critical
violation) and a screenshot under ``test-output/console/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

AXE_RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
}"""


@dataclass
class Person:
    """One signed-in browser context (its own session cookie)."""

    console: Console
    context: BrowserContext
    page: Page
    name: str

    def open(self, hash_path: str, heading: str | re.Pattern[str] | None = None) -> Page:
        self.page.goto(f"{self.console.base}/api/console/#{hash_path}")
        return self.ready(heading)

    def ready(self, heading: str | re.Pattern[str] | None = None) -> Page:
        """The route has rendered: its heading is there and nothing is still loading."""
        main = self.page.locator("main")
        expect(main.locator("h1")).to_be_visible()
        expect(main.locator(".loading")).to_have_count(0)
        if heading is not None:
            try:
                expect(main.locator("h1")).to_have_text(heading)
            except AssertionError as failure:
                raise AssertionError(f"{failure}\n\npage said: {main.inner_text()}") from None
        return self.page

    def check(self, name: str) -> None:
        self.console.check(self.page, name)


@dataclass
class Console:
    browser: Browser
    base: str
    axe_source: str
    screenshots: Path
    requests: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def new_context(self, width: int = 1280, height: int = 900) -> BrowserContext:
        context = self.browser.new_context(
            viewport={"width": width, "height": height}, accept_downloads=True
        )
        context.set_default_timeout(10_000)
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("console", self._console_message)
        return context

    def _console_message(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def sign_in(self, name: str, roles: list[str], tenants: str = "*", width: int = 1280) -> Person:
        """Signed out at the console, follow its Sign in link and fill the sign-in form."""
        context = self.new_context(width=width)
        page = context.new_page()
        person = Person(self, context, page, name)
        page.goto(f"{self.base}/api/console/")
        person.ready("Sign in to the privacy console")
        page.get_by_role("main").get_by_role("link", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
        page.get_by_label("Name").fill(name)
        for role in roles:
            page.locator(f"input[name=roles][value='{role}']").check()
        page.get_by_label("Tenant grants").fill(tenants)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".masthead__name")).to_have_text(name)
        person.ready()
        self.people.append(person)
        return person

    def check(self, page: Page, name: str) -> None:
        """No serious or critical accessibility violation, and a screenshot for people."""
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.axe_source)
        violations = page.evaluate(AXE_RUN)
        assert violations == [], f"{name}: {violations}"
        page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)
        self.checked.append(name)

    def close(self) -> None:
        for person in self.people:
            person.context.close()
