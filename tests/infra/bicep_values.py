"""Evaluate the few Bicep expressions a stamp guard is made of, the way ARM would.

pycep-parser gives the syntax tree; this walks the subset the placement guard of
``bicep/main.bicep`` uses (names, string interpolation, ``contains``, ``toLower``, ``replace``,
``string``, ``a[b]``, ``a.b`` and ``c ? x : y`` evaluating only the branch taken, as ARM's
``if()`` does). A property ARM could not find raises :class:`MissingProperty` carrying ARM's
message, which is how a deployment stops. Anything else raises ``NotImplementedError``, so a
template change the walker does not understand fails a test instead of passing it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MissingProperty(LookupError):
    """ARM's "The language expression property '<name>' doesn't exist": the deployment fails."""


class Scope:
    """Parameters (given values) and variables (expressions, evaluated on first use)."""

    def __init__(self, tree: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
        self._variables = {name: v["value"] for name, v in (tree.get("variables") or {}).items()}
        self._values: dict[str, Any] = dict(parameters)

    def knows(self, name: str) -> bool:
        return name in self._values or name in self._variables

    def value(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = evaluate(self._variables[name], self)
        return self._values[name]


def _text(node: str, scope: Scope) -> str:
    return INTERPOLATION.sub(lambda m: str(scope.value(m.group(1))), node)


def _index(container: Any, key: Any) -> Any:
    if isinstance(container, dict):
        if key not in container:
            raise MissingProperty(f"The language expression property '{key}' doesn't exist, "
                                  f"available properties are '{', '.join(container)}'.")
        return container[key]
    return container[key]


def _function(kind: str, args: Mapping[str, Any], scope: Scope) -> Any:
    value = {name: evaluate(arg, scope) for name, arg in args.items()}
    if kind == "contains":
        return value["item_to_find"] in value["container"]
    if kind == "to_lower":
        return str(value["string_to_change"]).lower()
    if kind == "replace":
        return str(value["original_string"]).replace(value["old_string"], value["new_string"])
    if kind == "string":
        converted = value["value_to_convert"]
        return converted if isinstance(converted, str) else json.dumps(converted)
    raise NotImplementedError(f"function {kind}")


def _operator(kind: str, operands: Mapping[str, Any], scope: Scope) -> Any:
    if kind == "conditional":  # ARM's if(): only the branch taken is evaluated
        taken = "true_value" if evaluate(operands["condition"], scope) else "false_value"
        return evaluate(operands[taken], scope)
    if kind == "index_accessor":
        container = evaluate(operands["operand_1"], scope)
        return _index(container, evaluate(operands["operand_2"], scope))
    if kind == "property_accessor":
        return _index(evaluate(operands["operand_1"], scope), operands["operand_2"])
    raise NotImplementedError(f"operator {kind}")


def evaluate(node: Any, scope: Scope) -> Any:
    """The value of one expression; a bare string is a name when the scope knows it."""
    if isinstance(node, str):
        return scope.value(node) if scope.knows(node) else _text(node, scope)
    if isinstance(node, list):
        return [evaluate(item, scope) for item in node]
    if isinstance(node, dict) and len(node) == 1 and "function" in node:
        return _function(node["function"]["type"], node["function"].get("parameters", {}), scope)
    if isinstance(node, dict) and len(node) == 1 and "operator" in node:
        inner = node["operator"]
        return _operator(inner["type"], inner["operands"], scope)
    if isinstance(node, dict):
        return {key.strip("'"): evaluate(value, scope) for key, value in node.items()}
    return node
