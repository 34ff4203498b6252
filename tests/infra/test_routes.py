"""Route templates match like Azure Functions (ASP.NET routing precedence)."""

from __future__ import annotations

import pytest

from infra.embedded_host.http_server import split_path
from infra.embedded_host.routes import MethodNotAllowed, RouteMatch, RouteTable, RouteTemplate

GUID = "0b6c2c2e-54a4-4b0b-9d1e-6f8a5e0c9a11"


def match(template: str, path: str) -> dict[str, str] | None:
    return RouteTemplate.parse(template).match([p for p in path.split("/") if p])


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("v1/items/{id}", "v1/items/42", {"id": "42"}),
        ("v1/items/{id}", "V1/Items/42", {"id": "42"}),
        ("v1/items/{id}", "v1/items", None),
        ("v1/items/{id}", "v1/items/42/x", None),
        ("v1/items/{id:int}", "v1/items/42", {"id": "42"}),
        ("v1/items/{id:int}", "v1/items/abc", None),
        ("v1/items/{id:alpha}", "v1/items/abc", {"id": "abc"}),
        ("v1/items/{id:alpha}", "v1/items/ab1", None),
        ("t/{id:guid}", f"t/{GUID}", {"id": GUID}),
        ("t/{id:guid}", "t/not-a-guid", None),
        ("t/{id:minlength(3)}", "t/ab", {"id": "ab"}),
        ("t/{id?}", "t", {}),
        ("t/{id?}", "t/7", {"id": "7"}),
        ("t/{id:int?}", "t/x", None),
        ("files/{*rest}", "files/a/b/c", {"rest": "a/b/c"}),
        ("files/{*rest}", "files", {"rest": ""}),
    ],
)
def test_template_matching(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert match(template, path) == expected


def test_complex_segments_are_rejected_at_start() -> None:
    with pytest.raises(ValueError, match="one parameter"):
        RouteTemplate.parse("a/{x}.{y}")


def table() -> RouteTable[str]:
    return RouteTable.build(
        [
            ("v1/tenants/{id}", ["GET"], "get-tenant"),
            ("v1/tenants/{id}", ["DELETE"], "delete-tenant"),
            ("v1/tenants/me", ["GET"], "me"),
            ("v1/{kind}/{id:int}", [], "by-int"),
            ("v1/{*rest}", ["GET"], "fallback"),
        ]
    )


@pytest.mark.parametrize(
    ("method", "path", "target"),
    [
        ("GET", "v1/tenants/me", "me"),
        ("GET", "v1/tenants/42", "get-tenant"),
        ("DELETE", "v1/tenants/42", "delete-tenant"),
        ("PATCH", "v1/things/42", "by-int"),
        ("GET", "v1/things/x", "fallback"),
    ],
)
def test_literals_beat_parameters_and_methods_select(method: str, path: str, target: str) -> None:
    found = table().match(path.split("/"), method)
    assert isinstance(found, RouteMatch)
    assert found.target == target


def test_wrong_method_and_unknown_path() -> None:
    found = table().match(["v1", "tenants", "me"], "POST")
    assert isinstance(found, MethodNotAllowed)
    assert found.allowed == {"GET", "DELETE"}
    assert table().match(["v2"], "GET") is None


def test_split_path_strips_prefix() -> None:
    assert split_path("/api/v1/x", "api") == ["v1", "x"]
    assert split_path("/API/v1", "api") == ["v1"]
    assert split_path("/apix/v1", "api") is None
    assert split_path("/v1/x", "") == ["v1", "x"]
