"""The pages problem ``type`` URIs resolve to: ``GET /api/v1/problems/{name}``.

Every problem answer's ``type`` is ``/api/v1/problems/<name>`` (``shared.errors``), relative to
the API's own origin, so it resolves in every deployment, locally too, without a documentation
site: this function answers with that problem's section of ``docs/errors.md`` (the one source,
shipped with the app: ``.funcignore`` keeps that file), as Markdown. Anonymous: the pages are
documentation, the same for everyone, and hold no tenant or personal data.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import azure.functions as func

from functions._http import answers_problems
from shared.errors import NotFound

ERRORS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "errors.md"
_HEADING = re.compile(r"^## ([a-z0-9-]+)\s*$", re.MULTILINE)

bp = func.Blueprint()


def sections(text: str) -> dict[str, str]:
    """Each ``## <name>`` section of the page, heading included, by name."""
    found: dict[str, str] = {}
    heads = list(_HEADING.finditer(text))
    for head, following in zip(heads, [*heads[1:], None], strict=True):
        end = following.start() if following else len(text)
        found[head.group(1)] = text[head.start():end].strip() + "\n"
    return found


@functools.cache
def problem_pages() -> dict[str, str]:
    """Read once per process: the page changes only with a deployment."""
    return sections(ERRORS_PAGE.read_text(encoding="utf-8"))


@bp.route(route="v1/problems/{name}", methods=["GET"])
@answers_problems
def problem_page(req: func.HttpRequest) -> func.HttpResponse:
    pages = problem_pages()
    page = pages.get(req.route_params.get("name", ""))
    if page is None:
        raise NotFound("no such problem type; the types are: " + ", ".join(sorted(pages)))
    return func.HttpResponse(
        page,
        mimetype="text/markdown",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
    )
