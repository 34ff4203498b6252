"""The README's tour as data: its shell blocks in order, and what each step says it prints.

The convention is the README's own ("The tour"): the tour's fenced ``bash`` blocks sit between
``<!-- tour:start -->`` and ``<!-- tour:end -->``; a line ``# → <text>`` at the start of a line
says what the commands before it print, one such line per printed line, ``…`` standing for
anything (ids, times, parts left out). Reading the expectations from the README itself is what
keeps the documentation and the product from drifting apart: the test has no copy of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- tour:start -->", "<!-- tour:end -->"
ARROW = "# → "
ANYTHING = "…"
MARK = "@@tour-step@@"
"""Printed after each step's commands, so the output splits into one piece per step."""


@dataclass(frozen=True)
class Step:
    """Commands and what they should print (one pattern per line)."""

    number: int
    line: int
    """The README line of the step's first expectation."""
    commands: str
    expected: tuple[str, ...]


@dataclass(frozen=True)
class Tour:
    script: str
    """The blocks in order, with a marker printed after each step."""
    steps: tuple[Step, ...]
    blocks: tuple[str, ...]


def read_tour(text: str) -> Tour:
    """The tour of a README's text; a missing or unterminated section is an error."""
    lines = text.splitlines()
    first = _index(lines, START) + 1
    last = _index(lines, END)
    script: list[str] = []
    steps: list[Step] = []
    blocks: list[str] = []
    block: list[str] | None = None
    pending: list[str] = []
    expected: list[str] = []
    at = 0
    for number, line in enumerate(lines[first:last], start=first + 1):
        if block is None:
            if line.strip() == "```bash":
                block = []
            continue
        if line.startswith(ARROW):
            at = at or number
            expected.append(line[len(ARROW):].rstrip())
        elif expected:
            steps.append(Step(len(steps) + 1, at, "\n".join(pending), tuple(expected)))
            script.append(f"printf '%s\\n' '{MARK}'")
            pending, expected, at = [], [], 0
        if line.strip() == "```":
            blocks.append("\n".join(block))
            block = None
            continue
        block.append(line)
        script.append(line)
        if not line.startswith(ARROW):
            pending.append(line)
    if block is not None:
        raise ValueError("the tour ends inside a bash block")
    return Tour("\n".join(script) + "\n", tuple(steps), tuple(blocks))


def _index(lines: list[str], marker: str) -> int:
    found = [i for i, line in enumerate(lines) if line.strip() == marker]
    if len(found) != 1:
        raise ValueError(f"README must hold {marker} exactly once, found {len(found)}")
    return found[0]


def pattern(expected: str) -> re.Pattern[str]:
    """``…`` matches anything (the shortest possible); the rest literally."""
    return re.compile(".*?".join(re.escape(part) for part in expected.split(ANYTHING)), re.S)


def pieces(stdout: str) -> list[list[str]]:
    """The output of each step (its lines, trailing blank lines dropped), then what followed
    the last step."""
    out: list[list[str]] = [[]]
    for line in stdout.splitlines():
        if line == MARK:
            out.append([])
        else:
            out[-1].append(line.rstrip())
    for piece in out:
        while piece and not piece[-1]:
            piece.pop()
    return out


def mismatches(tour: Tour, stdout: str) -> list[str]:
    """Each step whose output differs from what the README shows, said for a person. A step
    counts as run only once the marker after it was printed."""
    *finished, trailing = pieces(stdout)
    problems: list[str] = []
    for step in tour.steps:
        if step.number > len(finished):
            problems.append(
                f"stopped in step {step.number} (README line {step.line}):\n"
                f"{step.commands.strip()}\n  printed: {trailing}"
            )
            return problems
        got = finished[step.number - 1]
        fits = len(got) == len(step.expected) and all(
            pattern(want).fullmatch(line) for want, line in zip(step.expected, got, strict=True)
        )
        if not fits:
            problems.append(
                f"step {step.number} (README line {step.line}):\n{step.commands.strip()}\n"
                f"  expected: {list(step.expected)}\n  printed:  {got}"
            )
    if trailing:
        problems.append(f"after the last step the tour printed {trailing}")
    return problems
