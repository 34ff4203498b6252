from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.embedded_host.app_loader import FunctionDescriptor, describe
from infra.embedded_host.durable.engine import DurableEngine
from infra.embedded_host.durable.store import TaskHubStore
from tests.fakes import FakeClock
from tests.infra.durable import sample_app

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EngineFactory = Callable[[], DurableEngine]


@pytest.fixture(autouse=True)
def _fresh_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    sample_app.CALLS.clear()
    monkeypatch.delenv("PRIVACY_DATA_DIR", raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="session")
def functions() -> list[FunctionDescriptor]:
    return describe(sample_app.app)


@pytest.fixture
def open_engine(
    tmp_path: Path, clock: FakeClock, functions: list[FunctionDescriptor]
) -> Iterator[EngineFactory]:
    """Opens engines on one task hub file, as successive host processes would."""
    stores: list[TaskHubStore] = []

    def factory() -> DurableEngine:
        store = TaskHubStore(tmp_path / "regions" / "eu" / "taskhub.sqlite")
        stores.append(store)
        return DurableEngine(functions, store, clock)

    yield factory
    for store in stores:
        store.close()


@pytest.fixture
def engine(open_engine: EngineFactory) -> DurableEngine:
    return open_engine()
