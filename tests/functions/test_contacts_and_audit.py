"""Contacts as staff see them, and the audit trail's tamper evidence."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.audit.trail import entry_id
from shared.containers import AUDIT
from tests.app_client import AppClient
from tests.conftest import AUDITOR, PRIVACY_ADMIN, SUPPORT, visitor_secret, widget_headers
from tests.fakes import FakeClock

EMAIL, PHONE = "jean.dupont@example.com", "+33 6 12 34 56 78"


@pytest.fixture
def with_contact(client: AppClient, tenant: dict[str, Any]) -> dict[str, Any]:
    client.call(
        "submit_contact",
        headers=widget_headers(tenant),
        body={
            "visitorId": "v-1",
            "visitorSecret": visitor_secret("v-1"),
            "email": EMAIL,
            "phone": PHONE,
            "name": "Jean",
            "message": "My neighbour Paul knows my health condition",
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
        },
    )
    client.drain()
    return tenant


def contacts(client: AppClient, tenant: dict[str, Any], headers: dict[str, str]) -> Any:
    answer = client.call(
        "list_contacts", "GET", headers=headers, route={"tenantId": tenant["tenantId"]}
    )
    assert answer.status == 200, answer.body
    return answer.json()["items"]


def test_support_agent_sees_masked_identifiers(
    client: AppClient, with_contact: dict[str, Any]
) -> None:
    [item] = contacts(client, with_contact, SUPPORT)
    assert item["email"] == "j***@e***.com"
    assert item["phone"].startswith("+33 6") and item["phone"].endswith("78")
    assert "12 34 56" not in item["phone"] and item["masked"] is True


def test_support_agent_sees_name_and_message_masked_by_default(
    client: AppClient, with_contact: dict[str, Any]
) -> None:
    [item] = contacts(client, with_contact, SUPPORT)
    assert item["name"] == "J***"
    assert item["message"] == "[hidden: 43 characters]"
    assert "Paul" not in str(item) and "Jean" not in str(item)


@pytest.mark.parametrize(
    ("sees", "name", "message"),
    [
        ({"name": True}, "Jean", "[hidden: 43 characters]"),
        ({"name": True, "message": True}, "Jean", "My neighbour Paul knows my health condition"),
        ({"name": False, "message": False}, "J***", "[hidden: 43 characters]"),
    ],
)
def test_a_tenant_may_let_support_see_name_or_message(
    client: AppClient, with_contact: dict[str, Any], sees: dict[str, bool], name: str, message: str
) -> None:
    answer = client.call(
        "update_tenant",
        "PATCH",
        headers=PRIVACY_ADMIN,
        route={"tenantId": with_contact["tenantId"]},
        body={"supportSees": sees},
    )
    assert (
        answer.status == 200
        and answer.json()["supportSees"] == {"name": False, "message": False} | sees
    )
    [item] = contacts(client, with_contact, SUPPORT)
    assert (item["name"], item["message"]) == (name, message)
    assert item["email"] == "j***@e***.com"  # identifiers stay masked whatever the setting


@pytest.mark.parametrize("sees", [{"email": True}, None, {"name": "yes"}])
def test_a_bad_support_setting_is_a_400_and_changes_nothing(
    client: AppClient, with_contact: dict[str, Any], sees: Any
) -> None:
    route = {"tenantId": with_contact["tenantId"]}
    body = {"supportSees": sees}
    answer = client.call("update_tenant", "PATCH", headers=PRIVACY_ADMIN, route=route, body=body)
    assert answer.status == 400, answer.body
    tenant = client.call("get_tenant", "GET", headers=PRIVACY_ADMIN, route=route)
    assert tenant.status == 200 and tenant.json()["supportSees"] == {
        "name": False,
        "message": False,
    }


def test_privacy_admin_sees_full_identifiers(
    client: AppClient, with_contact: dict[str, Any]
) -> None:
    [item] = contacts(client, with_contact, PRIVACY_ADMIN)
    assert item["email"] == EMAIL and item["phone"] == "+33612345678" and item["name"] == "Jean"
    assert item["message"].startswith("My neighbour") and item["masked"] is False


def test_reading_contacts_is_audited_without_personal_values(
    client: AppClient, with_contact: dict[str, Any]
) -> None:
    contacts(client, with_contact, SUPPORT)
    answer = client.call(
        "list_audit",
        "GET",
        headers=AUDITOR,
        route={"tenantId": with_contact["tenantId"]},
        params={"action": "contacts.read"},
    )
    assert answer.status == 200 and len(answer.json()["items"]) == 1
    full = client.call(
        "list_audit", "GET", headers=AUDITOR, route={"tenantId": with_contact["tenantId"]}
    ).body.decode()
    assert "jean" not in full.lower() and "612345678" not in full


def verify(client: AppClient, tenant: dict[str, Any]) -> Any:
    return client.call(
        "verify_audit", "GET", headers=AUDITOR, route={"tenantId": tenant["tenantId"]}
    ).json()


def test_untouched_chain_verifies(client: AppClient, with_contact: dict[str, Any]) -> None:
    result = verify(client, with_contact)
    assert result["valid"] is True and result["entries"] >= 3


def test_entries_dated_back_in_time_are_reported_beside_a_valid_chain(
    client: AppClient, with_contact: dict[str, Any], clock: FakeClock
) -> None:
    """What a plain restart after ``--test-clock`` would do to the trail: the next entries are
    dated before the ones they follow. The hashes still chain, and the answer says so; the
    time travel is listed, not hidden."""
    assert verify(client, with_contact)["outOfOrder"] == []
    clock.advance(timedelta(days=-90))
    contacts = client.call(
        "list_contacts", "GET", headers=PRIVACY_ADMIN, route={"tenantId": with_contact["tenantId"]}
    )
    assert contacts.status == 200
    result = verify(client, with_contact)
    assert result["valid"] is True and "firstBrokenAt" not in result
    read = client.call(
        "list_audit", "GET", headers=AUDITOR, route={"tenantId": with_contact["tenantId"]},
        params={"action": "contacts.read"},
    ).json()["items"][0]
    assert result["outOfOrder"] == [{"id": read["id"], "at": read["at"], "prevAt": read["prevAt"]}]
    assert read["at"] < read["prevAt"]


def _entry(client: AppClient, tenant: dict[str, Any], seq: int) -> dict[str, Any]:
    return client.services.store.read(AUDIT.name, (tenant["tenantId"],), entry_id(seq))


def test_editing_an_entry_is_reported(client: AppClient, with_contact: dict[str, Any]) -> None:
    entry = _entry(client, with_contact, 2)
    client.services.store.replace(AUDIT.name, {**entry, "actor": "someone-else"})
    result = verify(client, with_contact)
    assert result == {"valid": False, "entries": 1, "firstBrokenAt": entry_id(2), "outOfOrder": []}


def test_deleting_an_entry_is_reported(client: AppClient, with_contact: dict[str, Any]) -> None:
    client.services.store.delete(AUDIT.name, (with_contact["tenantId"],), entry_id(2))
    result = verify(client, with_contact)
    assert result["valid"] is False and result["firstBrokenAt"] == entry_id(2)


def test_deleting_the_newest_entry_is_reported(
    client: AppClient, with_contact: dict[str, Any]
) -> None:
    head = client.services.store.read(AUDIT.name, (with_contact["tenantId"],), "head")
    client.services.store.delete(AUDIT.name, (with_contact["tenantId"],), entry_id(head["seq"]))
    assert verify(client, with_contact)["valid"] is False


def test_deleting_the_first_entry_is_reported(
    client: AppClient, with_contact: dict[str, Any]
) -> None:
    client.services.store.delete(AUDIT.name, (with_contact["tenantId"],), entry_id(1))
    result = verify(client, with_contact)
    assert result["valid"] is False and result["firstBrokenAt"] == entry_id(1)


def test_reordering_entries_is_reported(client: AppClient, with_contact: dict[str, Any]) -> None:
    second, third = _entry(client, with_contact, 2), _entry(client, with_contact, 3)
    swapped_a = {**third, "id": second["id"], "seq": second["seq"]}
    swapped_b = {**second, "id": third["id"], "seq": third["seq"]}
    client.services.store.replace(AUDIT.name, swapped_a)
    client.services.store.replace(AUDIT.name, swapped_b)
    result = verify(client, with_contact)
    assert result["valid"] is False and result["firstBrokenAt"] == entry_id(2)


def test_audit_lists_newest_first_and_filters_by_time(
    client: AppClient, tenant: dict[str, Any], clock: Any
) -> None:
    clock.advance(3600)
    cutoff = clock.now().isoformat()
    clock.advance(1)
    client.call("get_tenant", "GET", headers=SUPPORT, route={"tenantId": tenant["tenantId"]})
    answer = client.call(
        "list_audit", "GET", headers=AUDITOR, route={"tenantId": tenant["tenantId"]}
    )
    seqs = [e["seq"] for e in answer.json()["items"]]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 2
    recent = client.call(
        "list_audit",
        "GET",
        headers=AUDITOR,
        route={"tenantId": tenant["tenantId"]},
        params={"from": cutoff},
    ).json()["items"]
    assert [e["action"] for e in recent] == ["audit.read", "tenant.read"]
    bad = client.call(
        "list_audit",
        "GET",
        headers=AUDITOR,
        route={"tenantId": tenant["tenantId"]},
        params={"from": "yesterday"},
    )
    assert bad.status == 400
