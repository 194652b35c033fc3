"""Array shapes and kernel layouts followed through one module, for the kernel-layout rules.

``Values`` evaluates an expression to what the source says it is: a number, a string, a tuple,
or an ``Array`` whose shape and/or axis order is known (``jax.random.normal(key, (3, 1, 1))``,
``jnp.zeros(shape)``, an initializer called as ``init(key, (3, 1, 4))``, ``.reshape(...)``,
``jnp.transpose``/``.T``, a layer's exported ``.weight``). It follows names to the assignment
that reaches the read (the last one before it in the same block, or the only one of an outer
scope) and parameters of functions defined in the module to the arguments of each call of
them, so one expression can have several values, one per call site. Which functions make,
copy, reshape or transpose arrays is data in ``conv_lint.catalog``.

``layout_flags`` then reads the kernel and input of a functional conv (``lax.conv_general_dilated``,
``lax.conv``, ``tf.nn.conv1d`` ...; the catalog's ``Operands``) through the layout spec of the call
and flags readings that cannot be meant: a kernel whose spatial size comes out as 1 while the
tuple holds a larger dimension (under a kernel spec of the other convention than the input's),
in-channels that do not match the input's, or a layer's exported weight read in another order
than its own. Nothing here imports a framework; it reads the ``ast`` the analyzer already has.
"""

from __future__ import annotations

import ast
import itertools
import math
import operator
from collections.abc import Iterator
from dataclasses import dataclass

from conv_lint.catalog import (
    ARRAY_COPIES,
    ARRAY_MAKERS,
    CATALOG,
    CHANNELS_LAST,
    INITIALIZER_FUNCTIONS,
    INITIALIZER_MODULES,
    KERNEL_NAMES,
    PERMUTES,
    RESHAPES,
    SAME_ARRAY_METHODS,
    SWAPS,
    ConvAPI,
    Slot,
)
from conv_lint.resolve import ARITHMETIC, BoundCall, ModuleNames, Resolver, Scope, Write, argument_node, dotted_name, slot_argument
from conv_lint.rules import KERNEL_LAYOUT, PORTED_KERNEL, Flag

# Several values for one expression (one per call site of a function); more are not followed.
MAX_VALUES = 8
# How deep evaluation follows an expression (and the names and calls in it) before it gives up.
MAX_DEPTH = 64
_OPERATORS = {**ARITHMETIC, ast.Mod: operator.mod}


