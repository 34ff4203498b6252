"""A redeploy that writes new secret versions, against the real host: stopped, given a second
version of the blind-index and transit secrets, started again on the same data. An objection
still holds, erasure by email and by visitor id find everything; and a host whose key file is
lost while data made with it remains refuses to start, naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shared.adapters.secret_files import create_secret_file
from tests.conftest import collect_body
from tests.e2e.conftest import E2E_ENV
from tests.e2e.helpers import wait_for, widget
from tests.e2e.host_process import HostProcess
from tests.e2e.test_dsar_e2e import STARTER, Shop, api_for, open_shop, raw
from tests.e2e.test_visitor_secret_e2e import contact

pytestmark = pytest.mark.e2e
EMAIL = "keeper.planted@example.org"


def collect(shop: Shop, visitor: str) -> int:
    body = collect_body(2, visitor)
    return shop.api.post("/v1/collect", headers=widget(shop.key), json=body).status_code


def items(shop: Shop) -> int:
    rows = raw(shop.host, "SELECT count(*) FROM items WHERE container = 'subjects'")
    return int(rows[0][0])


def erase(shop: Shop, identifiers: dict[str, str]) -> dict[str, object]:
    accepted = shop.start({"type": "erasure", "identifiers": identifiers}, headers=STARTER)
    shop.wait_status(accepted, {"awaiting_approval"})
    assert shop.verify(accepted["requestId"]).status_code == 200
    assert shop.decide(accepted["requestId"], True).status_code == 202
    done = shop.wait_status(accepted)
    assert done["status"] == "completed", done
    verification: dict[str, object] = done["result"]["verification"]
    return verification


def test_a_redeploy_with_new_secret_versions_keeps_every_promise(tmp_path: Path) -> None:
    data = tmp_path / "data"
    host = HostProcess(data, tmp_path / "host.log", E2E_ENV)
    host.start()
    try:
        with api_for(host) as api:
            shop = open_shop(api, host)
            assert collect(shop, "v-keeper") == 202 and collect(shop, "v-objector") == 202
            assert contact(shop, "v-keeper", EMAIL).status_code == 202
            wait_for(lambda: len(shop.contacts()) == 1, what="the keeper's contact")
            shop.wait_status(
                shop.start({"type": "objection", "identifiers": {"visitorId": "v-objector"}})
            )
            assert collect(shop, "v-objector") == 409
    finally:
        host.stop()

    keys = data / "regions" / "eu" / "keys"
    for name in ("blind-index", "transit"):
        create_secret_file(keys / f"{name}-v2.key", os.urandom(32))
    host = HostProcess(data, tmp_path / "host.log", E2E_ENV)
    host.start()
    try:
        with api_for(host) as api:
            shop.api, shop.host = api, host
            assert collect(shop, "v-objector") == 409
            assert collect(shop, "v-keeper") == 202
            assert erase(shop, {"email": EMAIL})["outcome"] == "verified"
            assert erase(shop, {"visitorId": "v-objector"})["outcome"] == "verified"
            assert items(shop) == 0
            assert erase(shop, {"email": "nobody@example.org"})["outcome"] == "nothing_found"
    finally:
        host.stop()

    for lost in keys.glob("blind-index*.key"):  # the erasures' requests remain, indexed
        lost.unlink()
    host = HostProcess(data, tmp_path / "host.log", E2E_ENV)
    with pytest.raises(RuntimeError, match="exited early") as refused:
        host.start()
    host.stop()
    assert str(keys / "blind-index.key") in str(refused.value)
    assert not (keys / "blind-index.key").exists()
