"""The embedded key files: first start generates them, versions are files, and a key file lost
while data made with it remains stops the app instead of being silently replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from shared.adapters.file_keys import FileKeyProvider, MissingKeyFile
from shared.adapters.secret_files import create_secret_file
from shared.composition import compose, install_app, reset_app
from shared.ports.key_provider import KeyUnavailable, current_secret
from shared.settings import Settings
from tests.app_client import AppClient
from tests.conftest import ORIGIN, PLATFORM, visitor_secret, widget_headers
from tests.fakes import FakeClock


def keys_dir(settings: Settings) -> Path:
    return settings.data_dir / "regions" / settings.region / "keys"


def seed(settings: Settings, clock: FakeClock, drain: bool) -> None:
    """A tenant and one contact through the widget; drained (stored) or left queued."""
    services = compose(settings, clock=clock)
    install_app(services)
    try:
        client = AppClient(services)
        tenant = client.call(
            "create_tenant",
            body={"name": "Shop", "region": "eu", "allowedOrigins": [ORIGIN]},
            headers=PLATFORM,
        ).json()
        body = {
            "visitorId": "v-1",
            "visitorSecret": visitor_secret("v-1"),
            "email": "someone@example.org",
            "consent": {"granted": True, "purposes": ["callback"], "textVersion": "1"},
        }
        assert (
            client.call("submit_contact", body=body, headers=widget_headers(tenant)).status == 202
        )
        if drain:
            assert client.drain() == 1
    finally:
        reset_app()


def test_a_first_start_on_an_empty_directory_generates_private_keys(tmp_path: Path) -> None:
    FileKeyProvider(tmp_path / "keys")
    files = sorted(p.name for p in (tmp_path / "keys").iterdir())
    assert files == ["blind-index.key", "kek-v1.key", "transit.key"]
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in (tmp_path / "keys").iterdir())


def test_the_unversioned_files_are_version_one_and_new_files_add_versions(tmp_path: Path) -> None:
    first = FileKeyProvider(tmp_path)
    legacy = (tmp_path / "blind-index.key").read_bytes()
    assert [(v.version, v.value) for v in first.secret_versions("blind-index")] == [("1", legacy)]
    for n in (2, 3, 4):
        create_secret_file(tmp_path / f"blind-index-v{n}.key", os.urandom(32))
    again = FileKeyProvider(tmp_path)  # files are listed at start, as after a redeploy
    assert [v.version for v in again.secret_versions("blind-index")] == ["4", "3", "2"]
    assert again.secret_version("blind-index", "1") == legacy  # named: beyond the window
    assert again.add_secret_version("transit") == "2"
    assert current_secret(again, "transit").version == "2"
    with pytest.raises(KeyUnavailable):
        again.secret_version("transit", "9")


def test_two_files_for_one_version_are_refused(tmp_path: Path) -> None:
    FileKeyProvider(tmp_path)
    create_secret_file(tmp_path / "transit-v1.key", os.urandom(32))
    with pytest.raises(KeyUnavailable, match="clash"):
        FileKeyProvider(tmp_path)


@pytest.mark.parametrize("lost", ["blind-index.key", "kek-v1.key"])
def test_a_lost_key_file_with_stored_data_refuses_to_start(
    settings: Settings, clock: FakeClock, lost: str
) -> None:
    seed(settings, clock, drain=True)
    key = (keys_dir(settings) / lost).read_bytes()
    (keys_dir(settings) / lost).unlink()
    with pytest.raises(MissingKeyFile) as refused:
        compose(settings, clock=clock)
    message = str(refused.value)
    assert str(keys_dir(settings) / lost) in message and "restore" in message
    assert key.hex() not in message
    assert not (keys_dir(settings) / lost).exists()  # nothing was regenerated


def test_a_lost_transit_key_matters_only_while_messages_are_queued(
    settings: Settings, clock: FakeClock
) -> None:
    seed(settings, clock, drain=True)  # stored, queue empty: a new transit key loses nothing
    (keys_dir(settings) / "transit.key").unlink()
    compose(settings, clock=clock).close()
    assert (keys_dir(settings) / "transit.key").exists()
    seed(settings, clock, drain=False)  # a message sealed under it waits in the queue
    (keys_dir(settings) / "transit.key").unlink()
    with pytest.raises(MissingKeyFile, match=r"transit\.key"):
        compose(settings, clock=clock)
