"""What leaves the process as telemetry: a span per function run and per store, bus and key
operation, with ids as attributes and never a personal value (values planted in every widget
call are searched for in everything exported); the agreed metrics count what happened."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.telemetry import core
from tests.app_client import AppClient, principal
from tests.conftest import ORIGIN, collect_body, visitor_secret, widget_headers, with_ports

EMAIL, PHONE, NAME = "jean.planted@example.com", "06 12 34 56 78", "Planted-Jeanne"
TEXT, IP, VISITOR = "my planted secret message", "203.0.113.77", "v-planted-visitor"
PLANTED = (EMAIL, "jean.planted", "612345678", NAME, TEXT, IP, "203.0.113", VISITOR)


class Exported:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.metrics = InMemoryMetricReader()
        tracer = TracerProvider()
        tracer.add_span_processor(SimpleSpanProcessor(self.spans))
        core.install(tracer, MeterProvider(metric_readers=[self.metrics]))

    def finished(self) -> tuple[ReadableSpan, ...]:
        return self.spans.get_finished_spans()

    def points(self) -> dict[str, list[tuple[dict[str, Any], float]]]:
        data = self.metrics.get_metrics_data()
        found: dict[str, list[tuple[dict[str, Any], float]]] = {}
        for resource in data.resource_metrics if data else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found[metric.name] = [
                        (dict(p.attributes or {}), p.value) for p in metric.data.data_points
                    ]
        return found


@pytest.fixture
def exported(client: AppClient) -> Iterator[Exported]:
    telemetry = Exported()
    with_ports(client)  # the graph is rebuilt while telemetry is on: its ports are traced
    yield telemetry
    core.uninstall()


def planted_calls(client: AppClient, tenant: dict[str, Any]) -> None:
    headers = widget_headers(tenant, **{"X-Forwarded-For": f"{IP}:50123"})
    body = collect_body(3, visitor=VISITOR)
    for event in body["events"]:
        event["url"] = f"{ORIGIN}/p?email={EMAIL}&name={NAME}"
    assert client.call("collect", body=body, headers=headers).status == 202
    assert client.call("collect", body=body, headers=headers).json()["duplicates"] == 3
    contact = {
        "visitorId": VISITOR, "visitorSecret": visitor_secret(VISITOR), "email": EMAIL,
        "phone": PHONE, "name": NAME, "message": TEXT,
        "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
    }
    assert client.call("submit_contact", body=contact, headers=headers).status == 202
    message = {"visitorId": VISITOR, "visitorSecret": visitor_secret(VISITOR),
               "author": "visitor", "text": TEXT, "ts": "2026-11-02T09:00:00Z"}
    answer = client.call("submit_message", body=message, headers=headers,
                         route={"conversationId": "conv-1"})
    assert answer.status == 202
    refused = client.call("collect", body=body, headers=headers | {"Origin": "https://evil.example"})
    assert refused.status == 403
    assert client.drain() == 3
    admin = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin")}
    route = {"tenantId": tenant["tenantId"]}
    listing = client.call("list_contacts", "GET", headers=admin, route=route)
    assert EMAIL in listing.body.decode()  # the admin sees it: the spans of that call must not


def everything(span: ReadableSpan) -> str:
    return json.dumps({
        "name": span.name, "attributes": dict(span.attributes or {}),
        "events": [(e.name, dict(e.attributes or {})) for e in span.events],
        "status": span.status.description, "links": len(span.links),
    }, default=str)


def test_no_exported_span_holds_a_personal_value(
    client: AppClient, tenant: dict[str, Any], exported: Exported
) -> None:
    planted_calls(client, tenant)
    spans = exported.finished()
    text = "\n".join(everything(s) for s in spans).lower()
    assert [p for p in PLANTED if p.lower() in text] == []
    names = {s.name for s in spans}
    assert {"function collect", "function process_ingest", "function list_contacts"} <= names
    assert {"store.read", "store.batch", "bus.send", "keys.unwrap_key"} <= names
    reads = [s for s in spans if s.name == "store.read"]
    assert any((s.attributes or {}).get("tenant.id") == tenant["tenantId"] for s in reads)
    collect = next(s for s in spans if s.name == "function collect")
    inner = [s for s in spans if s.parent and s.parent.span_id == collect.context.span_id]
    assert {"store.read", "bus.send"} <= {s.name for s in inner}  # nested in its function run


def test_a_failure_is_exported_as_its_type_never_its_message(exported: Exported) -> None:
    with pytest.raises(ValueError), core.span("function boom", **{"faas.name": "boom"}):
        raise ValueError(f"could not parse {EMAIL}")
    [span] = exported.finished()
    assert span.status.description == "ValueError" and EMAIL not in everything(span)


def test_attributes_outside_the_allow_list_never_leave(exported: Exported) -> None:
    with core.span("store.read", **{"tenant.id": "t-1", "email": EMAIL, "body": {"x": EMAIL}}):
        pass
    [span] = exported.finished()
    assert dict(span.attributes or {}) == {"tenant.id": "t-1"}


def test_the_agreed_metrics_count_what_happened(
    client: AppClient, tenant: dict[str, Any], exported: Exported
) -> None:
    planted_calls(client, tenant)
    client.call("readiness", "GET", headers={"X-MS-CLIENT-PRINCIPAL": principal("Auditor")})
    points = exported.points()
    events = {(a["outcome"], a.get("reason", "")): v for a, v in points["privacy.ingest.events"]}
    assert events[("accepted", "")] == 3 and events[("duplicate", "")] == 3
    assert events[("refused", "forbidden")] == 1
    assert points["privacy.access.denied"] == [({}, 1)]
    assert points["privacy.ingest.queue_depth"] == [({}, 0)]
    assert points["privacy.ingest.dead_letters"] == [({}, 0)]
    versions = {a["key"]: v for a, v in points["privacy.keys.versions_in_use"]}
    assert versions == {"blind-index": 1, "transit": 1, "kek": 1}
    text = json.dumps(points, default=str).lower()
    assert [p for p in PLANTED if p.lower() in text] == []
