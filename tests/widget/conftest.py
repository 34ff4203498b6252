"""The widget example (docs/widget/privacy-widget.js) in a real browser: a shop page served from
its own origin on loopback, the embedded host on another port, Debian's chromium driven by
Playwright (as the console's tests; skipped off CI when chromium is missing)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.console.conftest import CHROMIUM_ARGS
from tests.e2e.conftest import E2E_ENV
from tests.e2e.host_process import ROOT, HostProcess, free_port

SNIPPET = ROOT / "docs" / "widget" / "privacy-widget.js"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title></head>
<body>
<p><button id="accept">Accept analytics</button> <button id="refuse">Refuse</button></p>
<p><a href="#products" data-track="products">Products</a>
<button data-track="add-to-cart">Add to cart</button> <button id="buy">Buy</button></p>
<script type="application/json" id="config">CONFIG</script>
<script type="module">
import { startWidget } from './privacy-widget.js';
const config = JSON.parse(document.getElementById('config').textContent);
window.widget = startWidget(config);
for (const [id, analytics] of [['accept', true], ['refuse', false]]) {
  document.getElementById(id).addEventListener('click', async () => {
    document.body.dataset.consent = await window.widget.consent({ analytics });
  });
}
</script>
</body></html>
"""


@dataclass
class ShopSite:
    """The tenant's own site: one page with the widget, configured per test."""

    url: str
    config: dict[str, Any]

    @property
    def origin(self) -> str:
        return self.url.rstrip("/")


def _handler(site: ShopSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/privacy-widget.js":
                body, kind = SNIPPET.read_bytes(), "text/javascript; charset=utf-8"
            else:
                page = PAGE.replace("CONFIG", json.dumps(site.config))
                body, kind = page.encode(), "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def shop_site() -> Iterator[ShopSite]:
    port = free_port()
    site = ShopSite(f"http://127.0.0.1:{port}/", {})
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def widget_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    base = tmp_path_factory.mktemp("widget-host")
    process = HostProcess(base / "data", base / "host.log", E2E_ENV)
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = os.environ.get("PRIVACY_CHROMIUM") or shutil.which("chromium")
    if not path:
        if os.environ.get("CI"):
            pytest.fail("the widget's browser tests need chromium (apt-get install chromium)")
        pytest.skip("the widget's browser tests need chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
