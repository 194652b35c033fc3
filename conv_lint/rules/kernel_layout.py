"""CNV101 and CNV107: a functional conv reads a kernel of known shape or layout in an order that cannot be meant.

The kernel and input of a functional conv (``lax.conv_general_dilated``, ``lax.conv``,
``tf.nn.conv1d`` ...; the catalog's ``Operands``) are evaluated with ``conv_lint.dataflow.Values``
and read through the layout spec of the call. A reading is flagged when it cannot be meant: a
kernel whose spatial size comes out as 1 while the tuple holds a larger dimension (under a kernel
spec of the other convention than the input's), in-channels that do not match the input's
(CNV101), or a layer's exported weight read in another order than its own (CNV107). One reading
per call is reported, the first implausible one; both rules share it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from conv_lint.binding import BoundCall, ResolvedCall, argument_node
from conv_lint.catalog import CHANNELS_LAST, ConvAPI
from conv_lint.dataflow import KnownArray, Values
from conv_lint.resolve import Scope
from conv_lint.rules.base import Flag, ModuleContext, Rule
from conv_lint.rules.facts import KernelReading

_SPATIAL_NAMES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}
_DEFAULT_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


@dataclass(frozen=True)
class _Specs:
    """The layouts a call reads its operands in: input (N, C) and kernel (O, I), letters as lax's."""

    input: str | None
    kernel: str
    output: str | None
    written: bool  # the kernel spec is in the call (not a default, not fixed)


def _first_reading(call: ResolvedCall, values: Values) -> Flag | None:
    """The first implausible reading of a functional conv's kernel, if any: CNV107 when the kernel's
    axis order is known (a layer's exported weight), CNV101 when only its shape is."""
    node, bound, scope = call.node, call.bound, call.scope
    operands = bound.api.operands
    if operands is None:
        return None
    bound_arguments = bound.arguments
    kernel_arg = bound_arguments.get(operands.kernel)
    if kernel_arg is None:
        return None
    kernels = [value for value in values.of(kernel_arg.value, scope) if isinstance(value, KnownArray)]
    if not kernels:
        return None
    input_arg = bound_arguments.get(operands.input)
    inputs = [value for value in values.of(input_arg.value, scope) if isinstance(value, KnownArray)] if input_arg else []
    spec_arg = bound_arguments.get(operands.spec) if operands.spec else None
    group_arg = bound_arguments.get(operands.groups) if operands.groups else None
    groups = values.known(group_arg.value, scope) if group_arg else 1
    arguments = _Arguments(node, bound, scope, values)
    for kernel in kernels:
        for array in inputs or [None]:
            for specs in _specs(bound, spec_arg, kernel, array, scope, values):
                flag = _check(kernel, array, specs, groups, arguments)
                if flag is not None:
                    return flag
    return None


