"""How many records and subjects of a tenant a breach window covers, without decrypting.

Counts read only item metadata (category, createdAt, subjectId) through one prefix query on the
tenant's partitions of ``subjects``: items whose ``createdAt`` falls in the window. Numbers are
approximate by nature (the DPA asks for approximate numbers): TTL may already have removed some.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime

from shared.accountability.incident_models import CategoryExposure, Exposure
from shared.containers import SUBJECTS
from shared.policies.stored_records import record_count
from shared.ports.document_store import DocumentStore, Filter, Query

PAGE = 1000


def count_exposure(
    store: DocumentStore,
    tenant_id: str,
    categories: Sequence[str],
    start: datetime,
    end: datetime,
    now: datetime,
) -> Exposure:
    """Records per category and distinct subjects (per category and overall) in the window."""
    query = Query(
        filters=[
            Filter("category", "in", list(categories)),
            Filter("createdAt", ">=", start.isoformat()),
            Filter("createdAt", "<=", end.isoformat()),
        ]
    )
    records: Counter[str] = Counter()
    subjects: dict[str, set[str]] = defaultdict(set)
    continuation: str | None = None
    while True:
        page = store.query(SUBJECTS.name, (tenant_id,), query, PAGE, continuation)
        for item in page.items:
            records[item["category"]] += record_count(item)
            subjects[item["category"]].add(item["subjectId"])
        continuation = page.continuation
        if not continuation:
            break
    by_category = {
        c: CategoryExposure(records=records[c], subjects=len(subjects[c])) for c in categories
    }
    return Exposure(
        records=sum(records.values()),
        subjects=len(set().union(*subjects.values())),
        byCategory=by_category,
        windowStart=start,
        windowEnd=end,
        countedAt=now,
    )


def affected_subject_ids(
    store: DocumentStore,
    tenant_id: str,
    categories: Sequence[str],
    start: datetime,
    end: datetime,
) -> list[str]:
    """The distinct subjects with items of ``categories`` created in the window, sorted."""
    query = Query(
        filters=[
            Filter("category", "in", list(categories)),
            Filter("createdAt", ">=", start.isoformat()),
            Filter("createdAt", "<=", end.isoformat()),
        ]
    )
    found: set[str] = set()
    continuation: str | None = None
    while True:
        page = store.query(SUBJECTS.name, (tenant_id,), query, PAGE, continuation)
        found.update(item["subjectId"] for item in page.items)
        continuation = page.continuation
        if not continuation:
            return sorted(found)
