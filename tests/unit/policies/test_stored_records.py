"""Stored documents as records: a grouped events document is one record per event, opened
with the subject's key; a record whose key is gone is shown as unreadable, never skipped."""

from __future__ import annotations

from shared.crypto.envelope import FieldCipher, new_data_key
from shared.policies.stored_records import events_doc_id, opened, record_count, records

CIPHER = FieldCipher(new_data_key(), "t-1", "s-1")
GROUP = {
    "id": events_doc_id("m-1"),
    "type": "events",
    "tenantId": "t-1",
    "category": "behaviour",
    "ttl": 100,
    "events": [
        {"id": "e-1", "enc": CIPHER.encrypt_fields("e-1", {"url": "https://shop.example/a"})},
        {"id": "e-2", "enc": CIPHER.encrypt_fields("e-2", {"url": "https://shop.example/b"})},
    ],
}


def test_a_grouped_document_counts_and_reads_as_its_events() -> None:
    assert record_count(GROUP) == 2 and record_count({"type": "contact"}) == 1
    shown = [opened(r, CIPHER) for r in records(GROUP)]
    assert [(r["id"], r["type"], r["url"]) for r in shown] == [
        ("e-1", "event", "https://shop.example/a"),
        ("e-2", "event", "https://shop.example/b"),
    ]
    assert all("enc" not in r and "ttl" not in r and "tenantId" not in r for r in shown)


def test_a_record_whose_key_is_gone_or_wrong_is_marked_unreadable() -> None:
    [first, _] = records(GROUP)
    wrong = FieldCipher(new_data_key(), "t-1", "s-1")
    assert opened(first, wrong)["unreadable"] is True
    assert "url" not in opened(first, None) and "unreadable" not in opened(first, None)
