from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shared.composition import App, compose, install_app, reset_app
from shared.settings import Settings
from tests.app_client import AppClient, principal
from tests.fakes import FakeClock

PLATFORM = {"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")}
PRIVACY_ADMIN = {"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin")}
SUPPORT = {"X-MS-CLIENT-PRINCIPAL": principal("Support.Agent")}
AUDITOR = {"X-MS-CLIENT-PRINCIPAL": principal("Auditor")}
ORIGIN = "https://shop.example"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        dev_auth=True,
        widget_rate_per_second=1000,
        widget_rate_burst=1000,
        widget_ip_rate_per_second=1000,
        widget_ip_rate_burst=1000,
        region_endpoints={"us": "https://privacy-us.example/api"},
        webhook_local_urls=True,
    )


@pytest.fixture
def services(settings: Settings, clock: FakeClock) -> Iterator[App]:
    built = compose(settings, clock=clock)
    install_app(built)
    yield built
    reset_app()


@pytest.fixture
def client(services: App) -> AppClient:
    return AppClient(services)


def with_ports(client: AppClient, **ports: Any) -> App:
    """Rebuild the client's app around replaced ports (a store with latency or failures, Blob
    Storage): the composition root wires them into every use case, as it would in Azure."""
    old = client.services
    current = {
        "store": old.store,
        "directory": old.directory,
        "bus": old.bus,
        "keys": old.keys,
        "blobs": old.blobs,
    }
    app = compose(old.settings, old.clock, **(current | ports))
    install_app(app)
    client.services = app
    return app


@pytest.fixture
def tenant(client: AppClient) -> dict[str, Any]:
    answer = client.call(
        "create_tenant",
        body={"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN], "defaultCountry": "FR"},
        headers=PLATFORM,
    )
    assert answer.status == 201, answer.body
    return dict(answer.json())


def widget_headers(tenant: dict[str, Any], **extra: str) -> dict[str, str]:
    return {
        "X-Widget-Key": tenant["widgetKey"],
        "Origin": ORIGIN,
        "X-Forwarded-For": "203.0.113.77:50123",
        **extra,
    }


def visitor_secret(visitor_id: str) -> str:
    """The secret the widget keeps beside a visitor id (API.md v1.1), made deterministic for
    tests: every widget call of the suite naming a visitor sends this one."""
    digest = hashlib.sha256(f"test widget secret\x1f{visitor_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def collect_body(n: int = 3, visitor: str = "v-1") -> dict[str, Any]:
    return {
        "visitorId": visitor,
        "visitorSecret": visitor_secret(visitor),
        "sessionId": "sess-1",
        "context": {
            "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
            "language": "fr-FR",
            "screen": {"width": 1280, "height": 800},
            "timezone": "Europe/Paris",
        },
        "events": [
            {
                "id": str(uuid.uuid4()),
                "type": "page_view",
                "ts": "2026-11-02T09:00:00Z",
                "url": "https://shop.example/p?email=jean%40example.com",
            }
            for _ in range(n)
        ],
    }
