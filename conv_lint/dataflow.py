"""One value evaluator for every rule: what an expression of a module is, as far as the source tells.

``Values`` evaluates an expression to a number, a string, a tuple, or a ``KnownArray`` whose shape
and/or axis order is known (``jax.random.normal(key, (3, 1, 1))``, ``jnp.zeros(shape)``, an
initializer called as ``init(key, (3, 1, 4))``, ``.reshape(...)``, ``jnp.transpose``/``.T``, a
layer's exported ``.weight``). It follows names to the assignment that reaches the read
(``conv_lint.resolve.ReachingDefinitions``) and parameters of functions defined in the module to
the arguments of each call of them, so one expression can have several values, one per call
site. Which functions make, copy, reshape or transpose arrays is data in ``conv_lint.catalog``.

The kernel-layout rules (CNV101/107) read kernel shapes with it, the padding and initializer
rules read literals with it (``kernel_size=K`` with ``K = 4`` earlier counts as a literal), and
``verify`` reads call arguments with it (``conv_lint.verify.planning.values``). Nothing here imports
a framework.
"""

from __future__ import annotations

import ast
import itertools
import math
import operator
from collections.abc import Iterator
from dataclasses import dataclass

from conv_lint.catalog import (
    ARRAY_COPIES, ARRAY_MAKERS, CATALOG, INITIALIZER_FUNCTIONS, INITIALIZER_MODULES, KERNEL_NAMES, PERMUTES, RESHAPES,
    SAME_ARRAY_METHODS, SWAPS, ConvAPI, Slot,
)
from conv_lint.binding import slot_argument
from conv_lint.resolve import ARITHMETIC, ModuleNames, ReachingDefinitions, Resolver, Scope, dotted_name
# Several values for one expression (one per call site of a function); more are not followed.
MAX_VALUES = 8
# How deep evaluation follows an expression (and the names and calls in it) before it gives up.
MAX_DEPTH = 64
_OPERATORS = {**ARITHMETIC, ast.Mod: operator.mod}


@dataclass(frozen=True)
class KnownArray:
    """An array whose shape (``None`` where a dimension or the rank is unknown) or axis order is
    known. ``layout`` spells the axes of an exported kernel: ``O``, ``I``, and ``S`` for the
    spatial ones (one ``S`` for all of them while the rank is unknown)."""

    shape: tuple[int | None, ...] | None
    origin: ast.AST  # where the shape or layout was written
    what: str  # for messages: "jax.random.normal", "the .weight of torch.nn.Conv1d"
    layout: str | None = None

    def axes(self, rank: int) -> str | None:
        """The layout with one letter per axis, for an array of ``rank`` axes."""
        if self.layout is None or rank < 2:
            return None
        axes = self.layout
        if len(axes) == 3 and axes.count("S") == 1:  # a framework's pattern: OIS, SIO, ...
            axes = axes.replace("S", "S" * (rank - 2))
        return axes if len(axes) == rank else None

    def permuted(self, order: tuple[int, ...], origin: ast.AST) -> KnownArray | None:
        """``jnp.transpose(a, order)``: axis i of the result is axis ``order[i]`` of this one."""
        rank = len(order)
        if sorted(order) != list(range(rank)) or (self.shape is not None and len(self.shape) != rank):
            return None
        axes = self.axes(rank)
        return KnownArray(
            tuple(self.shape[i] for i in order) if self.shape is not None else None,
            origin,
            f"{self.what}, transposed",
            "".join(axes[i] for i in order) if axes else None,
        )

    def reversed_axes(self, origin: ast.AST) -> KnownArray | None:
        rank = len(self.shape) if self.shape is not None else None
        return self.permuted(tuple(reversed(range(rank))), origin) if rank else None


@dataclass(frozen=True)
class Layer:
    """A conv layer object made in this module (``nn.Conv1d(4, 8, 3)``): its ``.weight`` has a known layout."""

    api: ConvAPI
    origin: ast.AST


@dataclass(frozen=True)
class Initializer:
    """An initializer object (``nn.initializers.lecun_normal()``): calling it makes an array."""

    shape_position: int


