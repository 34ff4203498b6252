"""docs/api.md and the served OpenAPI document cannot drift: same methods, same paths."""

from __future__ import annotations

import re
from pathlib import Path

from tests.app_client import AppClient

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/[^`\s]+)`", re.MULTILINE)
PENDING = "## Contracted, not yet served"


def _documented() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    served, pending = DOC.read_text(encoding="utf-8").split(PENDING)
    return set(ROW.findall(served)), set(ROW.findall(pending))


def _served(client: AppClient) -> set[tuple[str, str]]:
    answer = client.call("openapi", method="GET")
    assert answer.status == 200
    return {
        (method.upper(), path)
        for path, operations in answer.json()["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_served_operation_is_documented_and_every_documented_one_is_served(
    client: AppClient,
) -> None:
    documented, _ = _documented()
    served = _served(client)
    assert served - documented == set(), "served but missing from docs/api.md"
    assert documented - served == set(), "in docs/api.md but not served (move it to pending)"


def test_the_contracted_but_pending_operations_are_really_not_served(client: AppClient) -> None:
    documented, pending = _documented()  # empty once every contracted route is served
    assert pending & _served(client) == set(), "served now: move it to its section"
    assert pending & documented == set()


def test_the_readme_links_the_contract_inside_the_repository() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "](docs/api.md)" in readme and "../shared" not in readme


def test_every_webhook_event_is_in_the_openapi_enum_and_in_the_webhooks_section(
    client: AppClient,
) -> None:
    schemas = client.call("openapi", method="GET").json()["components"]["schemas"]
    [enum] = [s["enum"] for n, s in schemas.items() if n.endswith("notify__models__EventType")]
    section = DOC.read_text(encoding="utf-8").split("### Webhooks and e-mail", 1)[1]
    listed = re.findall(r"`([a-z_]+\.[a-z_]+)`", section.split("\n\n", 2)[1])
    assert listed == enum
