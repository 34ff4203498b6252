"""Offline checks of the Bicep templates for what the compiler refuses and checkov cannot see.

Neither the Bicep CLI nor Azure installs here, so ``infra/validate_iac.sh`` runs this with the
validation venv's pycep-parser (the parser checkov itself uses, pinned by checkov):

1. every template parses (checkov alone reports a parse error and still exits 0);
2. every ``checkov:skip`` carries a reason;
3. no for-expression sits where the compiler refuses one. The rule mirrors the compiler's
   ``ForSyntaxValidatorVisitor``: a for-expression is the whole value of a ``var``, ``output``,
   ``resource`` or ``module``, or the value of a property of a resource or module body reached
   through object and array literals only; never inside a function call or an operator
   (``union({ x: [for ...] }, ...)`` is error BCP138, the compiler's ``Test_Issue3558``), never
   nested in another property loop (BCP142), never inside a parameter default;
4. no ``outputs``/``properties`` of a conditional module or resource is read without ``!`` or
   ``.?`` (warning BCP318: the compiler does not see that a ternary guards the access);
5. no string literal names a cloud host (the linter's ``no-hardcoded-env-urls`` list, plus the
   Service Bus, Cosmos DB and Key Vault private-link suffixes): sovereign clouds have others,
   taken from ``environment()`` or from the service's own endpoint.

``python -m infra.iac_guard PATH...`` checks the ``.bicep`` files under each PATH; ``--refuse``
inverts it for the guard's own test templates: each must be refused, or the check is broken.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SKIP = re.compile(r"//\s*checkov:skip=(CKV2?_[A-Z0-9_]+):\s*(.*)$")
MIN_REASON = 20
CLOUD_HOSTS = (
    # the defaults of the linter rule no-hardcoded-env-urls (Bicep's bicepconfig.json)
    "azuredatalakeanalytics.net", "azuredatalakestore.net", "batch.core.windows.net",
    "core.windows.net", "database.windows.net", "datalake.azure.net", "gallery.azure.com",
    "graph.windows.net", "login.microsoftonline.com", "management.azure.com",
    "management.core.windows.net", "vault.azure.net",
    # and the suffixes of this stamp's private DNS zones
    "servicebus.windows.net", "documents.azure.com", "vaultcore.azure.net",
)
STRING_LITERAL = re.compile(r"'''.*?'''|'(?:[^'\\\n]|\\.)*'", re.DOTALL)
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)


@dataclass(frozen=True)
class Context:
    """Where a node sits: may a property loop appear here, and why not."""

    loops_allowed: bool
    expression: str | None = None
    """The outermost function call or operator above the node, if any."""
    loop_depth: int = 0


def _is_loop(node: dict[str, Any]) -> bool:
    return "loop_type" in node and "config" in node


def _expression(node: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """``(label, children)`` when the node is pycep's function call or operator."""
    for key, label in (("function", "{}()"), ("operator", "operator {}")):
        inner = node.get(key)
        if len(node) == 1 and isinstance(inner, dict) and "type" in inner:
            children = inner.get("parameters") or inner.get("operands") or {}
            return label.format(inner["type"]), children
    return None


def _refusal(context: Context) -> str | None:
    if context.expression is not None:
        return f"inside {context.expression} (BCP138)"
    if context.loop_depth:
        return "nested in another property loop (BCP142)"
    if not context.loops_allowed:
        return "below the top of a var, output or param value (BCP138)"
    return None


def _walk(node: Any, where: str, context: Context) -> Iterator[str]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{where}[{index}]", context)
        return
    if not isinstance(node, dict):
        return
    if _is_loop(node):
        if (reason := _refusal(context)) is not None:
            yield f"{where}: for-expression {reason}"
        deeper = Context(context.loops_allowed, context.expression, context.loop_depth + 1)
        yield from _walk(node["config"], f"{where}[for]", deeper)
        return
    if (expression := _expression(node)) is not None:
        label, children = expression
        inner = Context(context.loops_allowed, context.expression or label, context.loop_depth)
        for key, child in children.items():
            yield from _walk(child, f"{where}({key})", inner)
        return
    for key, child in node.items():
        yield from _walk(child, f"{where}.{key}", context)


def _body(config: Any) -> Any:
    """A resource or module body without its top-level loop or deploy condition."""
    if isinstance(config, dict) and "config" in config and (
            _is_loop(config) or set(config) == {"condition", "config"}):
        return _body(config["config"])
    return config


