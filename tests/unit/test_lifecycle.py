"""Every lifecycle is one table checked by one function; property tests walk each table."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from enum import StrEnum
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

import shared
from shared.lifecycle import REGISTERED, InvalidTransition, Lifecycle, advance

ROOT = Path(__file__).resolve().parents[2]
for module in pkgutil.walk_packages(shared.__path__, "shared."):
    if ".adapters." not in module.name:  # adapters import Azure SDKs; they declare no lifecycle
        importlib.import_module(module.name)
TABLES = sorted(REGISTERED.values(), key=lambda lifecycle: lifecycle.name)


def test_every_documented_lifecycle_is_a_registered_table() -> None:
    assert {t.name for t in TABLES} >= {
        "request",  # DSAR
        "notice",
        "tenant",
        "offboarding",
        "retention job",
        "subprocessor change",
        "subprocessor",
    }


OPEN_ENDED = {"notice"}
"""A breach notice is sent again after every revision of its incident: it never closes."""


def _reachable(table: Lifecycle[StrEnum]) -> set[StrEnum]:
    seen, todo = {table.initial}, [table.initial]
    while todo:
        for target in table.moves[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_state_is_reachable_from_the_start_and_every_path_can_finish(
    table: Lifecycle[StrEnum],
) -> None:
    assert _reachable(table) == set(table.states)  # e.g. a DSAR can fail
    if table.name in OPEN_ENDED:
        assert not table.terminal
        return
    for state in table.states:
        walk = {state}
        todo = [state]
        while todo:
            for target in table.moves[todo.pop()]:
                if target not in walk:
                    walk.add(target)
                    todo.append(target)
        assert walk & table.terminal, f"{state} can never finish"


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
@given(data=st.data())
def test_a_random_walk_stays_in_the_table_and_illegal_moves_raise(
    table: Lifecycle[StrEnum], data: st.DataObject
) -> None:
    state = table.initial
    for _ in range(data.draw(st.integers(0, 12))):
        assert state in table.states
        target = data.draw(st.sampled_from(sorted(table.states)))
        if target in table.moves[state]:
            assert advance(table, state.value, target) is target
            state = target
        else:
            with pytest.raises(InvalidTransition) as refused:
                advance(table, state.value, target)
            assert refused.value.status == 409
            assert f"cannot go from {state} to {target}" in refused.value.detail
    for target in table.states if state in table.terminal else ():
        with pytest.raises(InvalidTransition):  # terminal states have no exits
            advance(table, state.value, target)


def test_an_unknown_stored_state_is_refused_not_accepted() -> None:
    from shared.dsar.lifecycle import DSAR_REQUEST
    from shared.dsar.models import DsarStatus

    with pytest.raises(ValueError):
        advance(DSAR_REQUEST, "archived", DsarStatus.COMPLETED)


def test_a_table_must_name_every_state_and_only_its_own() -> None:
    class Light(StrEnum):
        RED = "red"
        GREEN = "green"

    with pytest.raises(ValueError, match="every state"):
        Lifecycle("light", Light.RED, {Light.RED: frozenset({Light.GREEN})})


def test_the_stored_models_accept_exactly_the_states_of_their_tables() -> None:
    from shared.accountability.lifecycle import SUBPROCESSOR, SUBPROCESSOR_CHANGE
    from shared.accountability.subprocessor_models import Subprocessor, SubprocessorChange
    from shared.retention.lifecycle import OFFBOARDING, RETENTION_JOB
    from shared.retention.models import Offboarding, RetentionJob
    from shared.tenancy.lifecycle import TENANT
    from shared.tenancy.models import Tenant

    pairs = [
        (Tenant, "status", TENANT),
        (Offboarding, "phase", OFFBOARDING),
        (RetentionJob, "status", RETENTION_JOB),
        (Subprocessor, "status", SUBPROCESSOR),
        (SubprocessorChange, "status", SUBPROCESSOR_CHANGE),
    ]
    for model, field, table in pairs:
        allowed = set(get_args(model.model_fields[field].annotation))
        assert allowed == {s.value for s in table.states}, model.__name__


OWNERS = {
    "shared/accountability/authority.py",
    "shared/accountability/incidents.py",  # creates each notice in its first state
    "shared/accountability/notices.py",
    "shared/accountability/processing_records.py",  # copies the tenant's status into a view
    "shared/accountability/remediation.py",
    "shared/accountability/subprocessors.py",
    "shared/dsar/requests.py",
    "shared/dsar/views.py",  # copies the request's status into the admin's view
    "shared/dsar/widget_intake.py",  # creates a visitor's request in its first state
    "shared/notify/deliveries.py",  # creates each delivery in its first state
    "shared/notify/events.py",  # copies a request's status into its event's data
    "shared/notify/sending.py",
    "shared/notify/webhooks.py",  # copies a delivery's status into the delivery log's view
    "shared/recordings/service.py",
    "shared/operations/health.py",  # up/down of a probe and ok/degraded: no lifecycle, no store
    "shared/retention/jobs.py",
    "shared/retention/offboarding.py",
    "shared/tenancy/directory.py",
}


def test_statuses_are_written_only_by_the_modules_owning_their_lifecycle() -> None:
    writers = set()
    for path in (ROOT / "shared").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            keys = []
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            elif isinstance(node, ast.Call):
                keys = [kw.arg for kw in node.keywords]
            if {"status", "phase"} & set(keys):
                writers.add(str(path.relative_to(ROOT)))
    assert writers <= OWNERS, sorted(writers - OWNERS)
