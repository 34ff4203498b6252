"""Lifecycles as transition tables, and the one function that checks a move.

Every status a document goes through (a DSAR, a breach notice, a tenant, its offboarding, a
retention job, a subprocessor change) is declared once, in its capability's ``lifecycle``
module, as a ``Lifecycle``: the state a document starts in and, per state, the states it may
move to. A state with no exits is terminal. The module owning a lifecycle is the only one
that writes that status, and it calls ``advance`` for every move, so a status no table allows
is never stored (and a state no path reaches shows up in the table's property test).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from shared.errors import Conflict

S = TypeVar("S", bound=StrEnum)

REGISTERED: dict[str, Lifecycle[StrEnum]] = {}
"""Every lifecycle declared in the process, by name (the property test walks them all)."""


class InvalidTransition(Conflict):
    """A move the table does not allow: a 409 at the HTTP edge, a failed activity elsewhere."""


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    name: str
    """What moves, as a reader says it ("request", "notice"): it names the thing in errors."""
    initial: S
    moves: Mapping[S, frozenset[S]]

    def __post_init__(self) -> None:
        states = set(type(self.initial))
        if set(self.moves) != states:
            raise ValueError(f"the {self.name} table must list every state once")
        if any(not targets <= states for targets in self.moves.values()):
            raise ValueError(f"the {self.name} table moves to a state it does not declare")
        REGISTERED[self.name] = self  # type: ignore[assignment]

    @property
    def states(self) -> frozenset[S]:
        return frozenset(self.moves)

    @property
    def terminal(self) -> frozenset[S]:
        """States with no way out: a document there is finished."""
        return frozenset(s for s, targets in self.moves.items() if not targets)

    def state(self, value: str) -> S:
        """A stored value as a state of this lifecycle (ValueError for an unknown one)."""
        return type(self.initial)(value)

    def allows(self, current: str, target: S) -> bool:
        return target in self.moves[self.state(current)]


def advance(lifecycle: Lifecycle[S], current: str, target: S) -> S:
    """``target`` if the table allows the move from ``current``; InvalidTransition otherwise.

    Writing the state a document already has is not a move: owners that re-apply a state
    (an idempotent re-run) skip the write instead of calling this.
    """
    if not lifecycle.allows(current, target):
        raise InvalidTransition(
            f"a {lifecycle.name} cannot go from {lifecycle.state(current)} to {target}"
        )
    return target
