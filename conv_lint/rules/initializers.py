"""CNV106 and CNV108: initializers whose name or formula means something else in another framework.

Haiku's truncated normal (std 0.88/sqrt(fan_in), not ``lecun_normal``), He-uniform next to
PyTorch's narrower default, JAX's ``uniform`` (all positive), and ``sqrt(c / fan)`` formulas labelled
with the wrong initializer's name. The per-call checks read a conv's initializer argument; the
per-module checks read every initializer call and draw of a module that calls convs.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator

from conv_lint.binding import ResolvedCall, argument_node, slot_argument
from conv_lint.catalog import (
    ALIGN_SOURCES, INITIALIZER_MODULES, KERNEL_INIT, NORMAL_STDS, STANDARD_NORMALS, TRUNCATED_NORMALS, TRUNCATED_STD,
    UNIFORM_BOUNDS,
)
from conv_lint.dataflow import Values
from conv_lint.resolve import ModuleNames, Scope, dotted_name
from conv_lint.rules.base import Flag, ModuleContext, Rule
from conv_lint.rules.facts import (
    FLAX_LECUN_NORMAL, KERAS_RANDOM_UNIFORM, TORCH_CONV_DEFAULT, InitializerContrast, LabelledFormula, TruncatedNormalStd,
)


def _haiku_default_init(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    node, bound = call.node, call.bound
    api = bound.api
    if api.provider != "haiku" or "flax" not in context.providers or not bound.relies_on_none("w_init"):
        return
    matching = ALIGN_SOURCES["haiku"][(KERNEL_INIT, "lecun_normal")].replace("{init}", "haiku.initializers")
    yield Flag(
        node,
        TRUNCATED_NORMAL,
        f"{api.name}'s default w_init is TruncatedNormal(1/sqrt(fan_in)), cut at ±2 stddev without rescaling:"
        f" std {TRUNCATED_STD:.2f}/sqrt(fan_in); Flax's lecun_normal() has std 1/sqrt(fan_in), though both are"
        f" described as 1/sqrt(fan_in) — pass w_init={matching} to draw as Flax does",
        "w_init",
        facts=InitializerContrast(FLAX_LECUN_NORMAL, matching),
    )


def _kernel_initializer(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    api, bound = call.api, call.bound
    for default in api.defaults:
        if default.hazard != KERNEL_INIT or not bound.passes(default.param):
            continue
        argument = bound.arguments[default.param]
        kind = _initializer_kind(argument.value, call.scope, context)
        source = ast.unparse(argument.value)
        where = argument_node(call.node, argument)
        if kind == "he_uniform" and "torch" in context.names.packages and api.library in ALIGN_SOURCES:
            torch_default = ALIGN_SOURCES[api.library].get((KERNEL_INIT, "kaiming_uniform"))
            written = torch_default.replace("{init}", api.initializers[0]) if torch_default else None
            instead = f" — for PyTorch's default write {written}" if written else ""
            yield Flag(
                where,
                INITIALIZER_NAME,
                f"{api.name} {default.param}={source} is He uniform, U(±sqrt(6/fan_in)); PyTorch's conv layers"
                " (this file imports torch) default to kaiming_uniform_(a=sqrt(5)), which is U(±1/sqrt(fan_in)),"
                f" sqrt(6) = 2.45 times narrower{instead}",
                default.param,
                facts=InitializerContrast(TORCH_CONV_DEFAULT, written),
            )
        elif kind == "uniform_from_zero":
            yield Flag(
                where,
                INITIALIZER_NAME,
                f"{api.name} {default.param}={source} draws from U[0, scale): every weight is positive (JAX's"
                " uniform starts at 0, unlike Keras' RandomUniform, U(-0.05, 0.05)) — for a range around 0 use"
                " variance_scaling(..., 'uniform') or jax.random.uniform(key, shape, minval=-s, maxval=s)",
                default.param,
                facts=InitializerContrast(KERAS_RANDOM_UNIFORM, None),  # the advice is no one initializer to write
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


def _truncated_normals(context: ModuleContext) -> Iterator[Flag]:
    """Truncated normals whose stddev is written as 1/sqrt(...)."""
    for call, scope in context.names.calls:
        for name in context.values.qualified(call.func, scope):
            if name in TRUNCATED_NORMALS:
                yield from _truncated_normal(call, scope, name, context)


def _labelled_formulas(context: ModuleContext) -> Iterator[Flag]:
    """Uniform and normal draws whose spread formula is labelled with another initializer's name."""
    values = context.values
    for call, scope in context.names.calls:
        for name in values.qualified(call.func, scope):
            if name in UNIFORM_BOUNDS:
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
    library = "haiku" if module.startswith("haiku") else "keras" if "keras" in module else "flax"
    lecun = ALIGN_SOURCES[library][(KERNEL_INIT, "lecun_normal")].replace("{init}", module)
    written = _written(stddev, scope, context.values)
    keyword = next((k for k in call.keywords if k.value is stddev), None)
    yield Flag(
        keyword or stddev,
        TRUNCATED_NORMAL,
        f"{name}(stddev={ast.unparse(stddev)}) cuts a normal of that std at ±2 stddev without rescaling, so the weights' std is"
        f" {TRUNCATED_STD:.2f} × ({written}); lecun_normal rescales to std exactly 1/sqrt(fan_in) — use {lecun}",
        "stddev",
        facts=TruncatedNormalStd(name, lecun),
    )