@dataclass(frozen=True)
class _KerasWeights:
    """``layer.get_weights()``: Keras' list of a layer's arrays, the kernel first."""

    origin: ast.AST


class Values:
    """What expressions of one module evaluate to, as far as the source tells."""

    def __init__(self, names: ModuleNames, resolver: Resolver) -> None:
        self.names = names
        self.resolver = resolver
        self._memo: dict[tuple[int, int], list[object]] = {}
        self.definitions = ReachingDefinitions()
        self._call_sites: dict[str, list[tuple[ast.Call, Scope]]] | None = None
        self._depth = 0

    # -- entry points -----------------------------------------------------------------------
    def of(self, node: ast.expr | None, scope: Scope) -> list[object]:
        """The values ``node`` may have (several when it depends on which call reached it)."""
        if node is None or self._depth > MAX_DEPTH:
            return []
        key = (id(node), id(scope))
        if key not in self._memo:
            self._memo[key] = []  # a cycle (a recursive function) yields nothing
            values: list[object] = []
            self._depth += 1
            try:
                for value in self._evaluate(node, scope):
                    if value not in values:
                        values.append(value)
                    if len(values) == MAX_VALUES:
                        break
            finally:
                self._depth -= 1
            self._memo[key] = values
        return self._memo[key]

    def known(self, node: ast.expr | None, scope: Scope) -> object | None:
        """The value of ``node`` when the source gives exactly one, else None."""
        values = self.of(node, scope)
        return values[0] if len(values) == 1 else None

    def ints(self, node: ast.expr, scope: Scope) -> tuple[int, ...] | None:
        """The ints ``node`` holds when the source gives exactly one value (``2`` → (2,), ``(2, 2)`` →
        (2, 2)), else None: a kernel size, stride or dilation as written."""
        value = self.known(node, scope)
        values = value if isinstance(value, tuple) and value else (value,)
        return values if all(type(v) is int for v in values) else None

    def qualified(self, node: ast.expr, scope: Scope) -> tuple[str, ...]:
        dotted = dotted_name(node)
        return self.resolver.qualified_names(dotted, scope) if dotted else ()

    # -- evaluation -------------------------------------------------------------------------
    def _evaluate(self, node: ast.expr, scope: Scope) -> Iterator[object]:
        if isinstance(node, ast.Constant):
            yield node.value
        elif isinstance(node, (ast.Tuple, ast.List)):
            if not any(isinstance(element, ast.Starred) for element in node.elts):
                options = [self.of(element, scope) for element in node.elts]
                if all(options):
                    yield from itertools.islice(itertools.product(*options), MAX_VALUES)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            for value in self.of(node.operand, scope):
                if _is_number(value):
                    yield -value if isinstance(node.op, ast.USub) else value
        elif isinstance(node, ast.BinOp):
            yield from self._binary(node, scope)
        elif isinstance(node, ast.Name):
            yield from self._name(node, scope)
        elif isinstance(node, ast.Attribute):
            yield from self._attribute(node, scope)
        elif isinstance(node, ast.Subscript):
            yield from self._subscript(node, scope)
        elif isinstance(node, ast.Call):
            yield from self._call(node, scope)

    def _binary(self, node: ast.BinOp, scope: Scope) -> Iterator[object]:
        function = _OPERATORS.get(type(node.op))
        if function is None:
            return
        for left, right in itertools.product(self.of(node.left, scope), self.of(node.right, scope)):
            if isinstance(left, KnownArray) and (_is_number(right) or right == left):
                yield left  # scaled: `random.normal(key, shape) * 0.1`
            elif isinstance(right, KnownArray) and _is_number(left):
                yield right
            elif _is_number(left) and _is_number(right) or isinstance(left, tuple) and isinstance(right, (tuple, int)):
                try:
                    yield function(left, right)
                except (ArithmeticError, TypeError, ValueError):
                    pass

    def definition(self, node: ast.Name, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """The expression assigned to the name, if one assignment reaches this read, and its scope."""
        found = self.definitions.reaching_write(node, scope)
        return (found[0].value, found[1]) if found and found[0].value is not None else None

    def _name(self, node: ast.Name, scope: Scope) -> Iterator[object]:
        found = self.definitions.reaching_write(node, scope)
        if found is not None:
            write, owner = found
            if isinstance(write.node, ast.arg):
                yield from self._parameter(owner, write.node)
            elif write.value is not None:
                yield from self.of(write.value, owner)
            return
        # A name of an enclosing scope assigned more than once, read when the function runs:
        # known only if every assignment gives the same values.
        owner = scope.binding_scope(node.id)
        if owner is not None and owner is not scope and all(w.value is not None for w in owner.writes[node.id]):
            options = [self.of(write.value, owner) for write in owner.writes[node.id]]
            if all(option == options[0] for option in options):
                yield from options[0]

    def _parameter(self, owner: Scope, parameter: ast.arg) -> Iterator[object]:
        """A parameter's values: the arguments of this module's calls of its function."""
        function = owner.node
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = dict(zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults))
        defaults.update((p, d) for p, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None)
        position = positional.index(parameter) if parameter in positional else None
        for call, scope in self._calls_of(owner, function):
            if any(isinstance(arg, ast.Starred) for arg in call.args) or any(k.arg is None for k in call.keywords):
                continue
            if position is not None and position < len(call.args):
                yield from self.of(call.args[position], scope)
                continue
            keyword = next((k.value for k in call.keywords if k.arg == parameter.arg), None)
            if keyword is not None:
                yield from self.of(keyword, scope)
            elif parameter in defaults and owner.parent is not None:
                yield from self.of(defaults[parameter], owner.parent)

    def _calls_of(self, owner: Scope, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.Call, Scope]]:
        """The calls ``f(...)`` in this module that reach ``function`` (never rebound) by its name."""
        if self._call_sites is None:
            self._call_sites = {}
            for call, scope in self.names.calls:
                if isinstance(call.func, ast.Name):
                    self._call_sites.setdefault(call.func.id, []).append((call, scope))
        defining = owner.parent
        if defining is None or [write.node for write in defining.writes.get(function.name, ())] != [function]:
            return []
        return [
            (call, scope)
            for call, scope in self._call_sites.get(function.name, ())
            if scope.binding_scope(function.name) is defining
        ]

    def _attribute(self, node: ast.Attribute, scope: Scope) -> Iterator[object]:
        bases = self.of(node.value, scope)
        for base in bases:
            if isinstance(base, KnownArray):
                if node.attr == "T":
                    transposed = base.reversed_axes(node)
                    if transposed is not None:
                        yield transposed
                elif node.attr == "shape" and base.shape is not None and None not in base.shape:
                    yield base.shape
                elif node.attr == "data":  # torch's w.data
                    yield base
            elif isinstance(base, Layer) and base.api.weight and node.attr == base.api.weight.attribute:
                layout = base.api.weight.layout
                yield KnownArray(None, base.origin, f"the .{node.attr} of {base.api.name}", layout)
        if not bases and node.attr in KERNEL_NAMES:
            # An exported weight named by its framework's convention (model.conv.weight, layer.kernel).
            yield KnownArray(None, node, f"an exported .{node.attr}", KERNEL_NAMES[node.attr])

    def _subscript(self, node: ast.Subscript, scope: Scope) -> Iterator[object]:
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, str):
            key = index.value.rsplit(".", 1)[-1]
            if key in KERNEL_NAMES:  # state_dict()["conv.weight"], params["conv"]["kernel"]
                yield KnownArray(None, node, f"the entry {index.value!r}", KERNEL_NAMES[key])
            return
        for base in self.of(node.value, scope):
            if isinstance(base, tuple):
                for position in self.of(index, scope):
                    if isinstance(position, int) and -len(base) <= position < len(base):
                        yield base[position]
            elif isinstance(base, _KerasWeights) and self.known(index, scope) == 0:
                yield KnownArray(None, base.origin, "Keras get_weights()[0]", KERNEL_NAMES["kernel"])
            elif isinstance(base, KnownArray) and _keeps_shape(index):
                yield base  # w[::-1], w[..., ::-1]: flipped, same shape and layout

    def _call(self, node: ast.Call, scope: Scope) -> Iterator[object]:
        func = node.func
        builtin = _NUMBER_BUILTINS.get(func.id) if isinstance(func, ast.Name) else None
        if builtin is not None and scope.binding_scope(func.id) is None and len(node.args) == 1 and not node.keywords:
            # int(K), float(K): Python's own (the file binds no such name), of each number K may be.
            yield from (builtin(value) for value in self.of(node.args[0], scope) if _is_number(value))
            return
        names = self.qualified(func, scope)
        for name in names:
            yield from self._framework_call(name, node, scope)
        if names:
            return
        if isinstance(func, ast.Attribute):  # a method of a value the module made
            receivers = [value for value in self.of(func.value, scope) if isinstance(value, KnownArray)]
            if not receivers and func.attr == "reshape":
                # `jnp.arange(12.0).reshape(4, 3, 1)`: the new shape is all that matters.
                receivers = [KnownArray(None, node, "an array")]
            for array in receivers:
                yield from self._method(array, func.attr, node, scope)
            if func.attr == "get_weights" and not node.args:
                yield _KerasWeights(node)
            if receivers:
                return
        for callee in self.of(func, scope):
            if isinstance(callee, Initializer):
                yield from self._made(node, Slot(callee.shape_position, "shape"), scope, "an initializer")

    def _made(self, node: ast.Call, slot: Slot, scope: Scope, what: str) -> Iterator[KnownArray]:
        """The array a call makes with the shape it passes in ``slot``."""
        shape = self._shape_from(node, slot, scope)
        if shape is not None:
            yield KnownArray(_fill_reshape(shape, None), node, what)

    def _framework_call(self, name: str, node: ast.Call, scope: Scope) -> Iterator[object]:
        leaf = name.rsplit(".", 1)[-1]
        if name in ARRAY_MAKERS:
            yield from self._made(node, ARRAY_MAKERS[name], scope, name)
        elif name in ARRAY_COPIES and node.args:
            for value in self.of(node.args[0], scope):
                if isinstance(value, KnownArray):
                    yield value
                elif isinstance(value, (tuple, list)) and (shape := _literal_shape(value)) is not None:
                    yield KnownArray(shape, node, name)
        elif name in RESHAPES and node.args:
            shape = self._shape(slot_argument(node, RESHAPES[name]), scope)
            arrays = [value for value in self.of(node.args[0], scope) if isinstance(value, KnownArray)]
            for array in arrays or [KnownArray(None, node, "an array")]:
                if shape is not None:
                    yield KnownArray(_fill_reshape(shape, array.shape), node, f"{array.what}, reshaped")
        elif name in PERMUTES and node.args:
            order = self.known(slot_argument(node, PERMUTES[name]), scope)
            yield from _permute(self.of(node.args[0], scope), order, node)
        elif name in SWAPS and node.args:
            first, second = (self.known(slot_argument(node, slot), scope) for slot in SWAPS[name])
            yield from _swap(self.of(node.args[0], scope), first, second, node)
        elif (module := name.rpartition(".")[0]) in INITIALIZER_MODULES:
            position = INITIALIZER_MODULES[module]
            if leaf in INITIALIZER_FUNCTIONS and position:  # jax's zeros(key, shape): an initializer itself
                yield from self._made(node, Slot(position, "shape"), scope, name)
            else:
                yield Initializer(position)
        else:
            api = CATALOG.lookup(name)
            if api is not None and api.weight is not None:
                yield Layer(api, node)

    def _method(self, array: KnownArray, method: str, node: ast.Call, scope: Scope) -> Iterator[object]:
        if method in SAME_ARRAY_METHODS:
            yield array
        elif method in ("reshape", "view"):
            shape = self._shape_from(node, Slot(0, "shape", varargs=True), scope)
            if shape is not None:
                yield KnownArray(_fill_reshape(shape, array.shape), node, f"{array.what}, reshaped" if array.shape else "reshape")
        elif method in ("transpose", "permute"):
            order = self._shape_from(node, Slot(0, "axes", varargs=True), scope) if node.args else None
            rank = len(array.shape) if array.shape is not None else None
            if not node.args and method == "transpose":
                transposed = array.reversed_axes(node)
                if transposed is not None:
                    yield transposed
            elif order is not None and method == "transpose" and len(order) == 2 and rank not in (None, 2):
                yield from _swap([array], *order, node)  # torch's t.transpose(0, 2)
            else:
                yield from _permute([array], order, node)
        elif method == "swapaxes" and len(node.args) == 2:
            yield from _swap([array], self.known(node.args[0], scope), self.known(node.args[1], scope), node)

    def _shape_from(self, node: ast.Call, slot: Slot, scope: Scope) -> tuple[int | None, ...] | None:
        if slot.varargs and slot.position == 0 and len(node.args) != 1 and node.args:
            if any(isinstance(arg, ast.Starred) for arg in node.args):
                return None
            return tuple(_dimension(self.known(arg, scope)) for arg in node.args)
        return self._shape(slot_argument(node, slot), scope)

    def _shape(self, node: ast.expr | None, scope: Scope) -> tuple[int | None, ...] | None:
        """A shape argument: a tuple (a dimension the source does not give is None) or one int."""
        if isinstance(node, (ast.Tuple, ast.List)) and not any(isinstance(e, ast.Starred) for e in node.elts):
            return tuple(_dimension(self.known(element, scope)) for element in node.elts)
        value = self.known(node, scope)
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,)
        if isinstance(value, tuple) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return value
        return None


