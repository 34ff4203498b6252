"""The visitor-binding attack of issue 11 against the real host process, over HTTP: with only
the public widget key and a victim's visitor id, every widget endpoint answers 403
visitor-mismatch, nothing reaches the queue or the store, and an access request for the
attacker's email finds nobody. A request by an email two visitors used shows both, apart."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.conftest import collect_body, visitor_secret
from tests.e2e.helpers import wait_for, widget
from tests.e2e.host_process import HostProcess
from tests.e2e.test_dsar_e2e import Shop, api_for, behaviour, open_shop, raw

pytestmark = pytest.mark.e2e
VICTIM, SIBLING = "v-victim", "v-sibling"
VICTIM_EMAIL, ATTACKER_EMAIL = "victim.planted@example.org", "attacker@evil.example"
ATTACKER_SECRET = "mallory-picked-this-secret-42"
CONSENT = {"granted": True, "purposes": ["callback"], "textVersion": "1"}


def contact(shop: Shop, visitor: str, email: str, secret: str | None = None) -> Any:
    body = {
        "visitorId": visitor,
        "visitorSecret": secret or visitor_secret(visitor),
        "email": email,
        "name": "Planted Victim",
        "message": "planted private message",
        "consent": CONSENT,
    }
    return shop.api.post("/v1/contacts", headers=widget(shop.key), json=body)


def stored(shop: Shop) -> list[tuple[Any, ...]]:
    """Every subject, index and request row of the region (with its ETag), and the last
    sequence number the embedded queue handed out (a message consumed at once still counts)."""
    rows = raw(
        shop.host,
        "SELECT container, pk, id, etag FROM items"
        " WHERE container IN ('subjects', 'blind_index', 'privacy_requests') ORDER BY 1, 2, 3",
    )
    bus = shop.host.data_dir / "regions" / "eu" / "bus.sqlite"
    db = sqlite3.connect(f"file:{bus}?mode=ro", uri=True, timeout=10)
    try:
        sequence = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").fetchall()
    finally:
        db.close()
    return [*rows, ("queue", *sequence)]


def attacks() -> list[tuple[str, dict[str, Any]]]:
    who = {"visitorId": VICTIM, "visitorSecret": ATTACKER_SECRET}
    return [
        ("/v1/collect", collect_body(2, VICTIM) | who),
        ("/v1/contacts", who | {"email": ATTACKER_EMAIL, "consent": CONSENT}),
        ("/v1/consents", who | {"purposes": {"analytics": True}, "textVersion": "1"}),
        (
            "/v1/conversations/c-1/messages",
            who | {"author": "visitor", "text": "hello", "ts": "2026-11-23T10:00:00Z"},
        ),
        ("/v1/privacy-requests", who | {"email": ATTACKER_EMAIL, "type": "access"}),
        ("/v1/privacy-requests", {"visitorId": VICTIM, "type": "erasure"}),  # no secret at all
    ]


def test_the_visitor_id_of_someone_else_opens_nothing(host: HostProcess) -> None:
    with api_for(host) as api:
        shop = open_shop(api, host)
        body = collect_body(3, VICTIM)
        assert api.post("/v1/collect", headers=widget(shop.key), json=body).status_code == 202
        assert contact(shop, VICTIM, VICTIM_EMAIL).status_code == 202
        [victim] = wait_for(lambda: shop.contacts(), what="the victim's contact")
        wait_for(
            lambda: (
                behaviour(host, shop.tenant_id, victim["subjectId"]) == 3
                and shop.audited(
                    "consent.recorded", f"{victim['subjectId']}/{victim['contactId']}-consent"
                )
            ),
            what="both messages fully processed (audit written last)",
        )

        before = stored(shop)
        for path, attack in attacks():
            answer = api.post(path, headers=widget(shop.key), json=attack)
            assert answer.status_code == 403, (path, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["type"].endswith("/visitor-mismatch"), answer.text
            assert ATTACKER_SECRET not in answer.text and ATTACKER_EMAIL not in answer.text
        assert stored(shop) == before

        access = shop.start({"type": "access", "identifiers": {"email": ATTACKER_EMAIL}})
        done = shop.wait_status(access)
        assert done["status"] == "completed" and done["matches"] == [], done
        assert all(c["records"] == 0 for c in done["result"]["categories"]), done


def test_an_email_two_visitors_used_shows_two_matches(host: HostProcess) -> None:
    with api_for(host) as api:
        shop = open_shop(api, host)
        for visitor in (VICTIM, SIBLING):
            assert contact(shop, visitor, VICTIM_EMAIL).status_code == 202
        wait_for(lambda: len(shop.contacts()) == 2, what="both contacts")
        access = shop.start({"type": "access", "identifiers": {"email": VICTIM_EMAIL}})
        done = shop.wait_status(access)
        assert done["status"] == "completed", done
        assert [m["matchedBy"] for m in done["matches"]] == [["email"], ["email"]], done
        assert len({m["subjectRef"] for m in done["matches"]}) == 2
        assert all(m["records"] == 2 and not m["excluded"] for m in done["matches"]), done
        assert VICTIM_EMAIL not in str(done)
