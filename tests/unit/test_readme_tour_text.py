"""The README tour as text: portable shell that a reader on macOS or Linux can paste, every URL
from ``$API``/``$ADMIN``, every file in the tour's temporary directory; and the harness that
checks it (``tests/readme_tour.py``) really refuses an answer that differs from the README."""

from __future__ import annotations

import re

import pytest

from tests.readme_tour import MARK, README, Step, Tour, mismatches, pattern, pieces, read_tour

TOUR = read_tour(README.read_text(encoding="utf-8"))
CODE = [
    re.sub(r"\s+# .*$", "", line)  # without its comment
    for block in TOUR.blocks
    for line in block.splitlines()
    if not line.startswith("#")
]
NOT_PORTABLE = {
    "sed -i": "BSD sed needs a suffix",
    "base64 -w": "GNU only",
    "date -d": "GNU only",
    "grep -P": "GNU only",
    "readlink -f": "not on older macOS",
    "mapfile": "bash 4",
    "readarray": "bash 4",
    "declare -A": "bash 4",
    ",,}": "bash 4",
    "^^}": "bash 4",
    "&>>": "bash 4",
    "|&": "bash 4",
    "/tmp": "files go in $TMP (mktemp -d)",
    "localhost": "URLs come from $API and $ADMIN",
}


def test_the_tour_covers_the_first_hour_in_order() -> None:
    text = "\n".join(TOUR.blocks)
    order = [
        "$API/v1/tenants",
        "$API/v1/collect",
        "$API/v1/contacts",
        '"$SHOP/dsar"',
        "/verification",
        "/decision",
        "/export",
        "run_retention_jobs",
        "/legal-holds",
        "-X DELETE",
        "/offboarding",
        "$API/v1/incidents",
        "escalate_incident_notices",
        "/acknowledgement",
    ]
    at = 0
    for step in order:
        at = text.index(step, at)  # raises when a step is missing or out of order
    assert len(TOUR.steps) > 50 and all(step.expected for step in TOUR.steps)


@pytest.mark.parametrize("construct", sorted(NOT_PORTABLE))
def test_the_tour_uses_portable_shell(construct: str) -> None:
    offending = [line for line in CODE if construct in line]
    assert offending == [], NOT_PORTABLE[construct]


def test_every_url_comes_from_api_or_admin() -> None:
    code = "\n".join(CODE)
    assert [line for line in CODE if "http://" in line] == [
        "API=http://127.0.0.1:${PORT:-7071}/api; ADMIN=${API%/api}/admin"
    ]
    assert re.findall(r"7071", code) == ["7071"]
    paths = re.findall(r"(\w+)=(\S*/(?:v1|dsar)/\S*)", code)
    assert paths and all(value.startswith(("$API/", "$SHOP/")) for _, value in paths), paths


def test_every_file_goes_in_the_temporary_directory() -> None:
    assert "TMP=$(mktemp -d)" in CODE and CODE[-1] == 'rm -rf "$TMP"'
    code = "\n".join(CODE)
    written = re.findall(r'(?:-o |save |[^0-9&]>)\s*"?([^"\s;)]+)', code)
    assert len(written) > 5
    assert all(w.startswith("$TMP/") or w in {"/dev/null", "$1"} for w in written), written
    assert "save \"$1\"" not in code and "save $" not in code
    data = [line for line in CODE if ".data" in line]
    assert data and all("${DATA_DIR:-.data}" in line for line in data)


# -- the harness ------------------------------------------------------------------------------

SAMPLE = """intro
<!-- tour:start -->
```bash
call one
# → HTTP 201 {"id":"t-…"}
X=1
call two
# → HTTP 200 a
# → b
```
<!-- tour:end -->
"""


def test_steps_split_where_the_readme_shows_what_to_expect() -> None:
    tour = read_tour(SAMPLE)
    assert [s.expected for s in tour.steps] == [('HTTP 201 {"id":"t-…"}',), ("HTTP 200 a", "b")]
    assert [s.line for s in tour.steps] == [5, 8]
    assert tour.script.count(MARK) == 2
    assert tour.script.index(MARK) < tour.script.index("X=1")


def test_an_answer_other_than_the_readme_s_is_reported() -> None:
    tour = read_tour(SAMPLE)
    good = f'HTTP 201 {{"id":"t-9"}}\n{MARK}\nHTTP 200 a\nb\n{MARK}\n'
    assert mismatches(tour, good) == []
    for bad in (
        good.replace("201", "400"),  # another status
        good.replace("HTTP 200 a\n", "HTTP 200 a\nextra\n"),  # a line the README does not show
        good.replace(f"b\n{MARK}\n", "b\n"),  # stopped before the end
        good + "late output\n",
    ):
        assert mismatches(tour, bad), bad


def test_the_ellipsis_stands_for_anything_and_the_rest_is_literal() -> None:
    assert pattern('{"a":"…","b":1}').fullmatch('{"a":"x.y*","b":1}')
    assert not pattern('{"a":"…","b":1}').fullmatch('{"a":"x","b":10}')
    assert not pattern("HTTP 2.. x").fullmatch("HTTP 201 x")
    assert pieces(f"a\n\n{MARK}\nb\n") == [["a"], ["b"]]


def test_a_readme_without_its_tour_markers_is_refused() -> None:
    with pytest.raises(ValueError):
        read_tour(SAMPLE.replace("<!-- tour:end -->", ""))
    with pytest.raises(ValueError):
        read_tour(SAMPLE.replace("```\n<!-- tour:end", "<!-- tour:end"))
    assert isinstance(TOUR, Tour) and isinstance(TOUR.steps[0], Step)
