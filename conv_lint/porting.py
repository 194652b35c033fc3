"""Porting hazards: values that are correct in one framework and mean something else in another.

Padding strings and integers (Keras ``'causal'``, ``'same'`` that PyTorch cannot reproduce,
integer padding no string reproduces), initializers (Haiku's truncated normal, He-uniform next to
PyTorch, JAX's ``uniform``, formulas labelled with the wrong name) and the opt-in precision rule.
``call_flags`` looks at one resolved conv call, ``module_flags`` at the initializer calls of a
module that calls convs. Values come from ``conv_lint.shapes.Values``, so ``kernel_size=K`` with
``K = 4`` earlier counts as a literal.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from conv_lint.catalog import (
    ALIGN_SOURCES,
    INITIALIZER_MODULES,
    JAX,
    KERNEL_INIT,
    NORMAL_STDS,
    STANDARD_NORMALS,
    TORCH,
    TRUNCATED_NORMALS,
    TRUNCATED_STD,
    UNIFORM_BOUNDS,
    ConvAPI,
)
from conv_lint.resolve import Argument, BoundCall, ModuleNames, Scope, argument_node, dotted_name, slot_argument
from conv_lint.rules import (
    CAUSAL_PADDING,
    EXPLICIT_PADDING,
    IMPLICIT_PRECISION,
    INITIALIZER_NAME,
    SAME_PADDING_TORCH,
    TRUNCATED_NORMAL,
    Flag,
)
from conv_lint.shapes import Values

# Families whose padding is a string (Keras, tf.nn and lax take nothing else).
STRING_PADDING = frozenset({"keras", "flax", "haiku", "tensorflow.nn", "jax.lax"})
# Families whose padding may be integers.
INTEGER_PADDING = frozenset({"flax", "equinox", "torch"})


def family(api: ConvAPI) -> str:
    """``keras``, ``flax``, ``torch``, ... or the module of a functional API (``jax.lax``)."""
    return api.family or api.name.rpartition(".")[0]


@dataclass
class ModuleContext:
    """What the checks need to know about the module around a call."""

    names: ModuleNames
    values: Values
    families: set[str]  # of the conv calls the module makes
    line: Callable[[int], str]  # a source line, decoded only when asked for


# -- per call ----------------------------------------------------------------------------------


def call_flags(node: ast.Call, bound: BoundCall, scope: Scope, context: ModuleContext) -> list[Flag]:
    api = bound.api
    flags = [
        *_causal(node, bound, scope, context),
        *_same_padding(node, bound, scope, context),
        *_explicit_padding(node, bound, scope, context),
        *_haiku_default_init(node, bound, context),
        *_kernel_initializer(node, bound, scope, context),
    ]
    if api.side == JAX and "precision" in api.parameters and _relies_on_none(bound, "precision"):
        message = (
            f"{api.name} leaves precision=None: on GPUs with TF32 (Ampere and newer) float32 convolutions"
            " then run in TF32 (max relative error 2.9e-4 on an H100, 7e-7 with precision='highest') — pass"
            " precision= explicitly"
        )
        flags.append(Flag(node, IMPLICIT_PRECISION, message, "precision"))
    return flags


def _relies_on_none(bound: BoundCall, parameter: str) -> bool:
    return not bound.passes(parameter) or bound.passes_constant(parameter, None)


@dataclass(frozen=True)
class _Window:
    """A call's window, per spatial axis, where the source gives it."""

    sizes: list[int] | None
    strides: list[int] | None
    dilations: list[int] | None


def _window(bound: BoundCall, scope: Scope, values: Values) -> _Window:
    window = bound.api.window

    def ints(parameter: str | None, default: int | None) -> list[int] | None:
        argument = bound.arguments.get(parameter) if parameter else None
        if argument is None:
            return None if default is None else [default]
        value = values.known(argument.value, scope)
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        if isinstance(value, tuple) and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return list(value)
        return None

    if window is None:
        return _Window(None, None, None)
    return _Window(ints(window.size, None), ints(window.strides, 1), ints(window.dilation, 1))


