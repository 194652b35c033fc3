"""What a call's arguments are, read off the source: literals, module constants, framework objects.

Spec mode can run a call only when every argument it needs is known without running the
program. An argument is known when it is a literal (``3``, ``(2, 2)``, ``"same"``, ``1 / 3``), a
module-level name assigned once to something known (``DN = ("NWC", "WIO", "NWC")``), or an
expression over framework names (``nn.initializers.lecun_normal()``). Each known argument
becomes a ``Known``: its Python value when it is a literal, and always its source with the
file's aliases resolved (``flax.linen.initializers.lecun_normal()``), which is what a worker
evaluates.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from conv_lint.analyzer import Analysis, ResolvedCall
from conv_lint.resolve import ARITHMETIC, Scope, dotted_name

OPAQUE = object()  # the value of a known argument that is not a literal (an initializer object)


class NotStatic(Exception):
    """An argument whose value cannot be known without running the program."""


@dataclass(frozen=True)
class Known:
    source: str  # Python source with qualified names, as a worker evaluates it
    value: Any = OPAQUE

    @property
    def literal(self) -> bool:
        return self.value is not OPAQUE


def _literal(value: Any) -> Known:
    return Known(repr(value), value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Evaluator:
    """Evaluates the argument expressions of one analyzed module (``module`` is its ``ast``)."""

    def __init__(self, analysis: Analysis, module: ast.Module) -> None:
        self.resolver = analysis.resolver
        self.module_scope = analysis.resolver.names.module_scope
        self.constants: dict[str, Known] = {}
        self._collect_constants(module)

    def arguments(self, call: ResolvedCall) -> dict[str, Known | NotStatic]:
        """Every argument the call passes, by parameter: known, or why not."""
        result: dict[str, Known | NotStatic] = {}
        for parameter, argument in call.bound.arguments.items():
            try:
                result[parameter] = self.evaluate(argument.value, call.scope)
            except NotStatic as why:
                result[parameter] = why
        return result

    def evaluate(self, node: ast.expr, scope: Scope) -> Known:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
            return _literal(node.value)
        if isinstance(node, (ast.Tuple, ast.List)):
            if any(isinstance(element, ast.Starred) for element in node.elts):
                raise NotStatic(f"{ast.unparse(node)} unpacks a value")
            items = [self.evaluate(element, scope) for element in node.elts]
            if all(item.literal for item in items):
                values = [item.value for item in items]
                return _literal(tuple(values) if isinstance(node, ast.Tuple) else values)
            inner = ", ".join(item.source for item in items)
            return Known(f"({inner},)" if isinstance(node, ast.Tuple) else f"[{inner}]")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.evaluate(node.operand, scope)
            if _number(operand.value):
                return _literal(-operand.value if isinstance(node.op, ast.USub) else operand.value)
        if isinstance(node, ast.BinOp) and type(node.op) in ARITHMETIC:
            left, right = self.evaluate(node.left, scope), self.evaluate(node.right, scope)
            if _number(left.value) and _number(right.value):
                try:
                    return _literal(ARITHMETIC[type(node.op)](left.value, right.value))
                except ArithmeticError as error:
                    raise NotStatic(f"{ast.unparse(node)}: {error}") from None
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._name(node, scope)
        if isinstance(node, ast.Call):
            return self._call(node, scope)
        raise NotStatic(f"{ast.unparse(node)} is not known statically")

    def _name(self, node: ast.Name | ast.Attribute, scope: Scope) -> Known:
        dotted = dotted_name(node)
        qualified = self.resolver.qualified_names(dotted, scope) if dotted else ()
        if len(qualified) == 1:
            return Known(qualified[0])
        if isinstance(node, ast.Name) and self._is_module_constant(node.id, scope):
            return self.constants[node.id]
        raise NotStatic(f"{ast.unparse(node)} is not known statically")

    def _call(self, node: ast.Call, scope: Scope) -> Known:
        function = self.evaluate(node.func, scope)
        if function.literal:
            raise NotStatic(f"{ast.unparse(node)} is not known statically")
        parts = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise NotStatic(f"{ast.unparse(node)} unpacks its arguments")
            parts.append(self.evaluate(arg, scope).source)
        for keyword in node.keywords:
            if keyword.arg is None:
                raise NotStatic(f"{ast.unparse(node)} unpacks its arguments")
            parts.append(f"{keyword.arg}={self.evaluate(keyword.value, scope).source}")
        return Known(f"{function.source}({', '.join(parts)})")

    def _is_module_constant(self, name: str, scope: Scope) -> bool:
        """``name`` reaches the module's one binding of it: no enclosing function or class rebinds it."""
        current: Scope | None = scope
        while current is not None and current is not self.module_scope:
            if name in current.bindings and name not in current.global_names:
                return False
            current = current.parent
        return name in self.constants

    def _collect_constants(self, module: ast.Module) -> None:
        """Module-level names assigned exactly once, to something known, in file order."""
        bindings = self.module_scope.bindings
        for statement in module.body:
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and len(bindings.get(statement.targets[0].id, ())) == 1
            ):
                try:
                    self.constants[statement.targets[0].id] = self.evaluate(statement.value, self.module_scope)
                except NotStatic:
                    continue
