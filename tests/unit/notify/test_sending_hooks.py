"""A failing attachment hook fails the delivery like any other attempt, and logs its type only:
a stored document that no longer validates makes pydantic quote it (a contact, free text)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from pydantic import BaseModel, Field, ValidationError

from shared.notify.sending import Hooks, Sending
from tests.fakes import FakeClock

PLANTED = "dpo.jean.dupont@example.com"


class Notice(BaseModel):
    contact: str = Field(max_length=5)


class Mailer:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, message: Any) -> None:
        self.sent.append(message)


def broken_notice(data: dict[str, Any]) -> tuple[()]:
    Notice.model_validate({"contact": PLANTED})  # raises, quoting the value
    return ()


def test_a_failing_attachment_hook_is_a_failed_attempt_that_quotes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(ValidationError, match="dpo"):  # what would have reached the host
        broken_notice({})
    mailer = Mailer()
    sending = Sending(
        cast(Any, None), cast(Any, None), cast(Any, None), cast(Any, mailer), cast(Any, None),
        FakeClock(datetime(2026, 11, 30, tzinfo=UTC)),
        Hooks(attachments={"incident.notice": broken_notice}),
    )
    delivery = {"id": "d-1", "tenantId": "t-1", "channel": "email", "event": "incident.notice",
                "recipients": ["privacy@shop.example"],
                "body": json.dumps({"type": "incident.notice", "data": {"incidentId": "inc-1"}})}
    with caplog.at_level(logging.DEBUG):
        outcome = sending.send(delivery)
    assert (outcome.ok, outcome.code) == (False, "attachment_failed")
    assert mailer.sent == []
    [record] = [r for r in caplog.records if r.getMessage() == "attachment hook failed"]
    assert record.__dict__["error"] == "ValidationError"
    for record in caplog.records:
        assert PLANTED not in json.dumps(record.__dict__, default=str)