def loop_findings(tree: Mapping[str, Any]) -> list[str]:
    """Every for-expression the compiler would refuse, by declaration and property path."""
    found: list[str] = []
    for section, key in (("variables", "value"), ("outputs", "value"), ("parameters", "default")):
        for name, declaration in (tree.get(section) or {}).items():
            value = declaration.get(key)
            if isinstance(value, dict) and _is_loop(value) and section != "parameters":
                value = value["config"]  # the whole value may be a loop, nothing inside it
            found += _walk(value, f"{section}.{name}", Context(loops_allowed=False))
    for section in ("resources", "modules"):
        for name, declaration in (tree.get(section) or {}).items():
            body = _body(declaration.get("config"))
            found += _walk(body, f"{section}.{name}", Context(loops_allowed=True))
    return found


def _code(text: str) -> str:
    """The template with its comments blanked (line numbers kept; '//' inside a string stays)."""
    tokens = re.compile(f"(?P<string>{STRING_LITERAL.pattern})|(?P<comment>{COMMENT.pattern})",
                        re.DOTALL)
    return tokens.sub(lambda m: m.group(0) if m.group("string") else re.sub(
        r"[^\n]", " ", m.group(0)), text)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def conditional_access_findings(tree: Mapping[str, Any], text: str) -> list[str]:
    """Outputs or properties of a conditional module or resource read without '!' or '.?'."""
    code, found = _code(text), []
    for section, kind in (("resources", "resource"), ("modules", "module")):
        for name, declaration in (tree.get(section) or {}).items():
            config = declaration.get("config")
            if not (isinstance(config, dict) and config.get("condition") is not None):
                continue
            access = re.compile(
                rf"(?<![\w.]){re.escape(name)}(?:\[[^\]]*\])?\.(outputs|properties)\b")
            for match in access.finditer(code):
                found.append(f"line {_line(code, match.start())}: {name}.{match.group(1)} of a "
                             f"conditional {kind} read without '!' or '.?' (BCP318)")
    return found


def hardcoded_host_findings(text: str) -> list[str]:
    """String literals naming a cloud host (one finding per literal)."""
    code, found = _code(text), []
    hosts = sorted(CLOUD_HOSTS, key=len, reverse=True)
    for literal in STRING_LITERAL.finditer(code):
        for host in hosts:
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(host)}(?![A-Za-z0-9])", literal.group(0),
                         re.IGNORECASE):
                found.append(f"line {_line(code, literal.start())}: '{host}' hard-coded "
                             "(no-hardcoded-env-urls); take it from environment() or the "
                             "service's endpoint")
                break
    return found


def skip_findings(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if "checkov:skip" not in line:
            continue
        match = SKIP.search(line)
        if not match or len(match.group(2).strip()) < MIN_REASON:
            found.append(f"line {number}: a checkov skip needs '// checkov:skip=CKV_ID: reason'")
    return found


@cache
def _parser() -> Any:
    """One parser: building pycep's grammar takes about a second."""
    from pycep import BicepParser  # the validation venv's; the app's .venv has it for tests

    return BicepParser()


def check_file(path: Path) -> list[str]:
    """Problems of one template; a parse error is one problem and ends the check."""
    text = path.read_text(encoding="utf-8")
    try:
        tree = _parser().parse(text=text)
    except Exception as exc:  # lark raises several types; the message has line and column
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [f"does not parse: {first}"]
    return (skip_findings(text) + loop_findings(tree) + conditional_access_findings(tree, text)
            + hardcoded_host_findings(text))


def _templates(paths: list[Path]) -> list[Path]:
    return sorted(f for p in paths for f in ([p] if p.is_file() else p.rglob("*.bicep")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--refuse", action="store_true",
                        help="every template must be refused (the guard's own test)")
    args = parser.parse_args(argv)
    files = _templates(args.paths)
    failures = 0
    for path in files:
        problems = check_file(path)
        if args.refuse and not problems:
            print(f"{path}: the guard accepted a template it must refuse", file=sys.stderr)
            failures += 1
        elif not args.refuse:
            failures += len(problems)
            for problem in problems:
                print(f"{path}: {problem}", file=sys.stderr)
    verb = "refused as expected" if args.refuse else "checked"
    print(f"{len(files)} Bicep files {verb}, {failures} problems")
    return 1 if failures or not files else 0


if __name__ == "__main__":
    sys.exit(main())
