"""HTTP triggers served in-process: routing, conversion, auth levels, errors, admin API."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from infra.embedded_host.app_loader import describe
from infra.embedded_host.host_keys import HostKeys, load_or_create_host_keys
from infra.embedded_host.http_server import create_http_app

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx is what the venv has
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

KEYS = HostKeys(master="master-key", default="function-key")
LOCAL = "http://127.0.0.1:7071"
calls: list[str] = []


def build_app() -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="v1/echo/{id:int}", methods=["POST"])
    def echo(req: func.HttpRequest) -> func.HttpResponse:
        body = {
            "method": req.method,
            "id": req.route_params["id"],
            "q": req.params.get("q"),
            "xff": req.headers.get("x-forwarded-for"),
            "body": req.get_body().decode(),
            "url": req.url,
        }
        return func.HttpResponse(
            json.dumps(body),
            status_code=201,
            headers={"Content-Type": "application/json", "X-Trace": "t1"},
        )

    def at_most_16_bytes(fn: Any) -> Any:
        fn.max_body_bytes = 16
        return fn

    @app.route(route="v1/small", methods=["POST"])
    @at_most_16_bytes
    def small(req: func.HttpRequest) -> func.HttpResponse:
        calls.append("small")
        return func.HttpResponse(str(len(req.get_body())))

    @app.route(route="v1/echo/me", methods=["POST"])
    def echo_me(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("literal")

    @app.route(route="v1/async")
    async def asynchronous(req: func.HttpRequest) -> str:
        return "from async"

    @app.route(route="v1/keyed", auth_level=func.AuthLevel.FUNCTION)
    def keyed(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(b"\x00\x01", mimetype="application/octet-stream")

    @app.route(route="v1/admin-only", auth_level=func.AuthLevel.ADMIN)
    def admin_only(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(status_code=204)

    @app.route(route="v1/boom")
    def boom(req: func.HttpRequest) -> func.HttpResponse:
        raise RuntimeError("subject jean@example.com not found")

    @app.service_bus_queue_trigger(arg_name="msg", queue_name="q", connection="SERVICEBUS")
    def on_message(msg: func.ServiceBusMessage) -> None:
        calls.append(f"queue:{msg.get_body().decode()}:{msg.delivery_count}")

    @app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *")
    def nightly(timer: func.TimerRequest) -> None:
        calls.append(f"timer:{timer.past_due}")

    return app


@pytest.fixture
def client() -> TestClient:
    calls.clear()
    http_app = create_http_app(describe(build_app()), KEYS, route_prefix="api")
    return TestClient(http_app, base_url=LOCAL, client=("203.0.113.9", 5000))


def test_request_and_response_conversion(client: TestClient) -> None:
    answer = client.post("/api/v1/echo/42?q=x", content=b"hello")
    assert answer.status_code == 201
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-trace"] == "t1"
    assert answer.json() == {
        "method": "POST",
        "id": "42",
        "q": "x",
        "xff": "203.0.113.9",
        "body": "hello",
        "url": "http://127.0.0.1:7071/api/v1/echo/42?q=x",
    }


def test_forwarded_for_is_kept_when_sent(client: TestClient) -> None:
    answer = client.post("/api/v1/echo/1", headers={"X-Forwarded-For": "198.51.100.1:443"})
    assert answer.json()["xff"] == "198.51.100.1:443"


def test_literal_route_wins_and_constraints_apply(client: TestClient) -> None:
    assert client.post("/api/v1/echo/me").text == "literal"
    assert client.post("/api/v1/echo/abc").status_code == 404


def test_async_function_and_str_result(client: TestClient) -> None:
    answer = client.delete("/api/v1/async")
    assert (answer.status_code, answer.text) == (200, "from async")
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"


def test_unknown_route_and_wrong_method_are_problems(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        missing = client.get("/api/v1/nope")
    access = next(r for r in caplog.records if r.name == "embedded_host.access")
    assert (access.route, access.status) == (None, 404)  # type: ignore[attr-defined]
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    problem = missing.json()
    assert (problem["title"], problem["status"]) == ("Not Found", 404)
    assert "/api/v1/" in problem["detail"]  # says where the API is
    wrong = client.get("/api/v1/echo/1")
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["status"] == 405 and "POST" in wrong.json()["detail"]
    assert wrong.headers["allow"] == "POST"
    assert client.get("/v1/async").status_code == 404
    for method in ("TRACE", "PURGE"):  # methods Starlette would answer in plain text
        odd = client.request(method, "/api/v1/echo/1")
        assert (odd.status_code, odd.headers["allow"]) == (405, "POST")
        assert odd.headers["content-type"] == "application/problem+json"


def test_auth_levels_need_host_keys(client: TestClient) -> None:
    assert client.get("/api/v1/keyed").status_code == 401
    assert client.get("/api/v1/keyed", headers={"x-functions-key": "wrong"}).status_code == 401
    answer = client.get("/api/v1/keyed", headers={"x-functions-key": "function-key"})
    assert (answer.status_code, answer.content) == (200, b"\x00\x01")
    assert answer.headers["content-type"] == "application/octet-stream"
    assert client.get("/api/v1/keyed?code=master-key").status_code == 200
    assert client.get("/api/v1/admin-only?code=function-key").status_code == 401
    assert client.get("/api/v1/admin-only?code=master-key").status_code == 204


def test_unhandled_exception_is_500_and_logs_type_only(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        answer = client.get("/api/v1/boom?email=jean@example.com")
    assert answer.status_code == 500
    assert answer.json()["title"] == "Internal Server Error"
    failure = next(r for r in caplog.records if r.name == "embedded_host.http")
    assert (failure.function, failure.error_type) == ("boom", "RuntimeError")  # type: ignore[attr-defined]
    ours = [r for r in caplog.records if r.name.startswith("embedded_host")]
    assert not any("jean" in json.dumps(vars(r), default=str) for r in ours)
    access = next(r for r in caplog.records if r.name == "embedded_host.access")
    assert access.route == "v1/boom"  # type: ignore[attr-defined]
    assert access.status == 500  # type: ignore[attr-defined]
    assert "203.0.113.9" not in json.dumps(vars(access), default=str)


def test_admin_runs_timer_and_queue_functions(client: TestClient) -> None:
    client.headers["x-functions-key"] = "master-key"
    assert client.post("/admin/functions/nightly", json={}).status_code == 202
    assert client.post("/admin/functions/on_message", json={"input": "hi"}).status_code == 202
    assert calls == ["timer:False", "queue:hi:1"]
    assert client.post("/admin/functions/echo", json={}).status_code == 400
    assert client.post("/admin/functions/nope", json={}).status_code == 404
    listed = client.get("/admin/functions").json()
    assert {"name": "nightly", "trigger": "timerTrigger"} in listed
    assert client.get("/admin/host/status").json() == {"state": "Running"}


def test_admin_needs_the_master_key_from_loopback_too() -> None:
    http_app = create_http_app(describe(build_app()), KEYS)
    local = TestClient(http_app, base_url=LOCAL, client=("127.0.0.1", 5000))
    refused = local.get("/admin/host/status")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "master.key" in refused.json()["detail"]
    assert local.get("/admin/host/status", headers={"x-functions-key": "wrong"}).status_code == 401
    assert local.get("/admin/host/status?code=function-key").status_code == 401
    assert local.get("/admin/host/status?code=master-key").status_code == 200
    listed = local.get("/admin/functions", headers={"x-functions-key": "master-key"})
    assert listed.status_code == 200


def test_a_cross_origin_browser_post_without_the_key_runs_nothing() -> None:
    """What any web page open in the developer's browser can send to 127.0.0.1: a simple
    (no preflight) cross-origin POST, with cookies, but without the key it cannot read."""
    calls.clear()
    http_app = create_http_app(describe(build_app()), KEYS)
    browser = TestClient(http_app, base_url=LOCAL, client=("127.0.0.1", 5000))
    for path in ("/admin/functions/nightly", "/admin/functions/on_message"):
        answer = browser.post(path, content=b'{"input": "x"}', headers={
            "Origin": "https://evil.example", "Content-Type": "text/plain",
            "Sec-Fetch-Site": "cross-site", "Cookie": "session=1"})
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
    assert calls == []


@pytest.mark.parametrize("host", ["127.0.0.1:7071", "localhost", "LOCALHOST:80", "[::1]:7071",
                                  "127.0.0.1"])
def test_loopback_host_names_are_served(host: str) -> None:
    http_app = create_http_app(describe(build_app()), KEYS)
    answer = TestClient(http_app, base_url=LOCAL).get("/api/v1/async", headers={"Host": host})
    assert answer.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7071", "127.0.0.1.evil.example",
                                  "localhost.evil.example:7071", "[::1]x", "127.0.0.1:x",
                                  "192.168.1.10:7071"])
def test_other_host_names_are_misdirected_dns_rebinding(host: str) -> None:
    calls.clear()
    http_app = create_http_app(describe(build_app()), KEYS)
    client = TestClient(http_app, base_url=LOCAL)
    for answer in (client.get("/api/v1/async", headers={"Host": host}),
                   client.post("/admin/functions/nightly?code=master-key", headers={"Host": host})):
        assert answer.status_code == 421
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == 421
    assert calls == []


def test_a_host_bound_elsewhere_does_not_check_host_names() -> None:
    http_app = create_http_app(describe(build_app()), KEYS, loopback_only=False)
    answer = TestClient(http_app, base_url="http://privacy.internal:7071").get("/api/v1/async")
    assert answer.status_code == 200


def test_the_master_key_file_is_private_and_stable(tmp_path: Path) -> None:
    first = load_or_create_host_keys(tmp_path / "data")
    key_file = tmp_path / "data" / "master.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert key_file.read_text() == first.master and len(first.master) >= 32
    assert load_or_create_host_keys(tmp_path / "data") == first
    assert first.master != first.default
    assert not (tmp_path / "data" / "host-keys.json").exists()


def test_paths_no_route_pattern_matches_are_problems_too(client: TestClient) -> None:
    answer = client.post("/api/v1/echo/a%0Ab")  # a line break: Starlette's own router refuses
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == 404


def test_a_body_over_the_functions_limit_is_413_and_never_reaches_it(client: TestClient) -> None:
    assert client.post("/api/v1/small", content=b"x" * 16).text == "16"
    declared = client.post("/api/v1/small", content=b"x" * 17)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"

    def chunks() -> Iterator[bytes]:  # no Content-Length: read until past the limit
        yield from (b"x" * 10 for _ in range(5))

    assert client.post("/api/v1/small", content=chunks()).status_code == 413
    assert calls == ["small"]


def test_the_sign_in_pages_sit_behind_the_dns_rebinding_guard() -> None:
    """App Service Authentication's emulation answers /.auth/* itself: wrapped outside the
    guard, a rebinding page could load the sign-in page and open sessions."""
    http_app = create_http_app(describe(build_app()), KEYS, easy_auth=True)
    client = TestClient(http_app, base_url=LOCAL, follow_redirects=False)
    for path in ("/.auth/me", "/.auth/login/dev"):
        assert client.get(path, headers={"Host": "evil.example:7071"}).status_code == 421
        assert client.get(path, headers={"Host": "127.0.0.1:7071"}).status_code != 421
    signed_in = client.post("/.auth/login/dev", headers={"Host": "evil.example"})
    assert signed_in.status_code == 421 and "set-cookie" not in signed_in.headers