def _padding(bound: BoundCall, scope: Scope, values: Values) -> tuple[Argument, object] | None:
    argument = bound.arguments.get("padding")
    if argument is None:
        return None
    value = values.known(argument.value, scope)
    return (argument, value) if value is not None else None


def _effective(window: _Window) -> list[int] | None:
    """(k - 1) * d per spatial axis: the padding 'same' adds at stride 1."""
    if window.sizes is None or window.dilations is None:
        return None
    rank = max(len(window.sizes), len(window.dilations))
    if {len(window.sizes), len(window.dilations)} - {1, rank}:
        return None
    sizes = window.sizes * rank if len(window.sizes) == 1 else window.sizes
    dilations = window.dilations * rank if len(window.dilations) == 1 else window.dilations
    return [(k - 1) * d for k, d in zip(sizes, dilations)]


def _pairs(pairs: list[tuple[int, int]]) -> str:
    return str(pairs[0]) if len(set(pairs)) == 1 else ", ".join(map(str, pairs))


def _causal(node: ast.Call, bound: BoundCall, scope: Scope, context: ModuleContext) -> Iterator[Flag]:
    padding = _padding(bound, scope, context.values)
    if family(bound.api) != "keras" or padding is None:
        return
    argument, value = padding
    if not (isinstance(value, str) and value.lower() == "causal"):
        return
    effective = _effective(_window(bound, scope, context.values))
    pad = str(effective[0]) if effective and len(effective) == 1 else "(kernel_size - 1) * dilation_rate"
    yield Flag(
        argument_node(node, argument),
        CAUSAL_PADDING,
        f"{bound.api.name} padding={value!r} pads {pad} steps at the start only; lax, Haiku, Equinox and PyTorch"
        f" have no such string — write padding=[({pad}, 0)] in lax, Haiku or Equinox, 'CAUSAL' in Flax, and"
        f" F.pad(x, ({pad}, 0)) before a padding=0 conv in PyTorch",
        "padding",
    )


