"""Widget endpoints in-process, on the embedded adapters: what a browser would see."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.containers import SUBJECTS
from tests.app_client import AppClient
from tests.conftest import ORIGIN, PLATFORM, collect_body, visitor_secret, widget_headers
from tests.stored import stored_records

EMAIL, PHONE, IP = "jean.dupont@example.com", "+33 6 12 34 56 78", "203.0.113.77"


def stored_items(client: AppClient, tenant_id: str, kind: str) -> list[dict[str, Any]]:
    return stored_records(client.services.store, tenant_id, kind)


def assert_problem(answer: Any, status: int, *planted: str) -> dict[str, Any]:
    assert answer.status == status, answer.body
    assert answer.headers.get("Content-Type", "").startswith("application/problem+json")
    body = answer.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    for value in planted:
        assert value not in answer.body.decode()
    return dict(body)


def test_collect_answers_202_and_stores_encrypted_minimised_events(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    answer = client.call("collect", body=collect_body(3), headers=widget_headers(tenant))
    assert answer.status == 202 and answer.json() == {"accepted": 3, "duplicates": 0}
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert client.drain() == 1
    events = stored_items(client, tenant["tenantId"], "event")
    assert len(events) == 3
    assert all(e["category"] == "behaviour" and e["ttl"] == 30 * 86400 for e in events)
    technical = stored_items(client, tenant["tenantId"], "technical")
    assert len(technical) == 1 and technical[0]["browser"] == "Firefox"
    assert technical[0]["ttl"] == 30 * 86400 and "userAgent" not in json.dumps(technical[0])
    raw = json.dumps(events + technical)
    assert "jean" not in raw and IP not in raw and "203.0.113.0" not in raw


def test_the_same_request_twice_stores_each_event_once(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    body = collect_body(5)
    first = client.call("collect", body=body, headers=widget_headers(tenant))
    second = client.call("collect", body=body, headers=widget_headers(tenant))
    assert first.json() == {"accepted": 5, "duplicates": 0}
    assert second.json() == {"accepted": 0, "duplicates": 5}
    client.drain()
    assert len(stored_items(client, tenant["tenantId"], "event")) == 5


def test_redelivered_message_stores_nothing_twice(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    client.call("collect", body=collect_body(4), headers=widget_headers(tenant))
    bus, queue = client.services.bus, client.services.settings.ingest_queue
    message = bus.receive(queue)[0]
    client.services.processor.process(message.body, message.message_id)
    bus.abandon(queue, message.lock_token)  # as if the lock was lost after processing
    assert client.drain() == 1
    assert len(stored_items(client, tenant["tenantId"], "event")) == 4


def test_contact_is_stored_encrypted_indexed_and_audited(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    answer = client.call(
        "submit_contact",
        headers=widget_headers(tenant),
        body={
            "visitorId": "v-1",
            "visitorSecret": visitor_secret("v-1"),
            "email": EMAIL,
            "phone": PHONE,
            "name": "Jean Dupont",
            "message": "Call me",
            "callbackRequested": True,
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "2026-01"},
        },
    )
    assert answer.status == 202 and answer.json()["contactId"]
    client.drain()
    contacts = stored_items(client, tenant["tenantId"], "contact")
    consents = stored_items(client, tenant["tenantId"], "consent")
    assert len(contacts) == 1 and contacts[0]["ttl"] == -1 and contacts[0]["category"] == "contact"
    assert consents[0]["purposes"] == {"callback": True}
    raw = json.dumps(contacts)
    assert "jean" not in raw.lower() and "612345678" not in raw
    trail = client.services.audit_for("eu").entries(tenant["tenantId"]).items
    actions = [e["action"] for e in trail]
    assert "contact.created" in actions and "consent.recorded" in actions


def test_message_and_consent_and_privacy_request_are_accepted(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    headers = widget_headers(tenant)
    assert (
        client.call(
            "submit_consent",
            headers=headers,
            body={
                "visitorId": "v-1",
                "visitorSecret": visitor_secret("v-1"),
                "purposes": {"analytics": False},
                "textVersion": "1",
            },
        ).status
        == 202
    )
    assert (
        client.call(
            "submit_message",
            headers=headers,
            route={"conversationId": "conv-1"},
            body={
                "visitorId": "v-1",
                "visitorSecret": visitor_secret("v-1"),
                "author": "visitor",
                "text": "Bonjour",
                "ts": "2026-11-02T09:00:00Z",
            },
        ).status
        == 202
    )
    request = client.call(
        "submit_privacy_request",
        headers=headers,
        body={"email": EMAIL, "type": "erasure", "message": "delete me"},
    )
    assert request.status == 202
    client.drain()
    messages = stored_items(client, tenant["tenantId"], "message")
    assert messages[0]["ttl"] == 90 * 86400 and "Bonjour" not in json.dumps(messages)
    doc = client.services.store.read(
        "privacy_requests", (tenant["tenantId"],), request.json()["requestId"]
    )
    assert doc["status"] == "received" and doc["type"] == "erasure"
    assert EMAIL not in json.dumps(doc) and "delete me" not in json.dumps(doc)


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"visitorId": "v", "sessionId": "s", "events": []}, "/context"),
        (collect_body(0), "/events"),
        (collect_body(101), "/events"),
    ],
)
def test_schema_violations_are_400_with_paths(
    client: AppClient, tenant: dict[str, Any], body: dict[str, Any], path: str
) -> None:
    problem = assert_problem(client.call("collect", body=body, headers=widget_headers(tenant)), 400)
    assert any(e["path"] == path for e in problem["errors"])
    assert client.drain() == 0


def test_malformed_json_is_400(client: AppClient, tenant: dict[str, Any]) -> None:
    assert_problem(client.call("collect", raw=b"{not json", headers=widget_headers(tenant)), 400)


def test_invalid_contact_values_are_refused_without_echo(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    answer = client.call(
        "submit_contact",
        headers=widget_headers(tenant),
        body={
            "visitorId": "v-1",
            "visitorSecret": visitor_secret("v-1"),
            "email": "jean.dupont@",
            "phone": "+33 6 12",
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
        },
    )
    problem = assert_problem(answer, 400, "jean.dupont@", "+33 6 12")
    assert {e["path"] for e in problem["errors"]} == {"/email", "/phone"}
    assert client.drain() == 0


def test_unknown_or_missing_key_is_401(client: AppClient, tenant: dict[str, Any]) -> None:
    assert_problem(client.call("collect", body=collect_body(), headers={"Origin": ORIGIN}), 401)
    assert_problem(
        client.call("collect", body=collect_body(), headers={"X-Widget-Key": "wk_eu_nope"}), 401
    )


def test_foreign_origin_is_403(client: AppClient, tenant: dict[str, Any]) -> None:
    answer = client.call(
        "collect",
        body=collect_body(),
        headers=widget_headers(tenant, Origin="https://evil.example"),
    )
    assert_problem(answer, 403)
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_body_over_64_kib_is_413(client: AppClient, tenant: dict[str, Any]) -> None:
    raw = json.dumps({**collect_body(1), "pad": "x" * 70_000}).encode()
    assert_problem(client.call("collect", raw=raw, headers=widget_headers(tenant)), 413)


def test_tenant_of_another_region_is_421_naming_its_endpoint(client: AppClient) -> None:
    created = client.call(
        "create_tenant",
        headers=PLATFORM,
        body={"name": "US shop", "region": "us", "allowedOrigins": [ORIGIN]},
    ).json()
    problem = assert_problem(
        client.call("collect", body=collect_body(), headers=widget_headers(created)), 421
    )
    assert problem["region"] == "us" and problem["endpoint"] == "https://privacy-us.example/api"


def test_rate_limit_is_429_with_retry_after(client: AppClient) -> None:
    created = client.call(
        "create_tenant",
        headers=PLATFORM,
        body={
            "name": "Slow",
            "region": "eu",
            "allowedOrigins": [ORIGIN],
            "rateLimit": {"perSecond": 1, "burst": 2},
        },
    ).json()
    answers = [
        client.call("collect", body=collect_body(1), headers=widget_headers(created))
        for _ in range(3)
    ]
    assert [a.status for a in answers] == [202, 202, 429]
    assert_problem(answers[2], 429)
    assert int(answers[2].headers["Retry-After"]) >= 1
    # a browser lets the widget's script read Retry-After only when it is exposed
    assert answers[2].headers["Access-Control-Expose-Headers"] == "Retry-After"


def test_restricted_subject_is_409_and_nothing_is_stored(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    client.call("collect", body=collect_body(1, visitor="v-9"), headers=widget_headers(tenant))
    client.drain()
    event = stored_items(client, tenant["tenantId"], "event")[0]
    doc = client.services.subject_keys.subject(tenant["tenantId"], event["subjectId"])
    assert doc is not None
    client.services.store.replace(SUBJECTS.name, {**doc, "flags": {"restricted": True}})
    assert_problem(
        client.call("collect", body=collect_body(2, visitor="v-9"), headers=widget_headers(tenant)),
        409,
    )
    assert client.drain() == 0


def test_preflight_is_answered_for_allowed_origins_only(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    allowed = client.call(
        "collect",
        method="OPTIONS",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Widget-Key" in allowed.headers["Access-Control-Allow-Headers"]
    denied = client.call(
        "collect",
        method="OPTIONS",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert denied.status == 403 and "Access-Control-Allow-Origin" not in denied.headers
