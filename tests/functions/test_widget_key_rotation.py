"""Widget-key rotation: a new key shown once, the old one working for the overlap the admin
chose and refused after it; audited with the overlap, never a key."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.app_client import AppClient
from tests.conftest import AUDITOR, PLATFORM, PRIVACY_ADMIN, SUPPORT, collect_body, widget_headers
from tests.fakes import FakeClock


def rotate(client: AppClient, tenant: dict[str, Any], body: Any, headers: dict[str, str]) -> Any:
    return client.call("rotate_widget_key", body=body, headers=headers,
                       route={"tenantId": tenant["tenantId"]})  # fmt: skip


def collects(client: AppClient, tenant: dict[str, Any], key: str) -> int:
    headers = widget_headers(tenant | {"widgetKey": key})
    return int(client.call("collect", body=collect_body(1), headers=headers).status)


def test_old_key_works_for_the_overlap_then_stops(
    client: AppClient, tenant: dict[str, Any], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    old = tenant["widgetKey"]
    with caplog.at_level(logging.DEBUG):
        answer = rotate(client, tenant, {"overlapHours": 2}, PRIVACY_ADMIN)
    assert answer.status == 201, answer.body
    body = answer.json()
    new = body["widgetKey"]
    assert new != old and new.startswith("wk_eu_")
    until = datetime.fromisoformat(body["previousKeyExpiresAt"])
    assert until == clock.now() + timedelta(hours=2)
    assert collects(client, tenant, old) == 202 and collects(client, tenant, new) == 202
    clock.advance(timedelta(hours=2))
    assert collects(client, tenant, old) == 401
    assert collects(client, tenant, new) == 202
    logged = json.dumps([vars(r) for r in caplog.records], default=str)
    assert new not in logged and old not in logged
    trail = client.call(
        "list_audit", "GET", headers=AUDITOR, route={"tenantId": tenant["tenantId"]}
    )
    entry = next(e for e in trail.json()["items"] if e["action"] == "widget_key.rotated")
    assert entry["details"]["overlapHours"] == 2
    assert new not in trail.body.decode() and old not in trail.body.decode()
    shown = client.call(
        "get_tenant", "GET", headers=PLATFORM, route={"tenantId": tenant["tenantId"]}
    )
    assert new not in shown.body.decode() and "Hash" not in shown.body.decode()


def test_overlap_zero_cuts_every_older_key_at_once(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    first = rotate(client, tenant, None, PLATFORM).json()  # default: 24 hours
    second = rotate(client, tenant, {"overlapHours": 0}, PLATFORM).json()
    assert collects(client, tenant, tenant["widgetKey"]) == 401  # the original, cut too
    assert collects(client, tenant, first["widgetKey"]) == 401
    assert collects(client, tenant, second["widgetKey"]) == 202


@pytest.mark.parametrize("body", [{"overlapHours": 169}, {"overlapHours": -1}, {"extra": 1}])
def test_bounds_and_roles(client: AppClient, tenant: dict[str, Any], body: Any) -> None:
    assert rotate(client, tenant, body, PRIVACY_ADMIN).status == 400
    assert rotate(client, tenant, {}, SUPPORT).status == 403
    assert collects(client, tenant, tenant["widgetKey"]) == 202  # nothing rotated