def _same_padding(node: ast.Call, bound: BoundCall, scope: Scope, context: ModuleContext) -> Iterator[Flag]:
    padding = _padding(bound, scope, context.values)
    api = bound.api
    if padding is None or api.transposed:
        return
    argument, value = padding
    if not (isinstance(value, str) and value.lower() == "same"):
        return
    window = _window(bound, scope, context.values)
    strided = window.strides is not None and any(s > 1 for s in window.strides)
    where = argument_node(node, argument)
    if api.side == TORCH:
        if strided:
            yield Flag(
                where,
                SAME_PADDING_TORCH,
                f"{api.name} padding={value!r} with stride {_axes(window.strides)} raises RuntimeError: PyTorch pads"
                " 'same' for stride 1 only (Keras and JAX pad by the input length) — F.pad the input and use padding=0",
                "padding",
            )
        return
    if "torch" not in context.names.packages:
        return
    effective = _effective(window)
    if strided:
        stride = max(window.strides)
        example = ""
        if effective is not None and len(set(effective)) == 1:
            total = max((math.ceil(8 / stride) - 1) * stride + effective[0] + 1 - 8, 0)
            example = f", ({total // 2}, {total - total // 2}) for n = 8"
        message = (
            f"{api.name} padding={value!r} with stride {_axes(window.strides)} pads by the input length n"
            f" (max((ceil(n/s) - 1)*s + (k - 1)*d + 1 - n, 0) in all, the extra on the right{example}); PyTorch's"
            " padding='same' raises for stride > 1 and its integer padding is the same on both sides —"
            " F.pad the input for the lengths you use, then padding=0"
        )
    elif effective is not None and any(t % 2 for t in effective):
        pairs = [(t // 2, t - t // 2) for t in effective]
        message = (
            f"{api.name} padding={value!r} with kernel size {_axes(window.sizes)} pads {_pairs(pairs)} (the extra on"
            " the right); PyTorch's integer padding is the same on both sides — in PyTorch use padding='same'"
            f" (stride 1 only) or F.pad the input by {_pairs(pairs)} and padding=0"
        )
    else:
        return
    yield Flag(where, SAME_PADDING_TORCH, message, "padding")


def _axes(values: list[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(tuple(values))


def _explicit_padding(node: ast.Call, bound: BoundCall, scope: Scope, context: ModuleContext) -> Iterator[Flag]:
    api = bound.api
    own = family(api)
    if own not in INTEGER_PADDING or api.transposed or not (context.families - {own}) & STRING_PADDING:
        return
    padding = _padding(bound, scope, context.values)
    window = _window(bound, scope, context.values)
    effective = _effective(window)
    if padding is None or effective is None or window.strides is None:
        return
    argument, value = padding
    pairs = _explicit_pairs(value, len(effective))
    if pairs is None or len(pairs) != len(effective):
        return
    same = [(t // 2, t - t // 2) for t in effective]
    stride_one = all(s == 1 for s in window.strides)
    if all(pair == (0, 0) for pair in pairs) or stride_one and pairs == same:
        return
    if stride_one and len(pairs) == 1 and pairs[0] == (effective[0], 0):
        return  # Keras 'causal', Flax 'CAUSAL'
    layer = f"keras.layers.ZeroPadding{len(pairs)}D({_pairs(pairs) if len(pairs) == 1 else tuple(pairs)})"
    if pairs == same:
        why = (
            f"pads {_pairs(pairs)} whatever the input length, while 'same' with stride {_axes(window.strides)} pads by"
            " the length (less on the left for some lengths)"
        )
    else:
        why = f"pads {_pairs(pairs)}, which neither 'valid' nor 'same' ({_pairs(same)} at stride 1) does"
    yield Flag(
        argument_node(node, argument),
        EXPLICIT_PADDING,
        f"{api.name} padding={ast.unparse(argument.value)} {why} — no padding string reproduces it: write"
        f" padding={list(pairs)} in Flax or lax, and {layer} before a padding='valid' conv in Keras",
        "padding",
    )


def _explicit_pairs(value: object, rank: int) -> list[tuple[int, int]] | None:
    """Integer padding as (low, high) per spatial axis: ``1``, ``(1, 2)`` (one per axis), ``((1, 2),)``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [(value, value)] * rank
    if not isinstance(value, tuple) or not value:
        return None
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return [(v, v) for v in value]
    if all(isinstance(v, tuple) and len(v) == 2 and all(isinstance(i, int) for i in v) for v in value):
        return [tuple(v) for v in value]
    return None


def _haiku_default_init(node: ast.Call, bound: BoundCall, context: ModuleContext) -> Iterator[Flag]:
    api = bound.api
    if family(api) != "haiku" or "flax" not in context.families or not _relies_on_none(bound, "w_init"):
        return
    matching = ALIGN_SOURCES["haiku"][(KERNEL_INIT, "lecun_normal")].replace("{init}", "haiku.initializers")
    yield Flag(
        node,
        TRUNCATED_NORMAL,
        f"{api.name}'s default w_init is TruncatedNormal(1/sqrt(fan_in)), cut at ±2 stddev without rescaling:"
        f" std {TRUNCATED_STD:.2f}/sqrt(fan_in); Flax's lecun_normal() has std 1/sqrt(fan_in), though both are"
        f" described as 1/sqrt(fan_in) — pass w_init={matching} to draw as Flax does",
        "w_init",
    )


def _kernel_initializer(node: ast.Call, bound: BoundCall, scope: Scope, context: ModuleContext) -> Iterator[Flag]:
    api = bound.api
    for default in api.defaults:
        if default.hazard != KERNEL_INIT or not bound.passes(default.param):
            continue
        argument = bound.arguments[default.param]
        kind = _initializer_kind(argument.value, scope, context)
        source = ast.unparse(argument.value)
        where = argument_node(node, argument)
        if kind == "he_uniform" and "torch" in context.names.packages and api.family in ALIGN_SOURCES:
            torch_default = ALIGN_SOURCES[api.family].get((KERNEL_INIT, "kaiming_uniform"))
            instead = f" — for PyTorch's default write {torch_default.replace('{init}', api.initializers[0])}" if torch_default else ""
            yield Flag(
                where,
                INITIALIZER_NAME,
                f"{api.name} {default.param}={source} is He uniform, U(±sqrt(6/fan_in)); PyTorch's conv layers"
                " (this file imports torch) default to kaiming_uniform_(a=sqrt(5)), which is U(±1/sqrt(fan_in)),"
                f" sqrt(6) = 2.45 times narrower{instead}",
                default.param,
            )
        elif kind == "uniform_from_zero":
            yield Flag(
                where,
                INITIALIZER_NAME,
                f"{api.name} {default.param}={source} draws from U[0, scale): every weight is positive (JAX's"
                " uniform starts at 0, unlike Keras' RandomUniform, U(-0.05, 0.05)) — for a range around 0 use"
                " variance_scaling(..., 'uniform') or jax.random.uniform(key, shape, minval=-s, maxval=s)",
                default.param,
            )


def _initializer_kind(node: ast.expr, scope: Scope, context: ModuleContext, depth: int = 0) -> str | None:
    """``he_uniform`` or ``uniform_from_zero`` for the initializers those rules are about."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "he_uniform" if node.value.lower() in ("he_uniform", "heuniform") else None
    if isinstance(node, ast.Name) and depth < 4:
        found = context.values.definition(node, scope)
        return _initializer_kind(found[0], found[1], context, depth + 1) if found else None
    if not isinstance(node, ast.Call):
        return None
    for name in context.values.qualified(node.func, scope):
        module, _, leaf = name.rpartition(".")
        if leaf in ("he_uniform", "kaiming_uniform", "HeUniform"):
            return "he_uniform"
        if leaf == "uniform" and INITIALIZER_MODULES.get(module) == 1:
            return "uniform_from_zero"
        if leaf == "RandomUniform" and module == "haiku.initializers" and not node.args and not any(
            k.arg == "minval" for k in node.keywords
        ):
            return "uniform_from_zero"
    return None


# -- per module: initializer calls -----------------------------------------------------------


def module_flags(context: ModuleContext) -> Iterator[Flag]:
    """Truncated normals with stddev 1/sqrt(...), and formulas labelled with another initializer's name."""
    values = context.values
    for call, scope in context.names.calls:
        for name in values.qualified(call.func, scope):
            if name in TRUNCATED_NORMALS:
                yield from _truncated_normal(call, scope, name, context)
            elif name in UNIFORM_BOUNDS:
                low, high = (slot_argument(call, slot) for slot in UNIFORM_BOUNDS[name])
                bound = high if high is not None else low
                yield from _labelled_formula(call, scope, "uniform", bound, context)
            elif name in NORMAL_STDS:
                yield from _labelled_formula(call, scope, "normal", slot_argument(call, NORMAL_STDS[name]), context)
    for scope, target, value in _assignments(context.names):
        # `random.normal(key, shape) * std`: a standard normal scaled by a formula.
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mult):
            for draw, std in ((value.left, value.right), (value.right, value.left)):
                if isinstance(draw, ast.Call) and STANDARD_NORMALS & set(values.qualified(draw.func, scope)):
                    yield from _labelled_formula(draw, scope, "normal", std, context)


def _assignments(names: ModuleNames) -> Iterator[tuple[Scope, str, ast.expr]]:
    for scope in names.scopes:
        for target, writes in scope.writes.items():
            for write in writes:
                if write.value is not None:
                    yield scope, target, write.value


def _truncated_normal(call: ast.Call, scope: Scope, name: str, context: ModuleContext) -> Iterator[Flag]:
    stddev = slot_argument(call, TRUNCATED_NORMALS[name])
    formula = _formula(stddev, scope, context.values) if stddev is not None else None
    if formula is None or formula[0] != 1.0:
        return
    module = name.rpartition(".")[0]
    family_name = "haiku" if module.startswith("haiku") else "keras" if "keras" in module else "flax"
    lecun = ALIGN_SOURCES[family_name][(KERNEL_INIT, "lecun_normal")].replace("{init}", module)
    written = _written(stddev, scope, context.values)
    keyword = next((k for k in call.keywords if k.value is stddev), None)
    yield Flag(
        keyword or stddev,
        TRUNCATED_NORMAL,
        f"{name}(stddev={ast.unparse(stddev)}) cuts a normal of that std at ±2 stddev without rescaling, so the weights' std is"
        f" {TRUNCATED_STD:.2f} × ({written}); lecun_normal rescales to std exactly 1/sqrt(fan_in) — use {lecun}",
        "stddev",
    )


# sqrt(c / fan) formulas: (distribution, c, number of fan terms added) -> initializer family
FORMULAS = {
    ("uniform", 6.0, 2): "glorot",
    ("uniform", 6.0, 1): "he",
    ("uniform", 3.0, 1): "lecun",
    ("uniform", 1.0, 1): "torch",
    ("normal", 2.0, 2): "glorot",
    ("normal", 2.0, 1): "he",
    ("normal", 1.0, 1): "lecun",
}
# What each label means, per distribution, and the formulas a label may stand for.
LABELS = {"glorot": "glorot", "xavier": "glorot", "he": "he", "kaiming": "he", "lecun": "lecun"}
ACCEPTS = {"glorot": {"glorot"}, "he": {"he", "torch"}, "lecun": {"lecun"}}
# (distribution, family) -> (name, formula)
DEFINITIONS = {
    ("uniform", "glorot"): ("Glorot (Xavier) uniform", "U(±sqrt(6/(fan_in + fan_out)))"),
    ("uniform", "he"): ("He (Kaiming) uniform", "U(±sqrt(6/fan_in))"),
    ("uniform", "lecun"): ("LeCun uniform", "U(±sqrt(3/fan_in))"),
    ("uniform", "torch"): ("PyTorch's conv default, kaiming_uniform_(a=sqrt(5))", "U(±1/sqrt(fan_in))"),
    ("normal", "glorot"): ("Glorot (Xavier) normal", "N(0, 2/(fan_in + fan_out))"),
    ("normal", "he"): ("He (Kaiming) normal", "N(0, 2/fan_in)"),
    ("normal", "lecun"): ("LeCun normal", "N(0, 1/fan_in)"),
}
_LABEL_WORD = re.compile(r"(?<![a-z])(glorot|xavier|kaiming|lecun|he)(?![a-z])")


def _labelled_formula(
    call: ast.Call, scope: Scope, distribution: str, spread: ast.expr | None, context: ModuleContext
) -> Iterator[Flag]:
    formula = _formula(spread, scope, context.values) if spread is not None else None
    actual = FORMULAS.get((distribution, *formula)) if formula else None
    if actual is None:
        return
    for word, line in _labels(call, scope, context):
        label = LABELS[word]
        if actual in ACCEPTS[label]:
            return
        written = _written(spread, scope, context.values).lstrip("-")
        drawn = f"U(±{written})" if distribution == "uniform" else f"N(0, ({written})²)"
        actual_name, actual_formula = DEFINITIONS[(distribution, actual)]
        label_name, label_formula = DEFINITIONS[(distribution, label)]
        yield Flag(
            call,
            INITIALIZER_NAME,
            f"{drawn} is labelled {word!r} (line {line}), but it is {actual_name}, {actual_formula};"
            f" {label_name} is {label_formula}",
        )
        return


def _formula(node: ast.expr, scope: Scope, values: Values, depth: int = 0) -> tuple[float, int] | None:
    """``sqrt(c / fan)`` written in any of the usual ways -> (c, number of terms added in fan; 0 for a number)."""
    if depth > 4:
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _formula(node.operand, scope, values, depth + 1)
    if isinstance(node, ast.Name):
        found = values.definition(node, scope)
        return _formula(found[0], found[1], values, depth + 1) if found else None
    if _is_sqrt(node):
        inner = node.args[0]
        if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Div):
            c = _number(inner.left, scope, values)
            return (c, _fan_terms(inner.right, scope, values)) if c is not None else None
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _is_sqrt(node.right):
        numerator = node.left.args[0] if _is_sqrt(node.left) else None
        c = _number(numerator, scope, values) if numerator is not None else _square(_number(node.left, scope, values))
        return (c, _fan_terms(node.right.args[0], scope, values)) if c is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = _number(node.right, scope, values)
        base = node.left
        if exponent == 0.5 and isinstance(base, ast.BinOp) and isinstance(base.op, ast.Div):
            c = _number(base.left, scope, values)
            return (c, _fan_terms(base.right, scope, values)) if c is not None else None
        if exponent == -0.5:
            return (1.0, _fan_terms(base, scope, values))
    return None


def _written(node: ast.expr, scope: Scope, values: Values) -> str:
    """The source of an expression, through the names it is assigned to: ``limit`` -> ``jnp.sqrt(6 / fan_in)``."""
    for _ in range(4):
        found = values.definition(node, scope) if isinstance(node, ast.Name) else None
        if found is None:
            break
        node, scope = found
    return ast.unparse(node)


def _is_sqrt(node: ast.expr) -> bool:
    dotted = dotted_name(node.func) if isinstance(node, ast.Call) else None
    return dotted is not None and dotted.rpartition(".")[2] == "sqrt" and len(node.args) == 1 and not node.keywords


def _number(node: ast.expr | None, scope: Scope, values: Values) -> float | None:
    value = values.known(node, scope)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _square(value: float | None) -> float | None:
    return value * value if value is not None else None


def _fan_terms(node: ast.expr, scope: Scope, values: Values, depth: int = 0) -> int:
    """How many fans a denominator adds: ``fan_in`` 1, ``fan_in + fan_out`` 2; 0 for a bare number."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and depth < 8:
        return _fan_terms(node.left, scope, values, depth + 1) + _fan_terms(node.right, scope, values, depth + 1)
    if isinstance(node, ast.Constant):
        return 0  # sqrt(6 / 4): which fans 4 stands for is not written
    if isinstance(node, ast.Name) and depth < 4:
        found = values.definition(node, scope)
        if found and isinstance(found[0], ast.BinOp) and isinstance(found[0].op, ast.Add):
            return _fan_terms(found[0], found[1], values, depth + 1)
    return 1


def _labels(call: ast.Call, scope: Scope, context: ModuleContext) -> Iterator[tuple[str, int]]:
    """Initializer names the source gives the draw ``call`` makes: the name it is assigned to, the
    function it is in, comments on its lines or the line above, strings printed beside it."""
    target, statement = _assigned_in(call, scope)
    if target is not None:
        yield from _words(target, statement.lineno)
    owner = scope.node
    if isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield from _words(owner.name, owner.lineno)
    first, last = (statement or call).lineno, (statement or call).end_lineno
    for number in range(max(first - 1, 1), last + 1):
        for comment in _comments(context.line(number)):
            yield from _words(comment, number)
    if target is not None:
        for other, other_scope in context.names.calls:
            if other_scope is scope and any(isinstance(arg, ast.Name) and arg.id == target for arg in other.args):
                for arg in other.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        yield from _words(arg.value, other.lineno)


def _assigned_in(call: ast.Call, scope: Scope) -> tuple[str | None, ast.stmt | None]:
    """The name whose assignment's value holds ``call``, and the assignment."""
    position = (call.lineno, call.col_offset)
    for target, writes in scope.writes.items():
        for write in writes:
            value = write.value
            if value is not None and (value.lineno, value.col_offset) <= position <= (value.end_lineno, value.end_col_offset):
                return target, write.node
    return None, None


def _words(text: str, line: int) -> Iterator[tuple[str, int]]:
    # "HeUniform" -> "he_uniform": split camel case before matching whole words.
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text).lower()
    for match in _LABEL_WORD.finditer(spaced):
        yield match.group(1), line


def _comments(line: str) -> list[str]:
    comments = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                comments.append(token.string)
    except (tokenize.TokenError, SyntaxError):
        pass  # a line that opens a bracket or string: the comments before the error are kept
    return comments
