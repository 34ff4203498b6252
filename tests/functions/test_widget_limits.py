"""Limits that hold: per client IP under the widget key's bucket, look-ups of unknown keys,
privacy requests per client, body size before reading, CORS only for a known tenant's allowed
origin, and request records that do not live forever."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.containers import REQUESTS
from shared.settings import Settings
from tests.app_client import AppClient
from tests.conftest import ORIGIN, PRIVACY_ADMIN, collect_body, widget_headers
from tests.fakes import FakeClock

DAY = 86400
RECORD_DAYS = 1095


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Generous per-key limits, tight per-client ones, so each bucket can be seen on its own."""
    return Settings(
        data_dir=tmp_path / "data",
        dev_auth=True,
        widget_rate_per_second=1000,
        widget_rate_burst=1000,
        widget_ip_rate_per_second=1,
        widget_ip_rate_burst=3,
        unknown_key_rate_per_second=0.1,
        unknown_key_rate_burst=3,
        widget_privacy_requests_per_hour=2,
    )


def from_ip(tenant: dict[str, Any], ip: str) -> dict[str, str]:
    return widget_headers(tenant, **{"X-Forwarded-For": f"{ip}:4000"})


def test_one_client_ip_cannot_use_up_the_key_for_the_others(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    noisy = [
        client.call("collect", body=collect_body(1), headers=from_ip(tenant, "203.0.113.5"))
        for _ in range(5)
    ]
    assert [a.status for a in noisy] == [202, 202, 202, 429, 429]
    assert int(noisy[-1].headers["Retry-After"]) >= 1
    assert "203.0.113" not in noisy[-1].body.decode()
    calm = client.call("collect", body=collect_body(1), headers=from_ip(tenant, "198.51.100.7"))
    assert calm.status == 202
    clock.advance(1)
    again = client.call("collect", body=collect_body(1), headers=from_ip(tenant, "203.0.113.5"))
    assert again.status == 202


def test_guessing_widget_keys_is_limited_before_the_store_is_read(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    reads = client.services.directory.metrics.operations  # type: ignore[attr-defined]
    page = client.call("collect", body=collect_body(1), headers=from_ip(tenant, "192.0.2.66"))
    assert page.status == 202  # a real widget behind the same address, already served here
    guesses = [
        client.call(
            "collect",
            body=collect_body(1),
            headers={"X-Widget-Key": f"wk_eu_guess{i}", "X-Forwarded-For": "192.0.2.66"},
        )
        for i in range(6)
    ]
    assert [a.status for a in guesses] == [401, 401, 401, 429, 429, 429]
    before = reads.get("read", 0)
    client.call(
        "collect",
        body=collect_body(1),
        headers={"X-Widget-Key": "wk_eu_guess-more", "X-Forwarded-For": "192.0.2.66"},
    )
    assert reads.get("read", 0) == before  # refused without a look-up
    valid = client.call("collect", body=collect_body(1), headers=from_ip(tenant, "192.0.2.66"))
    assert valid.status == 202  # the known key from the same address still works


def privacy_request(email: str) -> dict[str, Any]:
    return {"email": email, "type": "access", "message": "what do you hold?"}


def test_privacy_requests_are_limited_per_client(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    def send(i: int, ip: str = "203.0.113.9") -> Any:
        body = privacy_request(f"person{i}@example.org")
        return client.call("submit_privacy_request", body=body, headers=from_ip(tenant, ip))

    answers = []
    for i in range(3):
        answers.append(send(i))
        clock.advance(2)  # stay under the per-second bucket of the client
    assert [a.status for a in answers] == [202, 202, 429]
    assert int(answers[-1].headers["Retry-After"]) > 60
    assert client.drain() == 2  # the refused one was never queued
    assert send(9, ip="198.51.100.20").status == 202
    clock.advance(timedelta(hours=1))
    assert send(10).status == 202


def test_privacy_request_records_expire(client: AppClient, tenant: dict[str, Any]) -> None:
    body = privacy_request("person@example.org")
    answer = client.call("submit_privacy_request", body=body, headers=widget_headers(tenant))
    client.drain()
    request_id = answer.json()["requestId"]
    doc = client.services.store.read(REQUESTS.name, (tenant["tenantId"],), request_id)
    assert 0 < doc["ttl"] <= (30 + 60 + RECORD_DAYS) * DAY  # open, sent by anyone: bounded
    route = {"tenantId": tenant["tenantId"], "requestId": request_id}
    decided = client.services.dsar_requests
    decided.update(tenant["tenantId"], request_id, {"decision": {"approve": False}})
    client.services.dsar_steps.reject(tenant["tenantId"], request_id)
    doc = client.services.store.read(REQUESTS.name, (tenant["tenantId"],), request_id)
    assert doc["status"] == "rejected" and doc["ttl"] == RECORD_DAYS * DAY
    shown = client.call("get_dsar", "GET", headers=PRIVACY_ADMIN, route=route)
    assert shown.status == 200 and shown.json()["status"] == "rejected"


def test_a_declared_length_over_64_kib_is_refused_unread(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    answer = client.call(
        "collect",
        body=collect_body(1),
        headers=widget_headers(tenant, **{"Content-Length": str(10 * 1024**3)}),
    )
    assert answer.status == 413
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert client.drain() == 0


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Widget-Key": "wk_eu_unknown", "Origin": "https://any.example"}, 401),
        ({"Origin": "https://any.example"}, 401),
    ],
)
def test_errors_to_unknown_keys_carry_no_cors(
    client: AppClient, headers: dict[str, str], status: int
) -> None:
    answer = client.call("collect", body=collect_body(1), headers=headers)
    assert answer.status == status
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_cors_only_for_an_allowed_origin_of_the_keys_tenant(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    assert (
        client.call("collect", body=collect_body(1), headers=widget_headers(tenant)).status == 202
    )
    invalid = client.call("collect", body={"visitorId": "v"}, headers=widget_headers(tenant))
    assert invalid.status == 400 and invalid.headers["Access-Control-Allow-Origin"] == ORIGIN
    big = json.dumps({**collect_body(1), "pad": "x" * 70_000}).encode()
    foreign = widget_headers(tenant, Origin="https://evil.example")
    for answer in (
        client.call("collect", raw=big, headers=foreign),
        client.call("collect", body=collect_body(1), headers=foreign),
    ):
        assert answer.status in (403, 413)
        assert "Access-Control-Allow-Origin" not in answer.headers
