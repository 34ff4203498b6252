"""Problem types resolve to a page that exists: every ``type`` the app or the embedded host can
answer is ``/api/v1/problems/<name>``, docs/errors.md has a section for each name, and the app
serves that section at that path."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import functions
import shared
from functions.problems_http import ERRORS_PAGE, sections
from shared.errors import PROBLEMS_PATH, STATUS_PROBLEMS, ApiError
from tests.app_client import AppClient
from tests.conftest import PLATFORM, collect_body, widget_headers

ROOT = Path(__file__).resolve().parents[2]


def _subclasses(cls: type[ApiError]) -> set[type[ApiError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def error_classes() -> set[type[ApiError]]:
    """Every ApiError the code defines (its modules imported first, so none is missed)."""
    for package in (shared, functions):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    return {ApiError} | _subclasses(ApiError)


def emitted_names() -> set[str]:
    return {cls.problem for cls in error_classes()} | set(STATUS_PROBLEMS.values())


def test_every_problem_name_has_its_section_in_docs_errors_md_and_nothing_else_does() -> None:
    documented = set(sections(ERRORS_PAGE.read_text(encoding="utf-8")))
    assert emitted_names() - documented == set(), "document these in docs/errors.md"
    assert documented - emitted_names() == set(), "docs/errors.md documents types never sent"


def test_no_error_class_makes_up_a_type_of_its_own() -> None:
    """``type`` comes from ``problem`` only, so a new class cannot point somewhere undocumented."""
    overriding = [c.__name__ for c in error_classes() if "type" in vars(c) and c is not ApiError]
    assert overriding == []


def test_no_source_file_hard_codes_a_problem_type() -> None:
    """Answers take their type from shared/errors.py (whose fallback for a status without a
    page, never sent today, is RFC 9457's about:blank)."""
    offenders = []
    for folder in ("shared", "functions", "infra", "console"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".js", ".html") and path.is_file():
                text = path.read_text(encoding="utf-8")
                hard_coded = "about:blank" in text or "errors.widget-privacy" in text
                if hard_coded and path != ROOT / "shared" / "errors.py":
                    offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize("name", sorted(emitted_names()))
def test_each_type_is_served_as_its_section(client: AppClient, name: str) -> None:
    page = client.call("problem_page", "GET", route={"name": name})
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/markdown")
    text = page.body.decode()
    assert text.startswith(f"## {name}\n") and "What to do" in text
    assert "\n## " not in text  # one section, not the whole page


def test_an_unknown_name_is_a_404_that_lists_the_names_and_echoes_nothing(
    client: AppClient,
) -> None:
    answer = client.call("problem_page", "GET", route={"name": "jean.dupont@example.com"})
    assert answer.status == 404
    problem = answer.json()
    assert problem["type"] == PROBLEMS_PATH + "not-found"
    assert "visitor-mismatch" in problem["detail"] and "jean" not in answer.body.decode()


def _refusals(client: AppClient, tenant: dict[str, Any]) -> list[tuple[int, str]]:
    """Real error answers of the app, one of each kind a newcomer meets first."""
    body, own = collect_body(1), widget_headers(tenant)
    answers = [
        client.call("collect", body=body, headers={"Origin": "https://shop.example"}),
        client.call("collect", body=body, headers={**own, "Origin": "https://evil.example"}),
        client.call("collect", raw=b"{not json", headers=own),
        client.call("collect", body=body | {"visitorSecret": "x" * 30}, headers=own),
        client.call("get_tenant", "GET", headers=PLATFORM, route={"tenantId": "t-nope"}),
        client.call("collect", raw=b"x" * 70_000, headers=own),
    ]
    return [(answer.status, answer.json()["type"]) for answer in answers]


def test_the_type_of_real_error_answers_resolves_to_its_page(
    client: AppClient, tenant: dict[str, Any]
) -> None:
    own = widget_headers(tenant)
    assert client.call("collect", body=collect_body(1), headers=own).status == 202
    refusals = _refusals(client, tenant)
    assert refusals == [
        (401, PROBLEMS_PATH + "unauthorized"),
        (403, PROBLEMS_PATH + "forbidden"),
        (400, PROBLEMS_PATH + "bad-request"),
        (403, PROBLEMS_PATH + "visitor-mismatch"),
        (404, PROBLEMS_PATH + "not-found"),
        (413, PROBLEMS_PATH + "payload-too-large"),
    ]
    for status, problem_type in refusals:
        name = problem_type.removeprefix(PROBLEMS_PATH)
        page = client.call("problem_page", "GET", route={"name": name})
        assert page.status == 200 and f"**{status} " in page.body.decode()
