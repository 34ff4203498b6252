"""Widget keys: stored as digests; a retired key works until its end (the earliest end given
wins), then its link is refused and removed."""

from __future__ import annotations

from datetime import timedelta

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import WIDGET_KEYS
from shared.tenancy.widget_keys import WidgetKeyLinks, key_hash, new_key
from tests.fakes import FakeClock


def test_a_new_key_names_its_region_and_only_its_digest_is_stored(
    directory_store: SqliteDocumentStore, clock: FakeClock
) -> None:
    key = new_key("eu")
    assert key.startswith("wk_eu_") and len(key) > 30
    WidgetKeyLinks(directory_store).link(key_hash(key), "t-1")
    stored = directory_store.read(WIDGET_KEYS.name, (key_hash(key),), key_hash(key))
    assert key not in str(stored) and stored["tenantId"] == "t-1"


def test_a_retired_key_works_until_the_earliest_end_then_is_dropped(
    directory_store: SqliteDocumentStore, clock: FakeClock
) -> None:
    links, digest = WidgetKeyLinks(directory_store), key_hash(new_key("eu"))
    links.link(digest, "t-1")
    assert links.tenant_of(digest, clock.now()) == ("t-1", None)
    soon, later = clock.now() + timedelta(hours=1), clock.now() + timedelta(hours=24)
    links.retire([digest, key_hash("never-issued")], soon)
    links.retire([digest], later)  # a later end never extends an earlier one
    assert links.tenant_of(digest, clock.now()) == ("t-1", soon)
    assert links.tenant_of(digest, soon) == (None, None)
    assert directory_store.read_many(WIDGET_KEYS.name, (digest,), [digest]) == []