@dataclass(frozen=True)
class Array:
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

    def permuted(self, order: tuple[int, ...], origin: ast.AST) -> Array | None:
        """``jnp.transpose(a, order)``: axis i of the result is axis ``order[i]`` of this one."""
        rank = len(order)
        if sorted(order) != list(range(rank)) or (self.shape is not None and len(self.shape) != rank):
            return None
        axes = self.axes(rank)
        return Array(
            tuple(self.shape[i] for i in order) if self.shape is not None else None,
            origin,
            f"{self.what}, transposed",
            "".join(axes[i] for i in order) if axes else None,
        )

    def reversed_axes(self, origin: ast.AST) -> Array | None:
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
        self._blocks: dict[int, dict[int, list[ast.stmt]]] = {}
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
            if isinstance(left, Array) and (_is_number(right) or right == left):
                yield left  # scaled: `random.normal(key, shape) * 0.1`
            elif isinstance(right, Array) and _is_number(left):
                yield right
            elif _is_number(left) and _is_number(right) or isinstance(left, tuple) and isinstance(right, (tuple, int)):
                try:
                    yield function(left, right)
                except (ArithmeticError, TypeError, ValueError):
                    pass

    def definition(self, node: ast.Name, scope: Scope) -> tuple[ast.expr, Scope] | None:
        """The expression assigned to the name, if one assignment reaches this read, and its scope."""
        found = self._reaching_write(node, scope)
        return (found[0].value, found[1]) if found and found[0].value is not None else None

    def _reaching_write(self, node: ast.Name, scope: Scope) -> tuple[Write, Scope] | None:
        """The one write a read sees: the last before it in its own scope (if every path passes it),
        or the only write of the enclosing scope that binds the name."""
        owner = scope.binding_scope(node.id)
        if owner is None:
            return None
        writes = owner.writes[node.id]
        if owner is not scope:
            return (writes[0], owner) if len(writes) == 1 else None
        at = (node.lineno, node.col_offset)
        before = [write for write in writes if _takes_effect(write) <= at]
        if not before:
            return None
        write = max(before, key=_takes_effect)
        if write.value is not None and not self._dominates(owner, write, at):
            return None
        return write, owner

    def _name(self, node: ast.Name, scope: Scope) -> Iterator[object]:
        found = self._reaching_write(node, scope)
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

    def _dominates(self, owner: Scope, write: Write, at: tuple[int, int]) -> bool:
        """Whether every path to ``at`` passes ``write``: the read lies in the rest of the block
        holding the assignment (not after an ``if`` that assigned in one branch only)."""
        block = self._block_of(owner).get(id(write.node))
        if block is None:
            return False
        last = block[-1]
        return at <= (last.end_lineno, last.end_col_offset)

    def _block_of(self, owner: Scope) -> dict[int, list[ast.stmt]]:
        """Each statement of ``owner``'s own body (not of nested defs) -> the list holding it."""
        key = id(owner)
        if key not in self._blocks:
            blocks: dict[int, list[ast.stmt]] = {}
            node = owner.node
            pending = [node.body] if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else []
            while pending:
                statements = pending.pop()
                for statement in statements:
                    blocks[id(statement)] = statements
                    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        continue
                    for field in ("body", "orelse", "finalbody"):
                        inner = getattr(statement, field, None)
                        if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                            pending.append(inner)
                    for child in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
                        pending.append(child.body)
            self._blocks[key] = blocks
        return self._blocks[key]

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
            if isinstance(base, Array):
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
                yield Array(None, base.origin, f"the .{node.attr} of {base.api.name}", layout)
        if not bases and node.attr in KERNEL_NAMES:
            # An exported weight named by its framework's convention (model.conv.weight, layer.kernel).
            yield Array(None, node, f"an exported .{node.attr}", KERNEL_NAMES[node.attr])

    def _subscript(self, node: ast.Subscript, scope: Scope) -> Iterator[object]:
        index = node.slice
        if isinstance(index, ast.Constant) and isinstance(index.value, str):
            key = index.value.rsplit(".", 1)[-1]
            if key in KERNEL_NAMES:  # state_dict()["conv.weight"], params["conv"]["kernel"]
                yield Array(None, node, f"the entry {index.value!r}", KERNEL_NAMES[key])
            return
        for base in self.of(node.value, scope):
            if isinstance(base, tuple):
                for position in self.of(index, scope):
                    if isinstance(position, int) and -len(base) <= position < len(base):
                        yield base[position]
            elif isinstance(base, _KerasWeights) and self.known(index, scope) == 0:
                yield Array(None, base.origin, "Keras get_weights()[0]", KERNEL_NAMES["kernel"])
            elif isinstance(base, Array) and _keeps_shape(index):
                yield base  # w[::-1], w[..., ::-1]: flipped, same shape and layout

    def _call(self, node: ast.Call, scope: Scope) -> Iterator[object]:
        func = node.func
        names = self.qualified(func, scope)
        for name in names:
            yield from self._framework_call(name, node, scope)
        if names:
            return
        if isinstance(func, ast.Attribute):  # a method of a value the module made
            receivers = [value for value in self.of(func.value, scope) if isinstance(value, Array)]
            if not receivers and func.attr == "reshape":
                # `jnp.arange(12.0).reshape(4, 3, 1)`: the new shape is all that matters.
                receivers = [Array(None, node, "an array")]
            for array in receivers:
                yield from self._method(array, func.attr, node, scope)
            if func.attr == "get_weights" and not node.args:
                yield _KerasWeights(node)
            if receivers:
                return
        for callee in self.of(func, scope):
            if isinstance(callee, Initializer):
                yield from self._made(node, Slot(callee.shape_position, "shape"), scope, "an initializer")

    def _made(self, node: ast.Call, slot: Slot, scope: Scope, what: str) -> Iterator[Array]:
        """The array a call makes with the shape it passes in ``slot``."""
        shape = self._shape_from(node, slot, scope)
        if shape is not None:
            yield Array(_fill_reshape(shape, None), node, what)

    def _framework_call(self, name: str, node: ast.Call, scope: Scope) -> Iterator[object]:
        leaf = name.rsplit(".", 1)[-1]
        if name in ARRAY_MAKERS:
            yield from self._made(node, ARRAY_MAKERS[name], scope, name)
        elif name in ARRAY_COPIES and node.args:
            for value in self.of(node.args[0], scope):
                if isinstance(value, Array):
                    yield value
                elif isinstance(value, (tuple, list)) and (shape := _literal_shape(value)) is not None:
                    yield Array(shape, node, name)
        elif name in RESHAPES and node.args:
            shape = self._shape(slot_argument(node, RESHAPES[name]), scope)
            arrays = [value for value in self.of(node.args[0], scope) if isinstance(value, Array)]
            for array in arrays or [Array(None, node, "an array")]:
                if shape is not None:
                    yield Array(_fill_reshape(shape, array.shape), node, f"{array.what}, reshaped")
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

    def _method(self, array: Array, method: str, node: ast.Call, scope: Scope) -> Iterator[object]:
        if method in SAME_ARRAY_METHODS:
            yield array
        elif method in ("reshape", "view"):
            shape = self._shape_from(node, Slot(0, "shape", varargs=True), scope)
            if shape is not None:
                yield Array(_fill_reshape(shape, array.shape), node, f"{array.what}, reshaped" if array.shape else "reshape")
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


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _dimension(value: object) -> int | None:
    """A dimension as written: a size, or -1 (reshape works it out); None if not known."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= -1 else None


def _takes_effect(write: Write) -> tuple[int, int]:
    """Where a write binds its name: after its statement for an assignment, else where it stands."""
    node = write.node
    if write.value is not None:
        return (node.end_lineno, node.end_col_offset)
    return (node.lineno, node.col_offset)


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


def _permute(values: list[object], order: object, origin: ast.AST) -> Iterator[Array]:
    for value in values:
        if not isinstance(value, Array):
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


def _swap(values: list[object], first: object, second: object, origin: ast.AST) -> Iterator[Array]:
    for value in values:
        if isinstance(value, Array) and value.shape is not None and isinstance(first, int) and isinstance(second, int):
            rank = len(value.shape)
            order = list(range(rank))
            if -rank <= first < rank and -rank <= second < rank:
                order[first], order[second] = order[second], order[first]
                permuted = value.permuted(tuple(order), origin)
                if permuted is not None:
                    yield permuted


# -- the layout check -----------------------------------------------------------------------

_SPATIAL_NAMES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}
_DEFAULT_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


@dataclass(frozen=True)
class _Specs:
    """The layouts a call reads its operands in: input (N, C) and kernel (O, I), letters as lax's."""

    input: str | None
    kernel: str
    output: str | None
    written: bool  # the kernel spec is in the call (not a default, not fixed)