def _kernel_layout(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    flag = _first_reading(call, context.values)
    if flag is not None and flag.rule is KERNEL_LAYOUT:
        yield flag


def _ported_kernel(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    flag = _first_reading(call, context.values)
    if flag is not None and flag.rule is PORTED_KERNEL:
        yield flag


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


def _rank(bound: BoundCall, kernel: KnownArray, array: KnownArray | None) -> int | None:
    """The number of axes of the call's arrays: from their shapes, a literal stride tuple or the API's name."""
    for shape in (kernel.shape, array.shape if array else None):
        if shape is not None:
            return len(shape)
    spatial = bound.spatial_rank() or bound.api.spatial_dims
    return spatial + 2 if spatial else None


def _specs(bound: BoundCall, spec_arg, kernel: KnownArray, array: KnownArray | None, scope: Scope, values: Values) -> Iterator[_Specs]:
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


def _check(kernel: KnownArray, array: KnownArray | None, specs: _Specs, groups: object, arguments: _Arguments) -> Flag | None:
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
    facts = KernelReading(rhs, specs.written, fits, kernel.shape, array.shape if channels_wrong else None)
    if fits is None:
        advice = "no other order of its axes fits the input either"
    elif specs.written:
        advice = f"for a ({_axis_words(fits)}) kernel use {fits!r}"
    else:
        advice = f"transpose it from ({_axis_words(fits)}) to ({_axis_words(rhs)}): axes {facts.transpose}"
    spec_words = f"rhs spec {rhs!r}" if specs.written else f"its fixed kernel layout {rhs!r}"
    message = (
        f"{api.name} reads the kernel of shape {shape} ({kernel.what}, line {kernel.origin.lineno}) through"
        f" {spec_words} as {read_as}: {why} — {advice}"
    )
    return Flag(arguments.where(parameter), KERNEL_LAYOUT, message, parameter, facts=facts)


def _ported(api: ConvAPI, kernel: KnownArray, axes: str, specs: _Specs, arguments: _Arguments) -> Flag | None:
    """CNV107: a layer's exported kernel read in another axis order than its own."""
    rhs = specs.kernel
    if all(a == b or (a == "S" and b not in "OI") for a, b in zip(axes, rhs)):
        return None
    spatial = iter(letter for letter in rhs if letter not in "OI")
    own = "".join(next(spatial) if axis == "S" else axis for axis in axes)
    facts = KernelReading(rhs, specs.written, own)
    instead = f", or pass {own!r} as the rhs spec" if specs.written else ""
    message = (
        f"{api.name} reads {kernel.what} (line {kernel.origin.lineno}) as ({_axis_words(rhs)}), but it is laid out"
        f" ({_axis_words(own)}) — transpose it with axes {facts.transpose} before the call{instead}"
    )
    return Flag(arguments.where(api.operands.kernel), PORTED_KERNEL, message, api.operands.kernel, facts=facts)


def _reading(shape: tuple[int, ...], rhs: str) -> dict[str, int]:
    return {letter: size for letter, size in zip(rhs, shape)}


def _input_channels(array: KnownArray | None, lhs: str | None) -> int | None:
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


def _output_shape(array: KnownArray | None, specs: _Specs, kernel_shape, arguments: _Arguments) -> tuple[int, ...] | None:
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


KERNEL_LAYOUT = Rule(
    code="CNV101",
    name="kernel-layout-mismatch",
    summary="A functional conv reads a kernel of known shape in an order that cannot be meant.",
    what_it_does=(
        "Follows kernel and input arrays whose shape the module writes down (`jax.random.normal(key,"
        " (3, 1, 1))`, `jnp.zeros(shape)`, an initializer called as `init(key, shape)`, `.reshape(...)`,"
        " `jnp.transpose`/`.T`) through assignments and through calls of functions defined in the same"
        " module, to `lax.conv_general_dilated`, `lax.conv` and `tf.nn.conv1d/conv2d/conv3d/convolution`."
        " It reads the kernel through the call's layout (the rhs of `dimension_numbers`, or the fixed"
        " layout) and flags a reading whose in-channels do not match the input's known channel count, or"
        " whose spatial size is 1 while the tuple holds a larger dimension under a kernel spec of the"
        " other convention than the input's (`'OIW'` with `'NWC'` data). It names the spec that fits."
        " A pointwise kernel meant as `(out, in, 1)` for channels-last data is flagged as well when"
        " `(width, in, out)` also fits the input; writing the kernel in the input's convention"
        " (`(1, in, out)` with `'WIO'`) says what is meant."
    ),
    why=(
        "`dimension_numbers=('NWC', 'OIW', 'NWC')` reads a `(3, 1, 1)` array meant as (width, in, out)"
        " as 3 output channels of width 1. Nothing fails: the output is `(1, 7, 3)` instead of the"
        " `(1, 5, 1)` the author expects (the seed post's JAX snippets do exactly this). When the"
        " in-channels do not match, lax raises an error that names dimension sizes, not the"
        " swapped spec."
    ),
    example=(
        "import jax\nfrom jax import lax, random\n\n"
        "w = random.normal(jax.random.PRNGKey(0), (3, 1, 1))  # width, in, out\n"
        "x = jax.numpy.ones((1, 7, 1))\n"
        "y = lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'OIW', 'NWC'))\n"
    ),
    use_instead=(
        "import jax\nfrom jax import lax, random\n\n"
        "w = random.normal(jax.random.PRNGKey(0), (3, 1, 1))  # width, in, out\n"
        "x = jax.numpy.ones((1, 7, 1))\n"
        "y = lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
    ),
    fix_safety="No fix: which order was meant is the author's to say; the message names the spec that fits.",
    valid=(
        "from jax import lax, random\nw = random.normal(k, (3, 1, 1))\n"
        "lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'WIO', 'NWC'))\n",
        "import jax.numpy as jnp\nfrom jax import lax\nx = jnp.ones((1, 4, 9))\nw = jnp.ones((8, 4, 1))\n"
        "lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NCW', 'OIW', 'NCW'))\n",
        "import jax.numpy as jnp\nimport tensorflow as tf\nw = jnp.zeros((3, 4, 8))\nx = jnp.zeros((1, 9, 4))\n"
        "tf.nn.conv1d(x, w, 1, 'SAME')\n",
    ),
    invalid=(
        "import jax.numpy as jnp\nfrom jax import lax\nx = jnp.ones((1, 7, 1))\nw = jnp.ones((3, 1, 1))\n"
        "lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'OIW', 'NWC'))\n",
        "import jax.numpy as jnp\nfrom jax import lax\nx = jnp.ones((1, 4, 9))\nw = jnp.ones((4, 8, 3))  # in, out, width\n"
        "lax.conv(x, w, (1,), 'SAME')\n",
        "import numpy as np\nimport tensorflow as tf\nx = np.zeros((1, 9, 4))\nw = np.zeros((4, 8, 3))  # in, out, width\n"
        "tf.nn.conv1d(x, w, 1, 'SAME')\n",
    ),
    frameworks=("jax", "tensorflow"),
    check=_kernel_layout,
)

PORTED_KERNEL = Rule(
    code="CNV107",
    name="untransposed-ported-kernel",
    summary="A kernel exported from a PyTorch/Equinox or Keras/Flax layer is read in another axis order.",
    what_it_does=(
        "Follows kernels taken from layers (`conv.weight`, `layer.kernel`, `layer.get_weights()[0]`,"
        " `state_dict['conv.weight']`, `params['kernel']`) through `jnp.asarray`, `.detach().numpy()`,"
        " assignments and transposes to a functional conv, and flags one whose axes the call reads in"
        " another order: a PyTorch `(out, in, width)` weight passed straight to a `'WIO'` spec, or a"
        " Keras `(width, in, out)` kernel to `'OIW'`."
    ),
    why=(
        "PyTorch and Equinox keep conv weights as (out, in, *kernel); Keras and Flax as"
        " (*kernel, in, out). A weight copied across without a transpose either fails on a shape"
        " or, when sizes coincide (in == out, or a kernel size equal to a channel count), runs and"
        " computes something else."
    ),
    example=(
        "import jax.numpy as jnp\nfrom jax import lax\n\n"
        "w = jnp.asarray(torch_conv.weight.detach().numpy())\n"
        "y = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
    ),
    use_instead=(
        "import jax.numpy as jnp\nfrom jax import lax\n\n"
        "w = jnp.transpose(jnp.asarray(torch_conv.weight.detach().numpy()), (2, 1, 0))  # (out, in, width) -> (width, in, out)\n"
        "y = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
    ),
    fix_safety="No fix: the message gives the transpose; where to put it is the author's choice.",
    valid=(
        "import jax.numpy as jnp\nfrom jax import lax\nw = jnp.asarray(conv.weight.detach().numpy())\n"
        "lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'OIW', 'NWC'))\n",
        "import jax.numpy as jnp\nfrom jax import lax\nw = jnp.transpose(jnp.asarray(conv.weight.detach().numpy()), (2, 1, 0))\n"
        "lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n",
    ),
    invalid=(
        "import jax.numpy as jnp\nfrom jax import lax\nw = jnp.asarray(conv.weight.detach().numpy())\n"
        "lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n",
        "import torch\nfrom jax import lax\nconv = torch.nn.Conv1d(4, 8, 3)\n"
        "lax.conv_general_dilated(x, conv.weight.detach().numpy(), (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n",
        "import tensorflow as tf\nkernel = torch.load('model.pt')['conv1.weight'].numpy()\ntf.nn.conv1d(x, kernel, 1, 'SAME')\n",
        "from jax import lax\nw = layer.get_weights()[0]\nlax.conv(x, w, (1,), 'SAME')\n",
    ),
    frameworks=("jax", "tensorflow"),
    check=_ported_kernel,
)

RULES = (KERNEL_LAYOUT, PORTED_KERNEL)
