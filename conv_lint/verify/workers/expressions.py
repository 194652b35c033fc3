"""Evaluate the argument sources the parent sends a worker, without ``eval``.

Arguments travel as Python source with qualified names (``'valid'``, ``(2,)``,
``flax.linen.initializers.glorot_uniform()``, ``keras.initializers.VarianceScaling(scale=1 / 3)``),
exactly what ``conv-lint fix`` writes with the module aliases resolved. Only literals,
arithmetic, and names and calls under the framework packages are accepted: a request can
construct an initializer, never run arbitrary code.
"""

from __future__ import annotations

import ast
import importlib
from functools import lru_cache
from typing import Any

from conv_lint.resolve import ARITHMETIC, dotted_name

ROOTS = frozenset({"keras", "tf_keras", "tensorflow", "flax", "jax", "haiku", "equinox", "numpy", "scipy", "torch"})


def evaluate(source: str) -> Any:
    return _evaluate(ast.parse(source, mode="eval").body)


def _evaluate(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_evaluate(element) for element in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else +value
    if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:  # `scale=1 / 3`
        return ARITHMETIC[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, (ast.Name, ast.Attribute)):
        dotted = dotted_name(node)
        if dotted is None:
            raise ValueError(f"not a dotted name: {ast.unparse(node)}")
        return resolve(dotted)
    if isinstance(node, ast.Call):
        function = _evaluate(node.func)
        args = [_evaluate(arg) for arg in node.args]
        kwargs = {keyword.arg: _evaluate(keyword.value) for keyword in node.keywords}
        return function(*args, **kwargs)
    raise ValueError(f"not an argument conv-lint verify evaluates: {ast.unparse(node)}")


@lru_cache(maxsize=None)
def resolve(dotted: str) -> Any:
    """``flax.linen.initializers.zeros`` → the object: import the longest module prefix, then getattr."""
    if dotted in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[dotted]
    parts = dotted.split(".")
    if parts[0] not in ROOTS:
        raise ValueError(f"{dotted} is outside the framework packages")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            value = getattr(value, attribute)
        return value
    raise ImportError(f"cannot import {dotted}")
