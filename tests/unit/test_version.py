"""One version number: the package's, the OpenAPI document's and the changelog's newest."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from shared.openapi.document import build_openapi
from shared.version import VERSION

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_and_the_openapi_document_carry_one_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == VERSION
    assert build_openapi()["info"]["version"] == VERSION


def test_the_changelog_starts_at_the_current_version() -> None:
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - ", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert versions and versions[0] == VERSION
    assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True)
