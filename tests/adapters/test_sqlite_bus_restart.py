"""Embedded-only behaviour: a restarted host releases the locks its dead predecessor held."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shared.adapters.sqlite_bus import SqliteBus
from shared.ports.message_bus import OutgoingMessage
from tests.fakes import FakeClock


def test_locks_of_a_dead_process_are_released_on_restart(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    first = SqliteBus(tmp_path / "bus.sqlite", clock)
    first.send("q", [OutgoingMessage(body=b"a", message_id="m-1")])
    assert first.receive("q")  # locked for 60 s, then the process "dies"
    second = SqliteBus(tmp_path / "bus.sqlite", clock)
    assert second.receive("q") == []
    assert second.release_locks() == 1
    [again] = second.receive("q")
    assert again.message_id == "m-1" and again.delivery_count == 2
    first.close()
    second.close()
