"""Browser tests of the privacy console: one embedded host for the package (starting it is
most of a module's cost), one headless Chromium per module (its record of requests is the
module's own), a fresh browser context (its own cookies) for each person who signs in. The
host runs with its test clock, so a test can let a failing step exhaust its retries
(``POST /admin/clock``) instead of waiting for them.

Chromium is Debian's package (``.ci/run`` installs it); Playwright drives it and never
downloads a browser. axe-core comes from its npm package (``npm ci``) and is evaluated in each
page through the DevTools protocol, so the console's CSP stays in force while it runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.console.driver import Console
from tests.console.seeding import Api
from tests.e2e.conftest import E2E_ENV
from tests.e2e.host_process import ROOT, HostProcess

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-output" / "console"


def _chromium() -> str | None:
    return os.environ.get("PRIVACY_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="package")
def chromium_path() -> str:
    """Skipped only off CI: on CI a missing browser is a failure, not a silent skip."""
    path = _chromium()
    if path and AXE.exists():
        return path
    missing = "chromium (apt-get install chromium)" if not path else "axe-core (npm ci)"
    if os.environ.get("CI"):
        pytest.fail(f"the console's browser tests need {missing}")
    pytest.skip(f"the console's browser tests need {missing}")


@pytest.fixture(scope="package")
def console_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    base = tmp_path_factory.mktemp("console-host")
    process = HostProcess(base / "data", base / "host.log", E2E_ENV, ("--test-clock",))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def console(chromium_path: str, console_host: HostProcess) -> Iterator[Console]:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        driver = Console(browser, console_host.url, AXE.read_text(), SCREENSHOTS)
        yield driver
        driver.close()
        browser.close()


@pytest.fixture(scope="module")
def api(console_host: HostProcess) -> Iterator[Api]:
    """The API as a signed-in caller, for seeding what a page shows (a module may override it)."""
    caller = Api.on(console_host)
    yield caller
    caller.client.close()
