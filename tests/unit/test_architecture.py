"""Structural rules: the domain stays free of the Functions runtime; settings are documented."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from shared.settings import Settings, env_name

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("azure.functions", "azure.durable_functions")


def test_shared_never_imports_the_functions_runtime() -> None:
    offenders = []
    for path in (ROOT / "shared").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []


def test_every_setting_is_documented_in_the_example_settings() -> None:
    example = json.loads((ROOT / "local.settings.example.json").read_text())
    documented = set(example["Values"]) & set(example["_comments"])
    wanted = {env_name(name) for name in Settings.model_fields}
    assert wanted <= documented, sorted(wanted - documented)


def test_every_binding_expression_names_a_documented_setting() -> None:
    example = json.loads((ROOT / "local.settings.example.json").read_text())
    used = set()
    for path in (ROOT / "functions").glob("*.py"):
        used |= set(re.findall(r'"%([A-Z0-9_]+)%"', path.read_text()))
    assert used and used <= set(example["Values"])
