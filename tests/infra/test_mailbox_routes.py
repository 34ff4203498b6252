"""The embedded host's mailbox routes (``/.local/mailbox``): what the local mailer wrote, for a
platform admin (or the master key) only, found by name among the files and never by a path."""

from __future__ import annotations

import os
import warnings
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

from infra.embedded_host.host_keys import HostKeys
from infra.embedded_host.mailbox_routes import mailbox_routes
from shared.adapters.mailbox_mailer import MailboxMailer
from shared.ports.mailer import Attachment, MailMessage
from tests.app_client import principal
from tests.fakes import FakeClock

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; httpx is what the venv has
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

KEYS = HostKeys.from_master("m" * 40)
PLATFORM = {"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin")}


def mail(box: Path, message_id: str, subject: str, at: int, attachments: int = 0) -> Path:
    clock = FakeClock(datetime(2026, 3, 1, 9, at, tzinfo=UTC))
    files = tuple(
        Attachment(f"notice-{i}.json", "application/json", b"{}") for i in range(attachments)
    )
    MailboxMailer(box, clock).send(MailMessage(
        to=("dpo@shop.example", "oncall@vendor.example"), subject=subject,
        text=f"Body of {subject}\nlink: /api/console/#/t/t-1", html="<p>html</p>",
        message_id=message_id, attachments=files,
    ))
    path = box / f"{message_id}.eml"
    os.utime(path, ns=(at * 10**9, at * 10**9))  # the order files were written in
    return path


def client(box: Path, trusted: bool = True) -> TestClient:
    app = Starlette(routes=mailbox_routes(box, KEYS, trusted=trusted))
    return TestClient(app, base_url="http://127.0.0.1:7071")


@pytest.fixture
def box(tmp_path: Path) -> Path:
    box = tmp_path / "mailbox"
    mail(box, "dlv-1-mail", "Personal data breach notice", 1, attachments=2)
    mail(box, "dlv-2-oncall", "Webhook delivery failed", 2)
    (box / "notes.txt").write_text("not a message")
    return box


def test_a_platform_admin_lists_the_messages_newest_first(box: Path) -> None:
    answer = client(box).get("/.local/mailbox", headers=PLATFORM)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    items = answer.json()["items"]
    assert [m["id"] for m in items] == ["dlv-2-oncall", "dlv-1-mail"]
    first = items[1]
    assert first["subject"] == "Personal data breach notice"
    assert first["to"] == ["dpo@shop.example", "oncall@vendor.example"]
    assert first["date"] == "2026-03-01T09:01:00+00:00"
    assert first["attachments"] == ["notice-0.json", "notice-1.json"]
    assert client(box).get("/.local/mailbox?limit=1", headers=PLATFORM).json()["items"][0][
        "id"] == "dlv-2-oncall"


def test_one_message_opens_as_its_text_with_its_attachments_named(box: Path) -> None:
    answer = client(box).get("/.local/mailbox/dlv-1-mail", headers=PLATFORM)
    assert answer.status_code == 200
    body = answer.json()
    assert body["text"].startswith("Body of Personal data breach notice\nlink: /api/console/")
    assert body["attachments"] == [
        {"name": "notice-0.json", "contentType": "application/json", "bytes": 2},
        {"name": "notice-1.json", "contentType": "application/json", "bytes": 2},
    ]


def test_the_master_key_opens_it_for_scripts(box: Path) -> None:
    answer = client(box).get("/.local/mailbox", headers={"x-functions-key": KEYS.master})
    assert answer.status_code == 200 and len(answer.json()["items"]) == 2


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"X-MS-CLIENT-PRINCIPAL": principal("Privacy.Admin")}, 403),
        ({"X-MS-CLIENT-PRINCIPAL": principal("Platform.Admin", tenants=("t-1",))}, 403),
        ({"X-MS-CLIENT-PRINCIPAL": "not base64 json"}, 401),
        ({"x-functions-key": KEYS.default}, 401),
    ],
)
def test_anyone_else_is_refused_without_a_word_of_the_mail(
    box: Path, headers: dict[str, str], status: int
) -> None:
    for path in ("/.local/mailbox", "/.local/mailbox/dlv-1-mail"):
        answer = client(box).get(path, headers=headers)
        assert answer.status_code == status
        assert answer.headers["content-type"] == "application/problem+json"
        assert "dpo@shop.example" not in answer.text and "breach" not in answer.text


def test_without_dev_auth_a_principal_header_is_not_believed(box: Path) -> None:
    assert client(box, trusted=False).get("/.local/mailbox", headers=PLATFORM).status_code == 401


@pytest.mark.parametrize(
    "name", ["notes", "..", "dlv-1-mail.eml", "..%2Fmaster.key", "%2E%2E", "DLV-1-MAIL", "dlv-3"]
)
def test_only_a_listed_message_can_be_opened(box: Path, name: str) -> None:
    (box.parent / "master.key").write_text("k" * 40)
    answer = client(box).get(f"/.local/mailbox/{name}", headers=PLATFORM)
    assert answer.status_code == 404
    assert "k" * 40 not in answer.text


def test_a_bad_limit_is_a_problem_and_an_absent_mailbox_is_empty(tmp_path: Path) -> None:
    empty = client(tmp_path / "never-written")
    assert empty.get("/.local/mailbox", headers=PLATFORM).json() == {"items": []}
    for limit in ("0", "501", "ten", "-1"):
        answer = empty.get(f"/.local/mailbox?limit={limit}", headers=PLATFORM)
        assert answer.status_code == 400, limit
