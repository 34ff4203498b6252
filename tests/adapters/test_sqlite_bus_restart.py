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


def test_a_completed_message_leaves_no_bytes_in_the_file(tmp_path: Path) -> None:
    """A sealed envelope still opens with the region's transit key, which outlives it: once
    processed, its bytes must not linger in the file's free pages (nor the WAL)."""
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    bus = SqliteBus(tmp_path / "bus.sqlite", clock)
    marker = b"sealed-envelope-bytes-" * 20
    bus.send("q", [OutgoingMessage(body=marker, message_id="m-1")])
    [message] = bus.receive("q")
    bus.complete("q", message.lock_token)
    bus.close()
    left = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert marker[:40] not in left
