"""A breach window's exposure, counted from item metadata: records per category and distinct
subjects, only for items collected inside the window."""

from __future__ import annotations

from datetime import timedelta

from shared.accountability.exposure import count_exposure
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import SUBJECTS
from tests.fakes import FakeClock


def plant(store: SqliteDocumentStore, subject: str, category: str, at: str, n: int = 0) -> None:
    item = {
        "id": f"{subject}-{category}-{at}",
        "tenantId": "t-1",
        "subjectId": subject,
        "category": category,
        "createdAt": at,
    }
    if n:  # a grouped events document counts as its events
        item |= {"type": "events", "events": [{"id": str(i)} for i in range(n)]}
    store.create(SUBJECTS.name, item)


def test_only_items_collected_in_the_window_are_counted_with_distinct_subjects(
    region_store: SqliteDocumentStore, clock: FakeClock
) -> None:
    start = clock.now()
    inside, after = (start + timedelta(hours=1)).isoformat(), (start + timedelta(days=2))
    plant(region_store, "s-1", "behaviour", inside, n=3)
    plant(region_store, "s-2", "behaviour", inside, n=2)
    plant(region_store, "s-1", "contact", inside)
    plant(region_store, "s-3", "contact", after.isoformat())  # after the window
    plant(region_store, "s-3", "consent", inside)  # a category not named
    end = start + timedelta(days=1)
    exposure = count_exposure(region_store, "t-1", ["behaviour", "contact"], start, end, end)
    assert (exposure.records, exposure.subjects) == (6, 2)
    by = {c: (e.records, e.subjects) for c, e in exposure.byCategory.items()}
    assert by == {"behaviour": (5, 2), "contact": (1, 1)}