def layout_flags(node: ast.Call, bound: BoundCall, scope: Scope, values: Values) -> list[Flag]:
    """CNV101/CNV107 for one call of a functional conv: the first implausible reading, if any."""
    api = bound.api
    operands = api.operands
    if operands is None:
        return []
    bound_arguments = bound.arguments
    kernel_arg = bound_arguments.get(operands.kernel)
    if kernel_arg is None:
        return []
    kernels = [value for value in values.of(kernel_arg.value, scope) if isinstance(value, Array)]
    if not kernels:
        return []
    input_arg = bound_arguments.get(operands.input)
    inputs = [value for value in values.of(input_arg.value, scope) if isinstance(value, Array)] if input_arg else []
    spec_arg = bound_arguments.get(operands.spec) if operands.spec else None
    group_arg = bound_arguments.get(operands.groups) if operands.groups else None
    groups = values.known(group_arg.value, scope) if group_arg else 1
    arguments = _Arguments(node, bound, scope, values)
    for kernel in kernels:
        for array in inputs or [None]:
            for specs in _specs(bound, spec_arg, kernel, array, scope, values):
                flag = _check(kernel, array, specs, groups, arguments)
                if flag is not None:
                    return [flag]
    return []


@dataclass(frozen=True)
class _Arguments:
    """The call being checked."""

    node: ast.Call
    bound: BoundCall
    scope: Scope
    values: Values

    def known(self, parameter: str | None) -> object | None:
        argument = self.bound.arguments.get(parameter) if parameter else None
        return self.values.known(argument.value, self.scope) if argument else None

    def where(self, parameter: str) -> ast.AST:
        return argument_node(self.node, self.bound.arguments[parameter])


def _rank(bound: BoundCall, kernel: Array, array: Array | None) -> int | None:
    """The number of axes of the call's arrays: from their shapes, a literal stride tuple or the API's name."""
    for shape in (kernel.shape, array.shape if array else None):
        if shape is not None:
            return len(shape)
    spatial = bound.spatial_rank() or bound.api.spatial_dims
    return spatial + 2 if spatial else None


