"""Dev auth (trust X-MS-CLIENT-PRINCIPAL as sent) never runs on an Azure instance."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest

from shared.composition import reset_app
from shared.settings import get_settings
from tests.app_client import FUNCTIONS
from tests.conftest import PLATFORM


@pytest.fixture
def on_azure_with_dev_auth(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    reset_app()
    get_settings.cache_clear()
    monkeypatch.setenv("WEBSITE_INSTANCE_ID", "5f0e1d2c3b4a")
    monkeypatch.setenv("PRIVACY_DEV_AUTH", "true")
    monkeypatch.setenv("PRIVACY_DATA_DIR", str(tmp_path / "data"))
    yield tmp_path / "data"
    get_settings.cache_clear()
    reset_app()


def test_every_admin_call_is_refused_and_the_log_says_why(
    on_azure_with_dev_auth: Path, caplog: pytest.LogCaptureFixture
) -> None:
    request = func.HttpRequest(
        "GET", "http://localhost/api/v1/tenants/t-1", headers=PLATFORM,
        route_params={"tenantId": "t-1"}, body=b"",
    )
    with caplog.at_level(logging.INFO):
        answer = FUNCTIONS["get_tenant"].get_user_function()(request)
    assert answer.status_code == 500 and answer.mimetype == "application/problem+json"
    assert b"unsafe settings" in answer.get_body()
    [critical] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "PRIVACY_DEV_AUTH" in critical.getMessage()
    assert "WEBSITE_INSTANCE_ID" in critical.getMessage()
    assert not on_azure_with_dev_auth.exists()  # refused before any store was opened
