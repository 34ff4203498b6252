"""A visitor id is not a password (API.md v1.1): the attack of issue 11 through HTTP, in-process.

The attacker holds the public widget key and the victim's visitor id, and tries every widget
endpoint with a secret of its own (or none). Each call must be 403 visitor-mismatch and leave
the store and the queue exactly as they were.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shared.composition import compose, install_app, reset_app
from shared.containers import AUDIT, INDEX, REQUESTS, SUBJECTS
from shared.ports.document_store import Item, PartitionKey
from shared.settings import Settings
from tests.app_client import AppClient
from tests.conftest import ORIGIN, PLATFORM, collect_body, visitor_secret, widget_headers
from tests.fakes import FakeClock
from tests.functions.test_dsar import Dsar

VICTIM, ATTACKER_EMAIL = "v-victim", "attacker@evil.example"
VICTIM_EMAIL = "victim@example.org"
ATTACKER_SECRET = "attacker-chosen-secret-0123456789"
CONSENT = {"granted": True, "purposes": ["callback"], "textVersion": "1"}


def widget_calls(secret: str | None) -> list[tuple[str, dict[str, Any], dict[str, str]]]:
    """One call per widget endpoint naming the victim's visitor id."""
    who: dict[str, Any] = {"visitorId": VICTIM}
    if secret is not None:
        who["visitorSecret"] = secret
    collect = collect_body(2, VICTIM) | who
    if secret is None:
        collect.pop("visitorSecret")
    return [
        ("collect", collect, {}),
        ("submit_contact", who | {"email": ATTACKER_EMAIL, "consent": CONSENT}, {}),
        ("submit_consent", who | {"purposes": {"analytics": True}, "textVersion": "1"}, {}),
        (
            "submit_message",
            who | {"author": "visitor", "text": "hi", "ts": "2026-11-02T09:00:00Z"},
            {"conversationId": "c-1"},
        ),
        ("submit_privacy_request", who | {"email": ATTACKER_EMAIL, "type": "access"}, {}),
    ]


def snapshot(client: AppClient, tenant_id: str) -> dict[str, list[tuple[str, str]]]:
    """Every item of the tenant in every region container, by id and ETag."""
    return {
        container: sorted(
            (i["id"], i["_etag"])
            for i in client.services.store.query(container, (tenant_id,), max_items=10_000).items
        )
        for container in (SUBJECTS.name, INDEX.name, REQUESTS.name, AUDIT.name)
    }


def seed_victim(client: AppClient, tenant: dict[str, Any]) -> None:
    headers = widget_headers(tenant)
    assert client.call("collect", body=collect_body(3, VICTIM), headers=headers).status == 202
    contact = {
        "visitorId": VICTIM,
        "visitorSecret": visitor_secret(VICTIM),
        "email": VICTIM_EMAIL,
        "name": "Victim Name",
        "message": "private message",
        "consent": CONSENT,
    }
    assert client.call("submit_contact", body=contact, headers=headers).status == 202
    client.drain()


@pytest.mark.parametrize("secret", [ATTACKER_SECRET, None], ids=["own-secret", "no-secret"])
def test_the_attacker_is_refused_everywhere_and_nothing_is_stored(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock, secret: str | None
) -> None:
    seed_victim(client, tenant)
    before = snapshot(client, tenant["tenantId"])
    for name, body, route in widget_calls(secret):
        answer = client.call(name, body=body, headers=widget_headers(tenant), route=route)
        assert answer.status == 403, (name, answer.body)
        problem = answer.json()
        assert problem["type"].endswith("/visitor-mismatch"), problem
        assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget reads it
        assert ATTACKER_SECRET not in answer.body.decode()
        assert ATTACKER_EMAIL not in answer.body.decode()
    assert client.drain() == 0  # nothing was enqueued
    assert snapshot(client, tenant["tenantId"]) == before  # nothing was stored
    # the exfiltration of issue 11: an access request for the attacker's email finds nobody
    dsar = Dsar(client, tenant, clock)
    accepted = json.loads(
        dsar.start({"type": "access", "identifiers": {"email": ATTACKER_EMAIL}}).get_body()
    )
    status = dsar.status(accepted["requestId"])
    assert status["status"] == "completed" and status["matches"] == []
    assert all(c["records"] == 0 for c in status["result"]["categories"])