# sqrt(c / fan) formulas: (distribution, c, number of fan terms added) -> initializer scheme
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
# (distribution, scheme) -> (name, formula)
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
            facts=LabelledFormula(distribution, actual, label),
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


TRUNCATED_NORMAL = Rule(
    code="CNV106",
    name="truncated-normal-std",
    summary="A truncated normal with stddev 1/sqrt(fan_in) has std 0.88/sqrt(fan_in): it is not `lecun_normal`.",
    what_it_does=(
        "Flags truncated-normal initializers (Haiku `TruncatedNormal`, `jax.nn`/Flax"
        " `truncated_normal`, Keras `TruncatedNormal`) whose `stddev` is written as `1/sqrt(...)`,"
        " and Haiku conv layers that rely on their default `w_init` (that same initializer) in a file"
        " that also makes Flax convs."
    ),
    why=(
        "`stddev` is the standard deviation of the normal before it is cut at ±2 stddev, with no"
        " correction, so the weights' std is 0.8796 × stddev: Haiku's default `w_init`,"
        " `TruncatedNormal(1/sqrt(fan_in))`, has std 0.88/sqrt(fan_in) and bound 2/sqrt(fan_in), while"
        " Flax's `lecun_normal()` (`variance_scaling(1, 'fan_in', 'truncated_normal')`) divides by"
        " 0.8796 and has std exactly 1/sqrt(fan_in), although both are described as \"1/sqrt(fan_in)\"."
    ),
    example=(
        "import haiku as hk\nimport numpy as np\n\n"
        "w_init = hk.initializers.TruncatedNormal(stddev=1.0 / np.sqrt(fan_in))\n"
        "conv = hk.Conv1D(8, 3, w_init=w_init)\n"
    ),
    use_instead=(
        "import haiku as hk\n\n"
        "# std exactly 1/sqrt(fan_in), as Flax's lecun_normal()\n"
        "w_init = hk.initializers.VarianceScaling(1.0, 'fan_in', 'truncated_normal')\n"
        "conv = hk.Conv1D(8, 3, w_init=w_init)\n"
    ),
    fix_safety="No fix: replacing the initializer changes the weights drawn.",
    valid=(
        "import haiku as hk\nhk.Conv1D(4, 3, w_init=hk.initializers.VarianceScaling(1.0, 'fan_in', 'truncated_normal'))\n",
        "import haiku as hk\nhk.Conv1D(4, 3, w_init=hk.initializers.TruncatedNormal(0.02))\n",
        "import haiku as hk\nhk.Conv1D(4, 3)\n",
    ),
    invalid=(
        "import haiku as hk\nimport numpy as np\nhk.Conv1D(4, 3, w_init=hk.initializers.TruncatedNormal(1.0 / np.sqrt(12)))\n",
        "import math\nimport flax.linen as nn\nnn.Conv(4, 3, kernel_init=nn.initializers.truncated_normal(fan_in ** -0.5))\n",
        "import flax.linen as nn\nimport haiku as hk\nnn.Conv(4, 3)\nhk.Conv1D(4, 3)\n",
    ),
    frameworks=("flax", "haiku", "jax", "keras"),
    check=_haiku_default_init,
    check_module=_truncated_normals,
)

