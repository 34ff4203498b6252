"""Azure Functions route templates: ``a/{id}``, ``{id:int}``, ``{id?}``, ``{*rest}``.

Matching follows ASP.NET routing precedence (literal segments beat constrained parameters,
which beat plain, optional and catch-all ones), so the host picks the same function that
Azure would for overlapping routes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

_LITERAL, _CONSTRAINED, _PARAM, _OPTIONAL, _CATCH_ALL = range(5)


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _pattern(regex: str) -> Callable[[str], bool]:
    compiled = re.compile(regex)
    return lambda value: compiled.fullmatch(value) is not None


_CONSTRAINTS: dict[str, Callable[[str], bool]] = {
    "int": _pattern(r"-?\d+"),
    "long": _pattern(r"-?\d+"),
    "alpha": _pattern(r"[A-Za-z]+"),
    "bool": lambda value: value.lower() in ("true", "false"),
    "guid": _is_guid,
}


@dataclass(frozen=True)
class Segment:
    rank: int
    text: str
    """The literal, or the parameter name."""
    checks: tuple[Callable[[str], bool], ...] = ()


def _segment(raw: str, template: str) -> Segment:
    is_param = raw.startswith("{") and raw.endswith("}")
    inner = raw[1:-1] if is_param else raw
    if "{" in inner or "}" in inner:
        raise ValueError(f"route {template!r}: a segment must be a literal or one parameter")
    if not is_param:
        return Segment(_LITERAL, raw.lower())
    catch_all = inner.startswith("*")
    optional = inner.endswith("?")
    inner = inner.lstrip("*").rstrip("?").split("=", 1)[0]
    name, *constraints = inner.split(":")
    kinds = [c.split("(", 1)[0].lower() for c in constraints]
    checks = tuple(_CONSTRAINTS[k] for k in kinds if k in _CONSTRAINTS)
    if catch_all:
        rank = _CATCH_ALL
    elif optional:
        rank = _OPTIONAL
    else:
        rank = _CONSTRAINED if checks else _PARAM
    return Segment(rank, name, checks)


@dataclass(frozen=True)
class RouteTemplate:
    template: str
    segments: tuple[Segment, ...]

    @classmethod
    def parse(cls, template: str) -> RouteTemplate:
        parts = [p for p in template.strip("/").split("/") if p]
        return cls(template, tuple(_segment(p, template) for p in parts))

    @property
    def precedence(self) -> tuple[int, ...]:
        return tuple(s.rank for s in self.segments)

    def match(self, path: Sequence[str]) -> dict[str, str] | None:
        """Route parameters when ``path`` (split, decoded segments) matches, else None."""
        params: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            if segment.rank == _CATCH_ALL:
                params[segment.text] = "/".join(path[index:])
                return params
            if index >= len(path):
                return params if segment.rank == _OPTIONAL and self._rest_optional(index) else None
            value = path[index]
            if segment.rank == _LITERAL:
                if value.lower() != segment.text:
                    return None
            elif not value or not all(check(value) for check in segment.checks):
                return None
            else:
                params[segment.text] = value
        return params if len(path) == len(self.segments) else None

    def _rest_optional(self, index: int) -> bool:
        return all(s.rank in (_OPTIONAL, _CATCH_ALL) for s in self.segments[index:])


@dataclass(frozen=True)
class RouteMatch(Generic[T]):
    target: T
    template: str
    params: dict[str, str]


@dataclass(frozen=True)
class MethodNotAllowed:
    allowed: frozenset[str]


@dataclass
class RouteTable(Generic[T]):
    """Routes in precedence order; methods empty means any method."""

    _routes: list[tuple[RouteTemplate, frozenset[str], T]] = field(default_factory=list)

    @classmethod
    def build(cls, entries: Iterable[tuple[str, Iterable[str], T]]) -> RouteTable[T]:
        routes = [(RouteTemplate.parse(t), frozenset(m), target) for t, m, target in entries]
        routes.sort(key=lambda r: r[0].precedence)
        return cls(routes)

    def match(self, path: Sequence[str], method: str) -> RouteMatch[T] | MethodNotAllowed | None:
        allowed: set[str] = set()
        for template, methods, target in self._routes:
            params = template.match(path)
            if params is None:
                continue
            if not methods or method.upper() in methods:
                return RouteMatch(target, template.template, params)
            allowed |= methods
        return MethodNotAllowed(frozenset(allowed)) if allowed else None
