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


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [f"{node.module}.{a.name}" for a in node.names]
    return names


def test_no_module_of_the_domain_passes_300_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / "shared").rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 300
    }
    assert long == {}


def test_only_the_composition_root_and_the_triggers_see_the_whole_graph() -> None:
    """Use cases receive what they use; nothing in the domain takes the composed app."""
    users = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "shared").rglob("*.py")
        if any(n.startswith("shared.composition") for n in _imports(p))
    }
    assert users == {"shared/process_app.py"}  # the root's own process-wide half


def test_the_embedded_host_reaches_the_app_only_through_its_hook() -> None:
    """infra/embedded_host serves function_app's functions; of the app's wiring it calls only
    ``shared.composition.start``/``stop`` (ports and adapter helpers it uses for its own
    files are not wiring, nor is the same-origin rule its sign-in emulation shares with the app's
    admin routes, nor the grant rule its mailbox page shares with them, nor the problem types
    its own errors share with the app's answers)."""
    allowed = (
        "shared.ports.",
        "shared.adapters.secret_files.",
        "shared.adapters.sqlite_file.",
        "shared.policies.same_origin.",
        "shared.auth.authorize",
        "shared.auth.Role",
        "shared.errors.status_problem_type",
        "shared.errors.ApiError",
    )
    reached = {
        name
        for p in (ROOT / "infra" / "embedded_host").rglob("*.py")
        for name in _imports(p)
        if name.startswith("shared.") and not name.startswith(allowed)
    }
    assert reached == {"shared.composition.start", "shared.composition.stop"}
