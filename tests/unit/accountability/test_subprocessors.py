"""Register changes move through their tables: a change is proposed then active, an entry is
active then removed, and nothing moves back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.accountability.subprocessor_models import SubprocessorChangeCreate, SubprocessorSpec
from shared.auth import Principal
from shared.composition import App
from shared.lifecycle import InvalidTransition
from tests.fakes import FakeClock

ADMIN = Principal(actor="oid-platform", grants=frozenset())
SPEC = SubprocessorSpec(
    name="Mailer Inc",
    purpose="callback confirmations",
    location="EU (Ireland)",
    dataCategories=["contact"],
    transferSafeguard="processing in the EU",
)


def remove(services: App, subprocessor_id: str) -> str:
    cmd = SubprocessorChangeCreate(kind="remove", subprocessorId=subprocessor_id)
    return services.subprocessors.propose(ADMIN, cmd).changeId


def test_a_change_becomes_active_once_and_its_entry_is_removed_once(
    services: App, clock: FakeClock
) -> None:
    entry = services.subprocessors.register(ADMIN, SPEC)
    first, second = remove(services, entry.subprocessorId), remove(services, entry.subprocessorId)
    clock.advance(timedelta(days=14))
    assert services.subprocessors.activate(ADMIN, first).status == "active"
    [removed] = services.subprocessors.entries()
    assert (removed.status, removed.removedAt is not None) == ("removed", True)
    with pytest.raises(InvalidTransition, match="subprocessor cannot go from removed to removed"):
        services.subprocessors.activate(ADMIN, second)
    assert services.subprocessors.change(ADMIN, second).status == "proposed"  # not applied


def test_a_replacement_keeps_the_entry_active_under_its_new_terms(
    services: App, clock: FakeClock
) -> None:
    entry = services.subprocessors.register(ADMIN, SPEC)
    newer = SPEC.model_copy(update={"location": "EU (Germany)"})
    cmd = SubprocessorChangeCreate(
        kind="replace", subprocessorId=entry.subprocessorId, subprocessor=newer
    )
    change = services.subprocessors.propose(ADMIN, cmd)
    clock.advance(timedelta(days=14))
    services.subprocessors.activate(ADMIN, change.changeId)
    [current] = services.subprocessors.entries(active_only=True)
    assert (current.status, current.location) == ("active", "EU (Germany)")