def _specs(bound: BoundCall, spec_arg, kernel: Array, array: Array | None, scope: Scope, values: Values) -> Iterator[_Specs]:
    operands = bound.api.operands
    rank = _rank(bound, kernel, array)
    given = values.of(spec_arg.value, scope) if spec_arg is not None else [None]
    for value in given:
        if value is None:
            if rank is None or rank - 2 not in _DEFAULT_SPATIAL:
                continue
            spatial = _DEFAULT_SPATIAL[rank - 2]
            if operands.default == CHANNELS_LAST:
                yield _Specs(f"N{spatial}C", f"{spatial}IO", f"N{spatial}C", False)
            else:
                yield _Specs(f"NC{spatial}", f"OI{spatial}", f"NC{spatial}", False)
        elif operands.spec_has_kernel:
            if isinstance(value, tuple) and len(value) == 3 and all(isinstance(v, str) for v in value):
                lhs, rhs, out = value
                if _well_formed(lhs, "NC") and _well_formed(rhs, "OI"):
                    yield _Specs(lhs, rhs, out if _well_formed(out, "NC") else None, True)
        elif isinstance(value, str) and _well_formed(value, "NC"):
            spatial = "".join(letter for letter in value if letter not in "NC")
            yield _Specs(value, f"{spatial}IO", value, False)  # tf.nn: the filters are (*spatial, in, out)


def _well_formed(spec: str, special: str) -> bool:
    return len(spec) >= 3 and len(set(spec)) == len(spec) and all(letter in spec for letter in special)


def _check(kernel: Array, array: Array | None, specs: _Specs, groups: object, arguments: _Arguments) -> Flag | None:
    api = arguments.bound.api
    rhs = specs.kernel
    rank = len(rhs)
    if kernel.shape is not None and len(kernel.shape) != rank:
        return None
    parameter = api.operands.spec if specs.written else api.operands.kernel
    axes = kernel.axes(rank)
    if axes is not None:
        return _ported(api, kernel, axes, specs, arguments)
    if kernel.shape is None or None in kernel.shape:
        return None
    reading = _reading(kernel.shape, rhs)
    channels = _input_channels(array, specs.input)
    channels_wrong = channels is not None and isinstance(groups, int) and reading["I"] * groups != channels
    spatial = [size for letter, size in zip(rhs, kernel.shape) if letter not in "OI"]
    thin = (
        specs.written
        and all(size == 1 for size in spatial)
        and max(kernel.shape) > 1
        and specs.input is not None
        and _convention(rhs) != _convention(specs.input)
    )
    if not (channels_wrong or thin):
        return None
    fits = _fitting_spec(kernel.shape, rhs, specs.input, channels, groups if isinstance(groups, int) else None, thin)
    if thin and fits is None:
        return None  # a 1x1 kernel may be meant: nothing else reads better
    shape = _format_shape(kernel.shape)
    read_as = ", ".join(f"{letter}={size}" for letter, size in zip(rhs, kernel.shape))
    if channels_wrong:
        per_group = f" per group × {groups} groups" if groups != 1 else ""
        why = (
            f"{_count(reading['I'], 'input channel')}{per_group}, but the input {_format_shape(array.shape)} has"
            f" {channels}"
        )
    else:
        why = f"{_size_words(spatial)} kernel with {_count(reading['O'], 'output channel')}"
        output = _output_shape(array, specs, kernel.shape, arguments)
        if output is not None:
            why += f", so the output is {_format_shape(output)}"
    if fits is None:
        advice = "no other order of its axes fits the input either"
    elif specs.written:
        advice = f"for a ({_axis_words(fits)}) kernel use {fits!r}"
    else:
        order = tuple(fits.index(letter) for letter in rhs)
        advice = f"transpose it from ({_axis_words(fits)}) to ({_axis_words(rhs)}): axes {order}"
    spec_words = f"rhs spec {rhs!r}" if specs.written else f"its fixed kernel layout {rhs!r}"
    message = (
        f"{api.name} reads the kernel of shape {shape} ({kernel.what}, line {kernel.origin.lineno}) through"
        f" {spec_words} as {read_as}: {why} — {advice}"
    )
    return Flag(arguments.where(parameter), KERNEL_LAYOUT, message, parameter)


def _ported(api: ConvAPI, kernel: Array, axes: str, specs: _Specs, arguments: _Arguments) -> Flag | None:
    """CNV107: a layer's exported kernel read in another axis order than its own."""
    rhs = specs.kernel
    if all(a == b or (a == "S" and b not in "OI") for a, b in zip(axes, rhs)):
        return None
    spatial = iter(letter for letter in rhs if letter not in "OI")
    own = "".join(next(spatial) if axis == "S" else axis for axis in axes)
    order = tuple(own.index(letter) for letter in rhs)
    instead = f", or pass {own!r} as the rhs spec" if specs.written else ""
    message = (
        f"{api.name} reads {kernel.what} (line {kernel.origin.lineno}) as ({_axis_words(rhs)}), but it is laid out"
        f" ({_axis_words(own)}) — transpose it with axes {order} before the call{instead}"
    )
    return Flag(arguments.where(api.operands.kernel), PORTED_KERNEL, message, api.operands.kernel)


