"""The outbox: an event is stored with its change or not at all; wake-ups are best effort."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import REQUESTS
from shared.notify.events import events_for_dsar, links
from shared.notify.outbox import NO_WAKE, Outbox, OutboxRef, event_doc, write_with_events
from shared.ports.document_store import BatchFailed, Conflict, PreconditionFailed, Query
from shared.ports.message_bus import OutgoingMessage

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def request(status: str = "received", **flags: Any) -> dict[str, Any]:
    return {"id": "dsar-1", "tenantId": "t-1", "kind": "dsar", "type": "erasure",
            "status": status, "source": "admin", "receivedAt": NOW.isoformat(),
            "deadline": (NOW + timedelta(days=30)).isoformat(), **flags}


def stored(store: SqliteDocumentStore) -> list[dict[str, Any]]:
    return store.query(REQUESTS.name, ("t-1",), Query(), 100).items


def test_a_new_request_raises_received_and_a_status_move_its_event() -> None:
    assert [e["event"] for e in events_for_dsar(None, request(), NOW)] == ["dsar.received"]
    moved = events_for_dsar(request(), request("awaiting_approval"), NOW)
    assert [e["event"] for e in moved] == ["dsar.awaiting_approval"]
    assert events_for_dsar(request("running"), request("running", progress=1), NOW) == []
    assert events_for_dsar(request(), request("running"), NOW) == []  # not a told status


def test_deadline_flags_raise_their_event_once() -> None:
    first = events_for_dsar(request(), request(escalated=True), NOW)
    assert [e["event"] for e in first] == ["dsar.deadline_approaching"]
    again = events_for_dsar(request(escalated=True), request(escalated=True, overdue=True), NOW)
    assert [e["event"] for e in again] == ["dsar.overdue"]


def test_completed_carries_the_number_of_categories_and_no_free_text() -> None:
    done = request("completed", result={"categories": [{"c": 1}, {"c": 2}], "reason": "secret"},
                   reason="a reason")
    [event] = events_for_dsar(request("running"), done, NOW)
    assert event["data"]["categories"] == 2
    assert "reason" not in str(event["data"]) and "secret" not in str(event["data"])


def test_the_change_and_its_events_are_written_together(
    region_store: SqliteDocumentStore,
) -> None:
    doc = write_with_events(region_store, REQUESTS.name, ("t-1",), None, request(),
                            events_for_dsar(None, request(), NOW))
    assert {d.get("docType") for d in stored(region_store)} == {None, "outbox"}
    stale = doc | {"_etag": "not-the-etag"}
    with pytest.raises(PreconditionFailed):  # a lost race writes neither
        write_with_events(region_store, REQUESTS.name, ("t-1",), stale,
                          request("awaiting_approval"),
                          events_for_dsar(stale, request("awaiting_approval"), NOW))
    with pytest.raises(Conflict):  # a second create writes neither
        write_with_events(region_store, REQUESTS.name, ("t-1",), None, request(),
                          events_for_dsar(None, request(), NOW))
    assert len(stored(region_store)) == 2


def test_a_failing_event_write_rolls_the_change_back(region_store: SqliteDocumentStore) -> None:
    events = events_for_dsar(None, request(), NOW)
    with pytest.raises(BatchFailed):
        write_with_events(region_store, REQUESTS.name, ("t-1",), None, request(),
                          [*events, events[0]])  # the same event twice: the batch fails
    assert stored(region_store) == []


def test_a_change_without_events_is_a_plain_write(region_store: SqliteDocumentStore) -> None:
    doc = write_with_events(region_store, REQUESTS.name, ("t-1",), None, request(), [])
    write_with_events(region_store, REQUESTS.name, ("t-1",), doc, request("running"), [])
    assert [d["status"] for d in stored(region_store)] == ["running"]


class FailingBus:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []

    def send(self, queue: str, messages: list[OutgoingMessage]) -> None:
        raise ConnectionError("the bus is down")


class RecordingBus(FailingBus):
    def send(self, queue: str, messages: list[OutgoingMessage]) -> None:
        self.sent += messages


def test_a_wake_up_names_the_event_and_a_failed_one_is_swallowed() -> None:
    event = event_doc("dsar.received", {}, NOW, {"tenantId": "t-1"}, target="t-1")
    bus = RecordingBus()
    Outbox(bus, "notify").written(REQUESTS.name, [event])  # type: ignore[arg-type]
    assert OutboxRef.decode(bus.sent[0].body) == OutboxRef(REQUESTS.name, ("t-1",), event["id"])
    Outbox(FailingBus(), "notify").written(REQUESTS.name, [event])  # type: ignore[arg-type]
    NO_WAKE.written(REQUESTS.name, [event])


def test_links_point_at_the_console_and_the_notice() -> None:
    base = "https://app.example"
    assert links("dsar.received", {"tenantId": "t", "requestId": "r"}, base) == {
        "console": "https://app.example/api/console/#/t/t/requests/r"}
    notice = links("incident.notice", {"tenantId": "t", "incidentId": "i"}, base)
    assert notice["document"].endswith("/api/v1/tenants/t/incident-notices/i?format=markdown")
    assert links("subprocessor.change_proposed", {"tenantId": "t"}, "")["console"] == (
        "/api/console/#/t/t/subprocessors")
    assert "export" in links("offboarding.export_ready", {"tenantId": "t"}, "")
    assert links("webhook.delivery_failed", {"tenantId": "t"}, "")["console"].endswith("/t/t")
    assert links("incident.notice_due", {}, "") == {}