_NUMBER_BUILTINS = {"int": int, "float": float}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dimension(value: object) -> int | None:
    """A dimension as written: a size, or -1 (reshape works it out); None if not known."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= -1 else None


def _keeps_shape(index: ast.expr) -> bool:
    """``[::-1]``, ``[..., ::-1]``: slices without bounds keep every dimension."""
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    return all(
        isinstance(part, ast.Slice) and part.lower is None and part.upper is None
        or isinstance(part, ast.Constant) and part.value is Ellipsis
        for part in parts
    )


def _literal_shape(value: object) -> tuple[int, ...] | None:
    """The shape of a nested list of numbers, ``[[1, 2], [3, 4]]`` -> (2, 2)."""
    if _is_number(value):
        return ()
    if not isinstance(value, (tuple, list)) or not value:
        return None
    inner = {_literal_shape(element) for element in value}
    if len(inner) != 1 or None in inner:
        return None
    return (len(value), *inner.pop())


def _fill_reshape(shape: tuple[int | None, ...], old: tuple[int | None, ...] | None) -> tuple[int | None, ...]:
    """A reshape target with its -1 worked out when the old size is known."""
    if -1 not in shape:
        return shape
    known = [d for d in shape if d != -1]
    if old is None or None in old or None in known or shape.count(-1) != 1 or 0 in known:
        return tuple(None if d == -1 else d for d in shape)
    return tuple(math.prod(old) // math.prod(known) if d == -1 else d for d in shape)


def _permute(values: list[object], order: object, origin: ast.AST) -> Iterator[KnownArray]:
    for value in values:
        if not isinstance(value, KnownArray):
            continue
        if order is None:
            reversed_value = value.reversed_axes(origin)
            if reversed_value is not None:
                yield reversed_value
        elif isinstance(order, tuple) and all(isinstance(i, int) for i in order):
            rank = len(order)
            permuted = value.permuted(tuple(i % rank for i in order), origin)
            if permuted is not None:
                yield permuted


def _swap(values: list[object], first: object, second: object, origin: ast.AST) -> Iterator[KnownArray]:
    for value in values:
        if isinstance(value, KnownArray) and value.shape is not None and isinstance(first, int) and isinstance(second, int):
            rank = len(value.shape)
            order = list(range(rank))
            if -rank <= first < rank and -rank <= second < rank:
                order[first], order[second] = order[second], order[first]
                permuted = value.permuted(tuple(order), origin)
                if permuted is not None:
                    yield permuted