def _reading(shape: tuple[int, ...], rhs: str) -> dict[str, int]:
    return {letter: size for letter, size in zip(rhs, shape)}


def _input_channels(array: Array | None, lhs: str | None) -> int | None:
    if array is None or array.shape is None or lhs is None or len(array.shape) != len(lhs):
        return None
    return array.shape[lhs.index("C")]


def _convention(spec: str) -> str:
    """``first`` when the channels come before the spatial axes (``NCW``, ``OIW``), ``last`` after them (``NWC``, ``WIO``)."""
    spatial = [index for index, letter in enumerate(spec) if letter not in "NCOI"]
    channels = [index for index, letter in enumerate(spec) if letter in "COI"]
    return "first" if max(channels) < min(spatial) else "last" if min(channels) > max(spatial) else "other"


def _fitting_spec(shape, rhs: str, lhs: str | None, channels: int | None, groups: int | None, thin: bool) -> str | None:
    """The conventional kernel spec that reads ``shape`` plausibly, in-channels matching the input,
    a spatial size above 1 when the given reading had none: the forward layouts (the input's
    convention first), then the transposed-conv ones, ``IO...`` (PyTorch) and ``...OI`` (Keras)."""
    spatial = "".join(letter for letter in rhs if letter not in "OI")
    candidates = [f"{spatial}IO", f"OI{spatial}"]
    if lhs is not None and _convention(lhs) == "first":
        candidates.reverse()
    candidates += [f"IO{spatial}", f"{spatial}OI"]
    for candidate in candidates:
        if candidate == rhs:
            continue
        reading = _reading(shape, candidate)
        if channels is not None and groups is not None and reading["I"] * groups != channels:
            continue
        if thin and all(reading[letter] == 1 for letter in spatial):
            continue
        return candidate
    return None


def _output_shape(array: Array | None, specs: _Specs, kernel_shape, arguments: _Arguments) -> tuple[int, ...] | None:
    """What the call returns, when the input shape, strides, padding and dilation are all literals."""
    if array is None or array.shape is None or None in array.shape or specs.input is None or specs.output is None:
        return None
    lhs, rhs, out = specs.input, specs.kernel, specs.output
    if len(array.shape) != len(lhs) or len(out) != len(lhs) or any(letter not in lhs for letter in out if letter not in "NC"):
        return None
    window = arguments.bound.api.window
    spatial = [letter for letter in lhs if letter not in "NC"]

    def per_axis(parameter: str | None, default: int) -> list[int] | None:
        value = arguments.known(parameter)
        if value is None:
            value = default
        if isinstance(value, int):
            return [value] * len(spatial)
        if isinstance(value, tuple) and len(value) == len(spatial) and all(isinstance(v, int) for v in value):
            return list(value)
        return None

    strides = per_axis(window.strides, 1)
    dilations = per_axis(window.dilation, 1)
    padding = arguments.known("padding")
    if strides is None or dilations is None or padding is None or arguments.known("lhs_dilation") is not None:
        return None
    sizes = {}
    for axis, letter in enumerate(spatial):
        n, s, d = array.shape[lhs.index(letter)], strides[axis], dilations[axis]
        if letter not in rhs or s < 1:
            return None
        k = (kernel_shape[rhs.index(letter)] - 1) * d + 1
        if isinstance(padding, str) and padding.upper() in ("SAME", "SAME_LOWER"):
            sizes[letter] = -(-n // s)
        elif isinstance(padding, str) and padding.upper() == "VALID":
            sizes[letter] = max(-(-(n - k + 1) // s), 0)
        elif isinstance(padding, tuple) and len(padding) == len(spatial) and all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(v, int) for v in p) for p in padding
        ):
            low, high = padding[axis]
            sizes[letter] = max((n + low + high - k) // s + 1, 0)
        else:
            return None
    sizes["N"] = array.shape[lhs.index("N")]
    sizes["C"] = kernel_shape[rhs.index("O")]
    return tuple(sizes[letter] for letter in out)


def _format_shape(shape) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _size_words(spatial: list[int]) -> str:
    return "a width-1" if len(spatial) == 1 else "a " + "x".join(str(s) for s in spatial)


def _axis_words(spec: str) -> str:
    spatial = [letter for letter in spec if letter not in "OI"]
    names = dict(zip(spatial, _SPATIAL_NAMES.get(len(spatial), spatial)))
    return ", ".join("out" if letter == "O" else "in" if letter == "I" else names[letter] for letter in spec)

