"""What a call's arguments are, read off the source: literals, names the source gives a value, framework objects.

Spec mode can run a call only when every argument it needs is known without running the
program. An argument is known when it is a literal (``3``, ``(2, 2)``, ``"same"``, ``1 / 3``), a
name whose value the source gives (``DN = ("NWC", "WIO", "NWC")`` at module level, ``K = 4``
earlier in the same function), or an expression over framework names
(``nn.initializers.lecun_normal()``). Names are followed by ``conv_lint.dataflow.Values``, the
evaluator the rules use, so verify knows every value ``check`` knows. Each known argument becomes a
``Known``: its Python value when it is a literal, and always its source with the file's aliases
resolved (``flax.linen.initializers.lecun_normal()``), which is what a worker evaluates.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from conv_lint.analyzer import Analysis, ResolvedCall
from conv_lint.catalog import CATALOG
from conv_lint.dataflow import KnownArray
from conv_lint.resolve import ARITHMETIC, Scope, dotted_name

OPAQUE = object()  # the value of a known argument that is not a literal (an initializer object)
# How many names deep an argument is followed (`A = B`, `B = C`, ...).
MAX_NAME_DEPTH = 16


class NotStatic(Exception):
    """An argument whose value cannot be known without running the program."""


# The key under which ``Evaluator.arguments`` gives a functional call's spatial rank read off its arrays.
OPERAND_RANK = "<the operands' spatial rank>"


@dataclass(frozen=True)
class OperandRank:
    """The spatial rank of a functional call's arrays, where the source fixes it, and how."""

    rank: int
    why: str


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


def _plain(value: Any) -> bool:
    """A value a worker can be given as its repr: a number, string, bool, None, or a tuple of them."""
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (int, float, str, bool))


class Evaluator:
    """Evaluates the argument expressions of one analyzed module."""

    def __init__(self, analysis: Analysis) -> None:
        self.resolver = analysis.resolver
        self.values = analysis.values
        self._depth = 0

    def arguments(self, call: ResolvedCall) -> dict[str, Known | NotStatic]:
        """Every argument the call passes, by parameter: known, or why not."""
        result: dict[str, Known | NotStatic] = {}
        for parameter, argument in call.bound.arguments.items():
            try:
                result[parameter] = self.evaluate(argument.value, call.scope)
            except NotStatic as why:
                result[parameter] = why
        rank = self.operand_rank(call)
        if rank is not None:
            result[OPERAND_RANK] = rank
        return result

    def operand_rank(self, call: ResolvedCall) -> OperandRank | None:
        """The spatial rank of a functional conv whose name does not fix it (``tf.nn.convolution``,
        ``lax.conv_general_dilated``), read off its input and kernel where the source gives their shapes
        (``tf.zeros((1, 7, 4))``) or they come out of a conv of fixed rank (``y = tf.nn.conv1d(...)``);
        None where the two disagree or neither is known."""
        operands = call.api.operands
        if operands is None or call.api.spatial_dims is not None:
            return None
        found = []
        for parameter in (operands.input, operands.kernel):
            argument = call.bound.arguments.get(parameter)
            if argument is not None:
                found.extend(self._array_rank(argument.value, call.scope))
        if len({rank for rank, _ in found}) != 1:
            return None
        return OperandRank(found[0][0], "; ".join(why for _, why in found))

    def _array_rank(self, node: ast.expr, scope: Scope) -> list[tuple[int, str]]:
        """The spatial rank of an array argument, with how the source fixes it."""
        arrays = [value for value in self.values.of(node, scope) if isinstance(value, KnownArray) and value.shape is not None]
        if arrays and len({len(array.shape) for array in arrays}) == 1 and len(arrays[0].shape) >= 3:
            shape = tuple("?" if size is None else size for size in arrays[0].shape)
            return [(len(shape) - 2, f"{ast.unparse(node)} is {arrays[0].what} of shape {shape}")]
        found = self.values.definition(node, scope) if isinstance(node, ast.Name) else None
        if found is not None and isinstance(found[0], ast.Call):
            for name in self.resolver.qualified_names(dotted_name(found[0].func) or "", found[1]):
                api = CATALOG.lookup(name)
                if api is not None and api.operands and api.spatial_dims is not None:
                    return [(api.spatial_dims, f"{ast.unparse(node)} is the output of {api.name}")]
        return []

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
        if isinstance(node, ast.Name):
            # The assignment that reaches this read, as the rules see it: its expression, evaluated here.
            found = self.values.definition(node, scope)
            if found is not None and self._depth < MAX_NAME_DEPTH:
                self._depth += 1
                try:
                    return self.evaluate(*found)
                finally:
                    self._depth -= 1
            # Otherwise one literal the evaluator knows (a parameter every call of its function sets alike).
            value = self.values.known(node, scope)
            if value is not None and _plain(value):
                return _literal(value)
        raise NotStatic(f"{ast.unparse(node)} is not known statically")

    def _call(self, node: ast.Call, scope: Scope) -> Known:
        number = self.values.known(node, scope)  # int(K), float(K): as the rules evaluate them
        if _number(number):
            return _literal(number)
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