def test_the_visitor_with_its_own_secret_keeps_working(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    seed_victim(client, tenant)
    for name, body, route in widget_calls(visitor_secret(VICTIM)):
        answer = client.call(name, body=body, headers=widget_headers(tenant), route=route)
        assert answer.status == 202, (name, answer.body)
    assert client.drain() == 5


def test_neither_the_secret_nor_its_plain_hash_is_stored(
    client: AppClient, tenant: dict[str, Any], settings: Settings
) -> None:
    seed_victim(client, tenant)
    secret = visitor_secret(VICTIM)
    raw = b"".join(p.read_bytes() for p in Path(settings.data_dir).rglob("*") if p.is_file())
    assert secret.encode() not in raw
    [subject] = [
        i
        for i in client.services.store.query(SUBJECTS.name, (tenant["tenantId"],)).items
        if i["type"] == "subject"
    ]
    assert set(subject["visitorSecret"]) == {"keyVersion", "hmac"}  # a keyed hash, versioned


def test_a_constant_time_comparison_decides(
    client: AppClient, tenant: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.subjects.visitors as binding

    compared: list[tuple[bytes, bytes]] = []
    real = binding.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(binding, "compare_digest", spy)
    seed_victim(client, tenant)  # binds (no comparison), then compares once for the contact
    body = collect_body(1, VICTIM) | {"visitorSecret": ATTACKER_SECRET}
    assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 403
    assert len(compared) == 2 and compared[-1][0] != compared[-1][1]
    assert all(len(a) == len(b) == 64 for a, b in compared)  # hex HMAC-SHA256, never the secret


@pytest.mark.parametrize(
    "secret",
    ["a" * 21, "a" * 129, "a" * 21 + "+", "a" * 21 + "/", "a" * 21 + "=", "é" * 22, ""],
)
def test_a_malformed_secret_is_a_400_that_does_not_echo_it(
    client: AppClient, tenant: dict[str, Any], secret: str
) -> None:
    body = collect_body(1, "v-new") | {"visitorSecret": secret}
    answer = client.call("collect", body=body, headers=widget_headers(tenant))
    assert answer.status == 400, answer.body
    assert [e["path"] for e in answer.json()["errors"]] == ["/visitorSecret"]
    assert not secret or secret not in answer.body.decode()
    assert client.drain() == 0


@pytest.mark.parametrize("length", [22, 128])
def test_the_shortest_and_longest_secrets_bind(
    client: AppClient, tenant: dict[str, Any], length: int
) -> None:
    secret = ("Az09_-" * 30)[:length]
    body = collect_body(1, f"v-{length}") | {"visitorSecret": secret}
    assert client.call("collect", body=body, headers=widget_headers(tenant)).status == 202
    again = body | {"events": collect_body(1)["events"]}
    assert client.call("collect", body=again, headers=widget_headers(tenant)).status == 202


def test_a_secret_without_a_visitor_is_a_400(client: AppClient, tenant: dict[str, Any]) -> None:
    body = {"email": VICTIM_EMAIL, "visitorSecret": visitor_secret("x"), "type": "access"}
    answer = client.call("submit_privacy_request", body=body, headers=widget_headers(tenant))
    assert answer.status == 400


def test_a_subject_from_before_secrets_binds_on_its_first_call(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    visitor = "v-legacy"
    subject_id = client.services.visitors.find(tenant["tenantId"], visitor).subject_id
    client.services.subject_keys.cipher_or_create(tenant["tenantId"], subject_id)  # no secret
    first = collect_body(1, visitor)
    assert client.call("collect", body=first, headers=widget_headers(tenant)).status == 202
    other = collect_body(1, visitor) | {"visitorSecret": ATTACKER_SECRET}
    assert client.call("collect", body=other, headers=widget_headers(tenant)).status == 403


class RacingStore:
    """A DocumentStore (the port) whose subject-document reads wait until two callers have
    read: both first calls see "no subject yet" before either writes, a real race."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._barrier = threading.Barrier(2, timeout=10)
        self._lock = threading.Lock()
        self._subject_reads = 0

    def read(self, container: str, pk: PartitionKey, item_id: str) -> Item:
        try:
            return dict(self._inner.read(container, pk, item_id))
        finally:
            if container == SUBJECTS.name and item_id == "subject":
                with self._lock:
                    self._subject_reads += 1
                    first_two = self._subject_reads <= 2
                if first_two:
                    self._barrier.wait()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_two_first_calls_racing_with_different_secrets_bind_exactly_one(
    settings: Settings, clock: FakeClock
) -> None:
    plain = compose(settings, clock=clock)
    racing = RacingStore(plain.store)
    services = compose(settings, clock=clock, store=racing, directory=plain.directory)
    install_app(services)
    try:
        client = AppClient(services)
        created = client.call(
            "create_tenant",
            body={"name": "Race", "region": "eu", "allowedOrigins": [ORIGIN]},
            headers=PLATFORM,
        ).json()
        bodies = [
            collect_body(1, "v-raced") | {"visitorSecret": f"{who}-secret-0123456789abcdef"}
            for who in ("alice", "mallory")
        ]
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(
                    lambda b: client.call("collect", body=b, headers=widget_headers(created)),
                    bodies,
                )
            )
        assert sorted(a.status for a in answers) == [202, 403]
        winner = bodies[[a.status for a in answers].index(202)]
        again = winner | {"events": collect_body(1)["events"]}
        assert client.call("collect", body=again, headers=widget_headers(created)).status == 202
        assert client.drain() == 2
    finally:
        reset_app()
        plain.close()
