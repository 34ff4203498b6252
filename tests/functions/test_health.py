"""Health means something: each backend answers a probe; one failing (or hanging) makes the
answer 503 ``degraded`` naming the backend and only the failure's type; the readiness view
(Platform.Admin) shows the ingest queue's depth, dead letters and oldest message's age."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest

from shared.operations.health import Backends, HealthProbe
from shared.ports.document_store import DocumentStore
from tests.app_client import AppClient, principal
from tests.conftest import collect_body, widget_headers, with_ports
from tests.fakes import FakeClock

SECRET = "cosmos-account-key-jean.dupont@example.com"


class Broken:
    """A store whose every read fails with a message that must never be repeated."""

    def __init__(self, inner: DocumentStore, hang: threading.Event | None = None) -> None:
        self.inner, self.hang = inner, hang

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def read(self, *args: Any) -> Any:
        if self.hang is not None:
            self.hang.wait(5)
        raise ConnectionError(f"connection refused by host with {SECRET}")


def admin_headers() -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")}


def test_a_failing_store_makes_health_503_degraded_and_says_only_what_failed(
    client: AppClient,
) -> None:
    with_ports(client, store=Broken(client.services.store))
    answer = client.call("health", "GET")
    assert answer.status == 503 and answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["checks"]["store"] == body["checks"]["store"] | {
        "status": "down", "error": "ConnectionError"
    }
    assert {n for n, c in body["checks"].items() if c["status"] == "down"} == {"store"}
    assert SECRET not in answer.body.decode() and "refused" not in answer.body.decode()


def test_a_hanging_backend_is_down_within_the_bound_not_a_hung_request(client: AppClient) -> None:
    release = threading.Event()
    app = with_ports(client, directory=Broken(client.services.directory, hang=release))
    backends = Backends(app.store, app.directory, app.bus, app.keys, app.blobs)
    probe = HealthProbe(backends, app.settings, lambda: 0, timeout=0.2)
    started = time.monotonic()
    report = probe.report()
    release.set()
    probe.close()
    assert time.monotonic() - started < 2
    assert report.status == "degraded"
    assert report.checks["directory"].status == "down"
    assert report.checks["directory"].error == "timeout"
    assert report.checks["store"].status == "up"


class Counting:
    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.reads = inner, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def read(self, *args: Any) -> Any:
        self.reads += 1
        return self.inner.read(*args)


def test_health_is_probed_at_most_once_per_window_however_often_it_is_asked(
    client: AppClient,
) -> None:
    counting = Counting(client.services.directory)
    with_ports(client, directory=counting)
    answers = [client.call("health", "GET").status for _ in range(20)]
    assert answers == [200] * 20 and counting.reads == 1


def test_readiness_shows_the_queue_and_the_oldest_message_s_age(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock
) -> None:
    empty = client.call("readiness", "GET", headers=admin_headers())
    assert empty.status == 200
    assert empty.json()["queue"] == {
        "name": client.services.settings.ingest_queue, "depth": 0, "deadLetters": 0,
    }  # no oldest message: no age
    for n in range(3):
        assert client.call(
            "collect", body=collect_body(2, visitor=f"v-{n}"), headers=widget_headers(tenant)
        ).status == 202
    clock.advance(timedelta(seconds=90))
    view = client.call("readiness", "GET", headers=admin_headers()).json()
    assert view["queue"]["depth"] == 3 and view["queue"]["oldestMessageAgeSeconds"] == 90.0
    assert view["status"] == "ok" and view["dsarOpen"] == 0 and view["noticesDueSoon"] == 0
    assert view["keyVersions"] == {"blind-index": 1, "transit": 1, "kek": 1}
    bus, queue = client.services.bus, client.services.settings.ingest_queue
    [message] = bus.receive(queue)
    bus.dead_letter(queue, message.lock_token, "Bad")
    view = client.call("readiness", "GET", headers=admin_headers()).json()
    assert (view["queue"]["depth"], view["queue"]["deadLetters"]) == (2, 1)


@pytest.mark.parametrize("role", ["Privacy.Admin", "Auditor", "Support.Agent"])
def test_readiness_is_for_platform_admins_only(client: AppClient, role: str) -> None:
    answer = client.call("readiness", "GET", headers={"X-MS-CLIENT-PRINCIPAL": principal(role)})
    assert answer.status == 403
