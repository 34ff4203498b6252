"""The embedded host's emulation of App Service Authentication (API.md v1.1 "Easy Auth,
locally"), in front of an app that echoes the principal headers it receives."""

from __future__ import annotations

import base64
import json
import warnings
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from infra.embedded_host.easy_auth import COOKIE, EasyAuth, dev_object_id

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx is what the venv has
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

BASE = "http://127.0.0.1:7071"


async def echo(request: Request) -> JSONResponse:
    headers = request.headers
    return JSONResponse(
        {
            "principal": headers.get("x-ms-client-principal"),
            "name": headers.get("x-ms-client-principal-name"),
            "id": headers.get("x-ms-client-principal-id"),
        }
    )


@pytest.fixture
def browser() -> TestClient:
    app = Starlette(routes=[Route("/api/echo", echo, methods=["GET", "POST"])])
    return TestClient(EasyAuth(app), base_url=BASE, follow_redirects=False)


def sign_in(browser: TestClient, **fields: Any) -> Any:
    form = {"name": "Ada Operator", "roles": ["Privacy.Operator"], "tenants": "*"} | fields
    return browser.post("/.auth/login/dev", data=form, headers={"Origin": BASE})


def claims(header: str) -> list[tuple[str, str]]:
    decoded = json.loads(base64.b64decode(header))
    assert decoded["auth_typ"] == "aad"
    return [(c["typ"], c["val"]) for c in decoded["claims"]]


def test_signed_out_me_is_an_empty_list_and_no_principal_is_injected(browser: TestClient) -> None:
    assert browser.get("/.auth/me").json() == []
    assert browser.get("/api/echo").json()["principal"] is None


