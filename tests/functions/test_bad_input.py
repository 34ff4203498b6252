"""Every client mistake is a 4xx problem that echoes nothing: malformed continuation tokens on
every paged endpoint, JSON nested too deep or too large, numbers Python refuses to parse, and
field names the client made up (they can be personal data)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.app_client import AppClient
from tests.conftest import AUDITOR, PLATFORM, PRIVACY_ADMIN, collect_body, widget_headers

PAGED = [
    ("list_contacts", PRIVACY_ADMIN, True),
    ("list_audit", AUDITOR, True),
    ("list_dsar", PRIVACY_ADMIN, True),
    ("list_incidents", PLATFORM, False),
]
TOKENS = ["garbage", "eyJxIjoiMSIsImsiOltdfQ==", "e30=", "%%%", "A" * 3000]


def problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status == status, answer.body
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    return dict(answer.json())


@pytest.mark.parametrize(("name", "headers", "scoped"), PAGED)
@pytest.mark.parametrize("token", TOKENS)
def test_malformed_continuation_tokens_are_400_everywhere(
    client: AppClient, tenant: dict[str, Any], name: str, headers: Any, scoped: bool, token: str
) -> None:
    route = {"tenantId": tenant["tenantId"]} if scoped else {}
    answer = client.call(name, "GET", headers=headers, route=route, params={"continuation": token})
    assert problem(answer, 400)["errors"][0]["path"] == "?continuation"


def nested(depth: int) -> bytes:
    return b'{"name": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_400_not_a_recursion_error(
    client: AppClient, tenant: dict[str, Any], depth: int
) -> None:
    problem(client.call("create_tenant", raw=nested(depth), headers=PLATFORM), 400)
    problem(client.call("collect", raw=nested(depth)[:60_000], headers=widget_headers(tenant)), 400)


def test_nesting_inside_strings_is_not_counted(client: AppClient) -> None:
    body = {"name": "[" * 100 + "{" * 100, "region": "eu", "allowedOrigins": []}
    assert client.call("create_tenant", body=body, headers=PLATFORM).status == 201


def test_numbers_python_refuses_are_400(client: AppClient, tenant: dict[str, Any]) -> None:
    raw = b'{"overlapHours": ' + b"9" * 5000 + b"}"
    route = {"tenantId": tenant["tenantId"]}
    problem(client.call("rotate_widget_key", raw=raw, headers=PLATFORM, route=route), 400)


def test_an_admin_body_over_one_mib_is_413(client: AppClient) -> None:
    raw = json.dumps({"name": "x" * (1024 * 1024), "region": "eu", "allowedOrigins": []})
    problem(client.call("create_tenant", raw=raw.encode(), headers=PLATFORM), 413)


def test_unknown_field_names_are_named_by_position_never_echoed(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    body = collect_body(1)
    body["context"]["jeandupont"] = 1
    body["marie.curie"] = True
    answer = client.call("collect", body=body, headers=widget_headers(tenant))
    errors = problem(answer, 400)["errors"]
    position = list(body).index("marie.curie") + 1  # 1-based, among the object's keys
    assert {e["path"] for e in errors} == {"/context/extra[5]", f"/extra[{position}]"}
    assert "jeandupont" not in answer.body.decode() and "marie" not in answer.body.decode()
    consent = {
        "visitorId": "v-1",
        "purposes": {"ok": True, "jean dupont": True},
        "textVersion": "1",
    }
    answer = client.call("submit_consent", body=consent, headers=widget_headers(tenant))
    assert problem(answer, 400)["errors"][0]["path"] == "/purposes/key[2]"
    assert "jean" not in answer.body.decode()
    patch = {"name": "Shop", "jean.dupont@example.com": 1}
    route = {"tenantId": tenant["tenantId"]}
    answer = client.call("update_tenant", "PATCH", patch, PRIVACY_ADMIN, route)
    assert problem(answer, 400)["errors"] == [{"path": "/extra[2]", "message": "unexpected field"}]


EDGE_TIMES = ["0001-01-01T00:01:00+01:01", "9999-12-31T23:59:00-01:00", "1999-12-31T23:59:59Z"]


@pytest.mark.parametrize("when", EDGE_TIMES)
def test_timestamps_at_the_ends_of_the_calendar_are_400_not_an_overflow(
    client: AppClient, tenant: dict[str, Any], when: str
) -> None:
    """Found by the fuzzer: a year-1 time with a positive offset overflowed on the way to UTC."""
    incident = client.call("update_incident", method="PATCH", body={"startedAt": when},
                           headers=PLATFORM, route={"incidentId": "inc-unknown"})
    assert problem(incident, 400)["errors"][0]["path"] == "/startedAt"
    body = collect_body(1)
    body["events"][0]["ts"] = when
    assert problem(client.call("collect", body=body, headers=widget_headers(tenant)), 400)
    route = {"tenantId": tenant["tenantId"]}
    for name, payload in (("start_offboarding", {"contractEnd": when}),
                          ("create_legal_hold", {"scope": "tenant", "reason": "r", "until": when})):
        answer = client.call(name, body=payload, headers=PRIVACY_ADMIN, route=route)
        assert problem(answer, 400)["status"] == 400