INITIALIZER_NAME = Rule(
    code="CNV108",
    name="initializer-name-mismatch",
    summary="An initializer whose name means something else in another framework, or a formula labelled with the wrong name.",
    what_it_does=(
        "Flags (1) a uniform or normal draw written as a formula (`random.uniform(key, shape,"
        " minval=-sqrt(6 / fan_in), maxval=sqrt(6 / fan_in))`, `random.normal(key, shape) * sqrt(2 /"
        " fan_in)`) that a name, comment or printed label calls Glorot/Xavier, He/Kaiming or LeCun when"
        " the formula is another one; (2) He/Kaiming-uniform kernel initializers on Keras, Flax or"
        " Haiku convs in a file that imports PyTorch, whose conv layers default to"
        " `kaiming_uniform_(a=sqrt(5))`; (3) `jax.nn`/Flax `initializers.uniform()` as a conv's kernel"
        " initializer."
    ),
    why=(
        "Glorot (Xavier) uniform is U(±sqrt(6/(fan_in+fan_out))), He (Kaiming) uniform"
        " U(±sqrt(6/fan_in)), LeCun uniform U(±sqrt(3/fan_in)): a formula under the wrong name is"
        " ported as the wrong one (the seed post's `sqrt(6/fan_in)` \"glorot\" kernel is sqrt(2) too"
        " wide for k = 3, in = out = 1). PyTorch's conv default is called kaiming_uniform but uses"
        " a = sqrt(5), which makes it U(±1/sqrt(fan_in)), sqrt(6) times narrower than `he_uniform`."
        " And `uniform(scale)` in JAX and Flax is U[0, scale): every weight positive, unlike Keras'"
        " `RandomUniform` (±0.05) or anything called uniform elsewhere."
    ),
    example=(
        "import jax.numpy as jnp\nfrom jax import lax, random\n\n"
        "glorot_w = random.uniform(key, (3, 1, 1), minval=-jnp.sqrt(6 / fan_in), maxval=jnp.sqrt(6 / fan_in))\n"
        "y = lax.conv_general_dilated(x, glorot_w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
    ),
    use_instead=(
        "import jax.numpy as jnp\nfrom jax import lax, random\n\n"
        "limit = jnp.sqrt(6 / (fan_in + fan_out))\n"
        "glorot_w = random.uniform(key, (3, 1, 1), minval=-limit, maxval=limit)\n"
        "y = lax.conv_general_dilated(x, glorot_w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
    ),
    fix_safety="No fix: which initializer was meant is the author's to say.",
    valid=(
        "import jax.numpy as jnp\nfrom jax import lax, random\ny = lax.conv(x, w, (1,), 'SAME')\n"
        "he_w = random.uniform(key, (3, 1, 1), minval=-jnp.sqrt(6 / fan_in), maxval=jnp.sqrt(6 / fan_in))\n",
        "import flax.linen as nn\nnn.Conv(4, 3, kernel_init=nn.initializers.kaiming_uniform())\n",
        "import flax.linen as nn\nnn.Conv(4, 3, kernel_init=nn.initializers.normal(0.02))\n",
    ),
    invalid=(
        "import jax.numpy as jnp\nfrom jax import lax, random\ny = lax.conv(x, w0, (1,), 'SAME')\n"
        "w = random.uniform(key, (3, 1, 1), minval=-jnp.sqrt(6 / fan_in), maxval=jnp.sqrt(6 / fan_in))  # glorot\n",
        "import numpy as np\nfrom jax import lax\ny = lax.conv(x, w0, (1,), 'SAME')\ndef xavier_init(shape, fan_in):\n"
        "    return np.random.normal(0, np.sqrt(2 / fan_in), shape)\n",
        "import keras\nimport torch\nkeras.layers.Conv1D(8, 3, kernel_initializer='he_uniform')\n",
        "import flax.linen as nn\nnn.Conv(4, 3, kernel_init=nn.initializers.uniform(0.05))\n",
    ),
    frameworks=("flax", "haiku", "jax", "keras", "numpy", "tensorflow", "torch"),
    check=_kernel_initializer,
    check_module=_labelled_formulas,
)

RULES = (TRUNCATED_NORMAL, INITIALIZER_NAME)
