"""One strategy per request type, named in one table: what each does to one category of the
subjects' data, answering counts only."""

from __future__ import annotations

from typing import Any

import pytest

from shared.composition import App
from shared.containers import SUBJECTS
from shared.dsar.models import DsarType
from shared.dsar.strategies import DATA_CATEGORIES, Step, Strategies
from shared.ports.document_store import Query
from tests.app_client import AppClient
from tests.conftest import collect_body, widget_headers


@pytest.fixture
def strategies(services: App) -> Strategies:
    return Strategies(
        services.store,
        services.subject_keys,
        services.index,
        services.blobs,
        services.keys,
        services.clock,
    )


@pytest.fixture
def subject(client: AppClient, services: App, tenant: dict[str, Any]) -> str:
    client.call("collect", body=collect_body(4), headers=widget_headers(tenant))
    client.drain()
    return services.visitors.find(tenant["tenantId"], "v-1").subject_id


def step(services: App, tenant: dict[str, Any], subject: str, category: str) -> Step:
    doc = {"id": "dsar-1", "type": "erasure"}
    return Step(
        doc, services.tenants.get(tenant["tenantId"]), [subject], category, services.clock.now()
    )


def test_every_type_has_a_strategy_and_its_categories() -> None:
    assert set(Strategies.categories(DsarType.ACCESS)) == set(DATA_CATEGORIES)
    assert Strategies.categories(DsarType.RECTIFICATION) == ["contact"]
    assert Strategies.categories(DsarType.RESTRICTION) == ["subject"]
    assert Strategies.categories(DsarType.CONSENT_WITHDRAWAL) == ["consent"]


def test_erasure_counts_records_and_leaves_other_categories(
    services: App, tenant: dict[str, Any], subject: str, strategies: Strategies
) -> None:
    assert set(strategies.by_type) == set(DsarType)
    counts = strategies.by_type[DsarType.ERASURE](step(services, tenant, subject, "behaviour"))
    assert counts == {"category": "behaviour", "deleted": 4}
    kinds = {
        i.get("category") or i.get("type")
        for i in services.store.query(
            SUBJECTS.name, (tenant["tenantId"], subject), Query(), 50
        ).items
    }
    assert "behaviour" not in kinds and "technical" in kinds


def test_restriction_flags_the_subject_so_the_widget_stores_nothing_more(
    services: App, tenant: dict[str, Any], subject: str, strategies: Strategies
) -> None:
    counts = strategies.by_type[DsarType.RESTRICTION](step(services, tenant, subject, "subject"))
    assert counts == {"category": "subject", "restricted": 1}
    doc = services.subject_keys.subject(tenant["tenantId"], subject)
    assert doc is not None and doc["flags"]["restricted"] is True
