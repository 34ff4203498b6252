"""Markdown renderings come from the same models as the JSON answers, and a free text cannot
restructure the document (each is put on one line)."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.accountability.incident_models import BreachNotice, CategoryExposure, Measures
from shared.accountability.markdown import notice_markdown

AT = datetime(2026, 11, 2, 9, tzinfo=UTC)


def notice(**changes: object) -> BreachNotice:
    fields: dict[str, object] = {
        "incidentId": "inc-1",
        "tenantId": "t-1",
        "tenantName": "Shop",
        "status": "pending",
        "notifyBy": AT,
        "revision": 1,
        "date": AT,
        "startedAt": AT,
        "ongoing": True,
        "duration": "PT1H",
        "location": "region 'eu'",
        "nature": "support export sent to the wrong recipient",
        "scale": CategoryExposure(records=5, subjects=2),
        "categories": ["contact"],
        "approximateSubjects": {"contact": 2},
        "approximateRecords": {"contact": 5},
        "systems": ["support console"],
        "measures": Measures(taken=["recipient deleted it"], proposed=[]),
        "contact": "DPO desk",
        "countedAt": AT,
        "note": "approximate",
    }
    return BreachNotice.model_validate(fields | changes)


def test_a_notice_lists_every_item_the_dpa_requires() -> None:
    text = notice_markdown(notice())
    for heading in ("Date, duration and location", "Nature", "Scale", "Systems concerned",
                    "Measures taken", "Measures proposed", "Contact point"):
        assert f"## {heading}" in text
    assert "| contact | 2 | 5 |" in text and "- none" in text  # no measure proposed yet
    assert "Duration: PT1H (so far)" in text


def test_a_free_text_cannot_add_headings_or_rows() -> None:
    text = notice_markdown(notice(nature="oops\n## Injected\n| x | y |", contact="a\n\nb"))
    assert "\n## Injected" not in text and "\n| x | y |" not in text
    assert "oops ## Injected | x | y |" in text and "\na b\n" in text
