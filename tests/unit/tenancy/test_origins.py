"""The origin index answers preflights for origins some tenant lists, and for no other."""

from __future__ import annotations

from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.containers import ORIGINS
from shared.tenancy.origins import OriginIndex, origin_hash


def test_an_origin_is_known_while_one_tenant_still_lists_it(
    directory_store: SqliteDocumentStore,
) -> None:
    index = OriginIndex(directory_store)
    assert not index.known("https://shop.example")
    index.link("https://shop.example", "t-1", add=True)
    index.link("https://SHOP.example/", "t-2", add=True)  # the same origin, written otherwise
    index.link("https://shop.example", "t-1", add=False)
    assert index.known("https://shop.example")
    index.link("https://shop.example", "t-2", add=False)
    assert not index.known("https://shop.example")


def test_the_index_keeps_digests_of_origins_not_the_origins(
    directory_store: SqliteDocumentStore,
) -> None:
    OriginIndex(directory_store).link("https://shop.example", "t-1", add=True)
    digest = origin_hash("https://shop.example")
    doc = directory_store.read(ORIGINS.name, (digest,), digest)
    assert doc["tenantIds"] == ["t-1"] and "shop" not in str(doc)
