"""CNV102-104: padding values that are right in their own framework and have no equivalent in another.

Keras ``'causal'`` (no string in lax, Haiku, Equinox, PyTorch), ``'same'`` that PyTorch cannot
reproduce (an even kernel, a stride above 1) and integer padding no ``'valid'``/``'same'`` string
reproduces. Kernel sizes, strides and dilations are read with ``conv_lint.dataflow.Values``, so
``kernel_size=K`` with ``K = 4`` earlier counts as a literal.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass

from conv_lint.binding import Argument, BoundCall, ResolvedCall, argument_node
from conv_lint.catalog import TORCH
from conv_lint.dataflow import Values
from conv_lint.resolve import Scope
from conv_lint.rules.base import Flag, ModuleContext, Rule

STRING_PADDING = frozenset({"keras", "flax", "haiku", "tensorflow.nn", "jax.lax"})
# Providers whose padding may be integers.
INTEGER_PADDING = frozenset({"flax", "equinox", "torch"})

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


def _causal(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    node, bound, scope = call.node, call.bound, call.scope
    padding = _padding(bound, scope, context.values)
    if bound.api.provider != "keras" or padding is None:
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


def _same_padding(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    node, bound, scope = call.node, call.bound, call.scope
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


def _explicit_padding(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    node, bound, scope = call.node, call.bound, call.scope
    api = bound.api
    own = api.provider
    if own not in INTEGER_PADDING or api.transposed or not (context.providers - {own}) & STRING_PADDING:
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


CAUSAL_PADDING = Rule(
    code="CNV102",
    name="causal-padding",
    summary="Keras `padding='causal'` has no equivalent string in lax, Haiku, Equinox or PyTorch.",
    what_it_does=(
        "Flags Keras conv layers created with `padding='causal'` and gives the explicit padding pair"
        " it stands for, `((kernel_size - 1) * dilation_rate, 0)`, computed from the call."
    ),
    why=(
        "`'causal'` pads the start of the sequence only. lax, Haiku and Equinox have no such string"
        " (lax raises on it; their `'SAME'` pads both sides) and PyTorch has none either, so a port"
        " that picks the closest-looking string shifts every output step. Flax's linen and nnx `Conv`"
        " accept `'CAUSAL'` (1-D only, upper case)."
    ),
    example="import keras\n\nlayer = keras.layers.Conv1D(8, 3, padding='causal', dilation_rate=2)\n",
    use_instead=(
        "# the same padding, written out where no 'causal' string exists:\n"
        "from jax import lax\n\n"
        "y = lax.conv_general_dilated(x, w, (1,), [(4, 0)], rhs_dilation=(2,),"
        " dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
    ),
    fix_safety="No fix: the Keras call is correct; the finding is a note for the port.",
    valid=(
        "import keras\nkeras.layers.Conv1D(8, 3, padding='same')\n",
        "import flax.linen as nn\nnn.Conv(8, 3, padding='CAUSAL')\n",
    ),
    invalid=(
        "import keras\nkeras.layers.Conv1D(8, 3, padding='causal')\n",
        "from tensorflow.keras import layers\nlayers.Conv1D(8, 4, 1, 'Causal', dilation_rate=2)\n",
    ),
    frameworks=("keras",),
    port_targets=("jax", "haiku", "equinox", "torch"),
    check=_causal,
)

SAME_PADDING_TORCH = Rule(
    code="CNV103",
    name="same-padding-torch-port",
    summary="`'same'` padding that PyTorch cannot reproduce: even kernel or stride > 1, in a file that uses PyTorch.",
    what_it_does=(
        "In a file that imports `torch`, flags Keras, Flax, Haiku, Equinox and `tf.nn`/lax calls with"
        " `'same'` padding whose kernel is even (more precisely: `(kernel_size - 1) * dilation` is odd)"
        " or whose stride is above 1. Also flags PyTorch's own `padding='same'` with a stride above 1,"
        " wherever it is."
    ),
    why=(
        "With an even kernel, `'same'` pads one more element on the right, `(1, 2)` for a kernel of 4;"
        " PyTorch's integer padding is the same on both sides, so `padding=k // 2` gives a different"
        " output (and length). With a stride above 1, `'same'` pads by the input length"
        " (`max((ceil(n / s) - 1) * s + (k - 1) * d + 1 - n, 0)`, `(0, 1)` for n = 8, k = 3, s = 2)"
        " and PyTorch's `padding='same'` raises `RuntimeError` for strided convolutions."
    ),
    example="import keras\nimport torch\n\nlayer = keras.layers.Conv1D(8, 4, padding='same')\n",
    use_instead=(
        "import torch\nimport torch.nn.functional as F\n\n"
        "# PyTorch: pad (1, 2) explicitly, then convolve without padding\n"
        "y = F.conv1d(F.pad(x, (1, 2)), w)\n"
    ),
    fix_safety="No fix: the call is correct in its own framework; the finding is a note for the port.",
    valid=(
        "import keras\nimport torch\nkeras.layers.Conv1D(8, 3, padding='same')\n",
        "import keras\nkeras.layers.Conv1D(8, 4, padding='same')\n",
        "import torch\ntorch.nn.Conv1d(4, 8, 4, padding='same')\n",
    ),
    invalid=(
        "import keras\nimport torch\nkeras.layers.Conv1D(8, 4, padding='same')\n",
        "import flax.linen as nn\nimport torch\nnn.Conv(8, (3, 3), strides=2, padding='SAME')\n",
        "from torch import nn\nnn.Conv1d(4, 8, 3, stride=2, padding='same')\n",
    ),
    frameworks=("equinox", "flax", "haiku", "jax", "keras", "tensorflow", "torch"),
    port_targets=("torch",),
    check=_same_padding,
)

EXPLICIT_PADDING = Rule(
    code="CNV104",
    name="explicit-padding-no-string-equivalent",
    summary="Integer padding that no `'valid'`/`'same'` string reproduces, in a file that also uses string padding.",
    what_it_does=(
        "In a file that also calls a conv padded by strings (Keras, Flax, Haiku, `tf.nn`, lax), flags"
        " Flax, Equinox and PyTorch calls whose integer or explicit padding is neither `0` (= `'valid'`)"
        " nor what `'same'` pads at stride 1 (`((k - 1) * d // 2, (k - 1) * d - (k - 1) * d // 2)`), nor"
        " Keras' `'causal'`; and symmetric padding with a stride above 1, which equals `'same'` only for"
        " some input lengths."
    ),
    why=(
        "`nn.Conv1d(4, 8, 3, padding=1)` ports to `padding='same'` only at stride 1: with stride 2"
        " PyTorch pads `(1, 1)` always, while `'same'` pads `(0, 1)` for even lengths, the same output"
        " length with shifted values. `padding=2` with a kernel of 3 has no string at all: Keras needs"
        " a `ZeroPadding1D` layer. (`padding=0` is exactly `'valid'`.)"
    ),
    example=(
        "import keras\nfrom torch import nn\n\n"
        "keras_conv = keras.layers.Conv1D(8, 3, 2, 'same')\n"
        "torch_conv = nn.Conv1d(4, 8, 3, stride=2, padding=1)\n"
    ),
    use_instead=(
        "import keras\n\n"
        "# the PyTorch layer's exact padding, (1, 1) at every length, in Keras\n"
        "keras_conv = keras.Sequential([keras.layers.ZeroPadding1D((1, 1)), keras.layers.Conv1D(8, 3, 2, 'valid')])\n"
    ),
    fix_safety="No fix: the call is correct in its own framework; the finding is a note for the port.",
    valid=(
        "import keras\nfrom torch import nn\nkeras.layers.Conv1D(8, 3)\nnn.Conv1d(4, 8, 3, padding=1)\n",
        "import keras\nfrom torch import nn\nkeras.layers.Conv1D(8, 3)\nnn.Conv1d(4, 8, 3, stride=2, padding=0)\n",
        "from torch import nn\nnn.Conv1d(4, 8, 3, stride=2, padding=1)\n",
    ),
    invalid=(
        "import keras\nfrom torch import nn\nkeras.layers.Conv1D(8, 3)\nnn.Conv1d(4, 8, 3, stride=2, padding=1)\n",
        "import keras\nimport flax.linen as nn\nkeras.layers.Conv1D(8, 3)\nnn.Conv(8, 3, padding=2)\n",
        "import flax.linen as nn\nimport equinox as eqx\nnn.Conv(8, 3)\neqx.nn.Conv1d(4, 8, 4, padding=((1, 1),), key=k)\n",
    ),
    frameworks=("equinox", "flax", "torch"),
    check=_explicit_padding,
)

RULES = (CAUSAL_PADDING, SAME_PADDING_TORCH, EXPLICIT_PADDING)