def test_login_page_is_a_form_with_a_strict_policy(browser: TestClient) -> None:
    page = browser.get("/.auth/login/aad", params={"post_login_redirect_uri": "/api/console/"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert 'action="/.auth/login/dev"' in page.text
    assert 'value="/api/console/"' in page.text
    assert "<script" not in page.text


def test_sign_in_sets_a_strict_session_cookie_and_injects_the_principal(
    browser: TestClient,
) -> None:
    answer = sign_in(
        browser,
        roles=["Privacy.Admin", "Auditor"],
        tenants="t-a, t-b:Support.Agent",
        post_login_redirect_uri="/api/console/",
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/api/console/"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Ada" not in cookie

    echoed = browser.get("/api/echo").json()
    got = claims(echoed["principal"])
    assert ("roles", "Privacy.Admin") in got and ("roles", "Auditor") in got
    assert ("tenants", "t-a") in got and ("tenants", "t-b:Support.Agent") in got
    assert ("name", "Ada Operator") in got
    assert echoed["id"] == dev_object_id("Ada Operator")
    me = browser.get("/.auth/me").json()
    assert me[0]["provider_name"] == "aad" and me[0]["user_id"] == "Ada Operator"
    assert {"typ": "roles", "val": "Auditor"} in me[0]["user_claims"]


def test_the_session_overrides_a_client_sent_principal_as_app_service_does(
    browser: TestClient,
) -> None:
    forged = base64.b64encode(json.dumps({"claims": [{"typ": "roles", "val": "x"}]}).encode())
    assert (
        browser.get("/api/echo", headers={"X-MS-CLIENT-PRINCIPAL": forged.decode()}).json()[
            "principal"
        ]
        == forged.decode()
    ), "without a session an explicit header still works"
    sign_in(browser)
    echoed = browser.get("/api/echo", headers={"X-MS-CLIENT-PRINCIPAL": forged.decode()}).json()
    assert ("roles", "Privacy.Operator") in claims(echoed["principal"])
    assert ("roles", "x") not in claims(echoed["principal"])


def test_a_browser_form_post_from_the_sign_in_page_itself_is_accepted(
    browser: TestClient,
) -> None:
    """Chromium sends ``Origin: null`` for a form posted under a no-referrer policy; its
    ``Sec-Fetch-Site`` still says where the form came from."""
    form = {"name": "Ada", "roles": "Auditor", "tenants": "*"}
    same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert browser.post("/.auth/login/dev", data=form, headers=same).status_code == 303
    assert browser.get("/.auth/me").json()[0]["user_id"] == "Ada"


def test_two_names_are_two_people_and_one_name_is_the_same_person() -> None:
    assert dev_object_id("Ada") == dev_object_id("ada")
    assert dev_object_id("Ada") != dev_object_id("Grace")


def test_logout_ends_the_session_even_for_a_replayed_cookie(browser: TestClient) -> None:
    sign_in(browser)
    token = browser.cookies[COOKIE]
    answer = browser.get("/.auth/logout", params={"post_logout_redirect_uri": "/api/console/"})
    assert answer.status_code == 302 and answer.headers["location"] == "/api/console/"
    assert browser.get("/.auth/me").json() == []
    replay = TestClient(browser.app, base_url=BASE, cookies={COOKIE: token})
    assert replay.get("/api/echo").json()["principal"] is None


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_redirects_stay_on_this_host(browser: TestClient, target: str) -> None:
    answer = sign_in(browser, post_login_redirect_uri=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/api/console/"
    logout = browser.get("/.auth/logout", params={"post_logout_redirect_uri": target})
    assert logout.headers["location"] == "/api/console/"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": BASE},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "null"},
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(
    browser: TestClient, headers: dict[str, str]
) -> None:
    form = {"name": "Mallory", "roles": "Platform.Admin", "tenants": "*"}
    answer = browser.post("/.auth/login/dev", data=form, headers=headers)
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers
    assert browser.get("/.auth/me").json() == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Enter a name"),
        ({"roles": ["Root"]}, "roles", "Choose roles from the list"),
        ({"roles": [], "tenants": "*"}, "roles", "Choose at least one role"),
        ({"tenants": "t-a; drop"}, "tenants", "Enter grants like"),
        ({"tenants": "t-a:Root"}, "roles", "Choose roles from the list"),
    ],
)
def test_a_bad_form_is_shown_again_with_an_error_summary_and_no_session(
    browser: TestClient, fields: dict[str, Any], field: str, message: str
) -> None:
    answer = sign_in(browser, **fields)
    assert answer.status_code == 400
    assert "set-cookie" not in answer.headers
    assert 'class="error-summary"' in answer.text and f'href="#{field}"' in answer.text
    assert message in answer.text
    assert answer.text.count("<title>Error: ") == 1


def test_values_are_escaped_in_the_page_shown_again(browser: TestClient) -> None:
    answer = sign_in(browser, name='<script>alert("x")</script>', roles=["Nope"])
    assert answer.status_code == 400
    assert "<script>" not in answer.text and "&lt;script&gt;" in answer.text


def test_a_role_granted_in_one_tenant_needs_no_roles_claim(browser: TestClient) -> None:
    answer = sign_in(browser, roles=[], tenants="t-a:Privacy.Admin")
    assert answer.status_code == 303
    got = claims(browser.get("/api/echo").json()["principal"])
    assert ("tenants", "t-a:Privacy.Admin") in got
    assert not [c for c in got if c[0] == "roles"]


def test_unknown_auth_paths_are_not_found(browser: TestClient) -> None:
    assert browser.get("/.auth/login/google").status_code == 404
    assert browser.post("/.auth/me").status_code == 404


def test_the_mfa_box_adds_mfa_to_the_principals_authentication_methods(
    browser: TestClient,
) -> None:
    page = browser.get("/.auth/login/aad")
    assert 'name="mfa"' in page.text and "Signed in with MFA" in page.text
    sign_in(browser, mfa="on")
    with_mfa = claims(browser.get("/api/echo").json()["principal"])
    assert ("amr", "pwd") in with_mfa and ("amr", "mfa") in with_mfa
    browser.get("/.auth/logout")
    sign_in(browser)
    without = claims(browser.get("/api/echo").json()["principal"])
    assert ("amr", "pwd") in without and ("amr", "mfa") not in without
