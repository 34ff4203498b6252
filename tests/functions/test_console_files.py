"""The console's files as the function app serves them: a fixed set, with the console's
security headers on every answer, and nothing else reachable through a name."""

from __future__ import annotations

from pathlib import Path

import pytest

from functions.console_http import CONSOLE_DIR
from tests.app_client import AppClient

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; media-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def asset(client: AppClient, name: str, **headers: str) -> object:
    return client.call("console_asset", "GET", route={"asset": name}, headers=headers)


def test_the_page_is_html_with_the_consoles_headers_and_no_inline_script(
    client: AppClient,
) -> None:
    answer = client.call("console_page", "GET")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-store"
    for name, value in HEADERS.items():
        assert answer.headers[name] == value
    page = answer.body.decode()
    assert '<script type="module" src="/api/console/app.js"></script>' in page
    assert (
        "<script>" not in page
        and " style=" not in page
        and "http" not in page.replace("http-equiv", "")
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [("app.js", "text/javascript"), ("console.css", "text/css"), ("favicon.svg", "image/svg")],
)
def test_each_file_has_its_type_and_is_revalidated_by_etag(
    client: AppClient, name: str, kind: str
) -> None:
    first = asset(client, name)
    assert first.status == 200
    assert first.headers["Content-Type"].startswith(kind)
    assert first.headers["Cache-Control"] == "no-cache"
    assert first.headers["Content-Security-Policy"] == HEADERS["Content-Security-Policy"]
    again = asset(client, name, **{"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and again.body == b""
    assert asset(client, name, **{"If-None-Match": '"stale"'}).status == 200


@pytest.mark.parametrize(
    "name",
    [
        "../function_app.py",
        "..",
        ".gitignore",
        "app.js%00.png",
        "APP.JS",
        "missing.js",
        "..%2Ffunction_app.py",
        "local.settings.json",
        "app.py",
    ],
)
def test_no_other_file_is_reachable(client: AppClient, name: str) -> None:
    answer = asset(client, name)
    assert answer.status == 404
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_every_script_is_a_module_of_the_console_and_loads_nothing_from_elsewhere() -> None:
    scripts = sorted(CONSOLE_DIR.glob("*.js"))
    assert scripts, "the console has scripts"
    for script in scripts:
        text = Path(script).read_text()
        assert "innerHTML" not in text and "eval(" not in text, script.name
        assert "localStorage" not in text and "sessionStorage" not in text, script.name
        assert "http://" not in text and "https://" not in text.replace(
            "https://shop.example", ""
        ), script.name
