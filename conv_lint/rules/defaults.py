"""CNV001-005 and CNV105: a call relies on a catalog default that differs between frameworks.

Each rule covers one hazard of the catalog (padding, kernel and bias initializers, data layout,
convolve mode, transposed-kernel flipping). The analyzer asks the rule of each default's hazard
whether a resolved call relies on it, so an API added to the catalog is checked with no code
here. Their findings carry the default, which ``conv-lint fix`` pins.
"""

from __future__ import annotations

from conv_lint.binding import BoundCall, ResolvedCall
from conv_lint.catalog import (
    BIAS_INIT, CONTRASTS, CONVOLVE_MODE, KERNEL_INIT, LAYOUT, PADDING, TRANSPOSE_KERNEL, ConvAPI, Default,
    MessageContrasts, message_contrasts,
)
from conv_lint.rules.base import SAFE_FIX, Flag, Invalid, ModuleContext, Rule


class DefaultRule(Rule):
    """A rule about one catalog hazard: flags each call that leaves a default of it to the framework."""

    def check_default(self, call: ResolvedCall, default: Default, context: ModuleContext) -> Flag | None:
        api = call.api
        if not _relies_on(call.bound, default, call, context):
            return None
        # A callee that may be several APIs: only what every one of them leaves to its default.
        if not all(
            any(_relies_on(other, d, call, context) for d in other.api.defaults if d.hazard == default.hazard)
            for other in call.alternatives
        ):
            return None
        contrasts = message_contrasts(api, default, context.frameworks, call.bound.spatial_rank())
        if contrasts.agree and not contrasts.differ:
            return None  # every compared framework has the same default: nothing changes in the port
        message = self.message(api, default, contrasts)
        if call.alternatives:
            names = " or ".join(dict.fromkeys(b.api.name for b in (call.bound, *call.alternatives)))
            message += f" (the callee {call.callee} may be {names}; each relies on its default)"
        if call.partial is not None:
            message += f" (through the functools.partial of line {call.partial.lineno}: its arguments and the call's together)"
        return Flag(call.node, self, message, default=default)

    def message(self, api: ConvAPI, default: Default, contrasts: MessageContrasts | None) -> str:
        if default.param is None:
            return (
                f"{api.name} is {default.means}{_others(contrasts, 'is')}"
                " — use jax.lax.conv_general_dilated with explicit dimension_numbers"
            )
        means = f" ({default.means})" if default.means else ""
        if self.hazard == CONVOLVE_MODE:
            return (
                f"{api.name} relies on default {default.param}={default.value}{means} and flips the kernel"
                f" (true convolution){_others(contrasts, 'cross-correlates with')}"
                f" — pass {default.param}= explicitly"
            )
        return (
            f"{api.name} relies on default {default.param}={default.value}{means}{_others(contrasts, 'defaults to')}"
            f" — pass {default.param}= explicitly"
        )

    def defaults_table(self) -> str:
        rows = ["| API | default |", "|---|---|"]
        rows += [f"| `{c.api}` | {c.value} |" for c in CONTRASTS[self.hazard]]
        return "\n".join(rows)


def _relies_on(bound: BoundCall, default: Default, call: ResolvedCall, context: ModuleContext) -> bool:
    """Whether ``bound`` leaves ``default`` to its framework (passing None where None is the default counts)."""
    api = bound.api
    if default.param is not None and bound.passes(default.param) and not _none_for_none(bound, default):
        return False
    if default.hazard == BIAS_INIT and api.bias_switch and bound.passes_constant(api.bias_switch, False):
        return False
    return not (default.hazard == PADDING and _padding_cannot_differ(bound, call, context))


def _padding_cannot_differ(bound: BoundCall, call: ResolvedCall, context: ModuleContext) -> bool:
    """Every framework's default padding gives this window the same output, so relying on one is no finding:

    - every spatial size of the kernel is 1 (``kernel_size=1``, ``(1, 1)``): 'same', 'valid' and 0 pad
      nothing at any stride or dilation ((k - 1) * d = 0);
    - a transposed conv whose kernel equals its stride on every axis, undilated and without
      ``output_padding`` (SAM's ``ConvTranspose2d(c, c, kernel_size=2, stride=2)``): each input element
      fills its own block of the output, n * s long under 'same', 'valid' and 0 alike, with nothing to crop.

    A transposed conv with a 1-sized kernel at a larger stride is still a finding: Keras gives it n * s
    outputs under 'valid', PyTorch (n - 1) * s + 1 under 0."""
    api = bound.api
    window = api.window
    if window is None or window.size is None:
        return False
    sizes = _literal_ints(bound, window.size, call, context)
    if not sizes:
        return False
    if not api.transposed:
        return all(k == 1 for k in sizes)
    strides = _literal_ints(bound, window.strides, call, context) if window.strides else ()
    dilation = _literal_ints(bound, window.dilation, call, context) if window.dilation else ()
    output_padding = _literal_ints(bound, "output_padding", call, context)
    if strides is None or dilation is None or output_padding is None:
        return False  # written, but not known
    if any(d != 1 for d in dilation) or any(p != 0 for p in output_padding):
        return False
    rank = max(len(sizes), len(strides or (1,)))
    return _per_axis(sizes, rank) == _per_axis(strides or (1,), rank)


def _literal_ints(bound: BoundCall, parameter: str, call: ResolvedCall, context: ModuleContext) -> tuple[int, ...] | None:
    """The ints an argument holds (``2`` → (2,), ``(2, 2)`` → (2, 2)); () when the call does not pass it,
    None when it passes something the source does not tell."""
    argument = bound.arguments.get(parameter)
    if argument is None:
        return ()
    return context.values.ints(argument.value, call.scope)


def _per_axis(values: tuple[int, ...], rank: int) -> tuple[int, ...]:
    """An int given for every axis (``2`` in 2-D is (2, 2)); a tuple as it is."""
    return values * rank if len(values) == 1 else values


def _none_for_none(bound: BoundCall, default: Default) -> bool:
    """``data_format=None`` where the default is None: written out, but still the framework's choice."""
    return default.value == "None" and bound.passes_constant(default.param, None)


def _others(contrasts: MessageContrasts | None, verb: str) -> str:
    """The second half of a message: what the compared frameworks do (``; flax.linen.Conv defaults to 'SAME'``)."""
    if not (contrasts and contrasts.differ):
        return ""
    return "; " + ", ".join(f"{c.api} {verb} {c.value}" for c in contrasts.differ)


IMPLICIT_PADDING = DefaultRule(
    code="CNV001",
    name="implicit-padding",
    hazard=PADDING,
    summary="Convolution relies on the framework's default padding.",
    what_it_does=(
        "Flags conv layers and ops called without `padding=`, by keyword or by position. A kernel whose"
        " every spatial size is 1 (`kernel_size=1`, `(1, 1)`) is left alone: `'same'`, `'valid'` and `0`"
        " pad nothing at any stride or dilation. So is a transposed conv whose kernel equals its stride"
        " on every axis, undilated and without `output_padding` (`ConvTranspose2d(c, c, kernel_size=2,"
        " stride=2)`): each input element fills its own block of the output, the same under every"
        " framework's default. Any other transposed conv is flagged, a 1-sized kernel too."
    ),
    why=(
        "Each framework pads differently when told nothing: Keras and `tf.nn.convolution` use"
        " `'valid'` (output shorter by `(k-1)*d`), Flax and Haiku use `'SAME'` (output as long as"
        " the input), Equinox and PyTorch use `0`. The same-looking layer gives a different output"
        " shape after a port, and every later layer silently adapts to it."
    ),
    example="import keras\n\nlayer = keras.layers.Conv1D(8, 3)\n",
    use_instead='import keras\n\nlayer = keras.layers.Conv1D(8, 3, padding="valid")\n',
    fix_safety="Safe: the fix writes the default in force today, so behaviour does not change.",
    fix=SAFE_FIX,
    valid=(
        'import keras\nkeras.layers.Conv1D(8, 3, padding="same")\n',
        'from keras import layers as L\nL.Conv1D(8, 3, 1, "same")\n',
        "import flax.linen as nn\nnn.Conv(4, 3, padding='VALID')\n",
        "from torch import nn\nnn.Conv2d(4, 8, kernel_size=(1, 1), stride=2, dilation=3)\n",
        "from torch import nn\nnn.ConvTranspose2d(256, 64, kernel_size=2, stride=2)\n",
        "import torch\ntorch.nn.Conv1d(4, 8, 3, 1, 1)\n",
        "class Conv1D:\n    def __init__(self, *a): pass\nConv1D(8, 3)\n",
        "Conv1D(8, 3)\n",
    ),
    invalid=(
        Invalid(
            "import tensorflow as tf\ntf.keras.layers.Conv1D(filters=1, kernel_size=3)\n",
            'import tensorflow as tf\ntf.keras.layers.Conv1D(filters=1, kernel_size=3, padding="valid")\n',
        ),
        Invalid("import flax.linen as nn\nnn.Conv(4, 3)\n", 'import flax.linen as nn\nnn.Conv(4, 3, padding="SAME")\n'),
        Invalid("import haiku as hk\nhk.Conv1D(4, 3)\n", 'import haiku as hk\nhk.Conv1D(4, 3, padding="SAME")\n'),
        Invalid("from torch import nn\nnn.Conv1d(4, 8, 3)\n", 'from torch import nn\nnn.Conv1d(4, 8, 3, padding=0)\n'),
        Invalid(
            "import equinox as eqx\neqx.nn.Conv1d(4, 8, 3, key=k)\n",
            'import equinox as eqx\neqx.nn.Conv1d(4, 8, 3, key=k, padding=0)\n',
        ),
        Invalid(
            "import tensorflow as tf\ntf.nn.convolution(x, w)\n",
            'import tensorflow as tf\ntf.nn.convolution(x, w, padding="VALID")\n',
        ),
    ),
)

IMPLICIT_KERNEL_INITIALIZER = DefaultRule(
    code="CNV002",
    name="implicit-kernel-initializer",
    hazard=KERNEL_INIT,
    summary="Conv layer relies on the framework's default kernel initializer.",
    what_it_does=(
        "Flags conv layers created without an explicit kernel initializer (`kernel_initializer`,"
        " `depthwise_initializer`/`pointwise_initializer`, `kernel_init`, `w_init`)."
    ),
    why=(
        "Keras draws kernels from `glorot_uniform` (U(±sqrt(6/(fan_in+fan_out)))), Flax from"
        " `lecun_normal` (std 1/sqrt(fan_in)), Haiku from a truncated normal cut at 2σ without"
        " rescaling (std 0.88/sqrt(fan_in)), PyTorch and Equinox from U(±1/sqrt(fan_in)). A port"
        " that keeps the architecture but not the initializer trains differently."
    ),
    example="import flax.linen as nn\n\nconv = nn.Conv(features=16, kernel_size=3)\n",
    use_instead=(
        "import flax.linen as nn\n\n"
        "conv = nn.Conv(features=16, kernel_size=3, kernel_init=nn.initializers.lecun_normal())\n"
    ),
    fix_safety="Safe: the fix writes the default initializer in force today.",
    fix=SAFE_FIX,
    valid=(
        "import keras\nkeras.layers.Conv2D(8, 3, kernel_initializer='he_normal')\n",
        "import haiku as hk\nhk.Conv1D(4, 3, w_init=hk.initializers.VarianceScaling())\n",
        "import torch\ntorch.nn.Conv1d(4, 8, 3)\n",
    ),
    invalid=(
        Invalid(
            "import keras\nkeras.layers.Conv2D(8, 3)\n",
            'import keras\nkeras.layers.Conv2D(8, 3, kernel_initializer="glorot_uniform")\n',
        ),
        Invalid(
            "from flax import nnx\nnnx.Conv(4, 8, 3, rngs=rngs)\n",
            'from flax import nnx\nnnx.Conv(4, 8, 3, rngs=rngs, kernel_init=nnx.initializers.lecun_normal())\n',
        ),
        Invalid(
            "from tensorflow.keras import layers\nlayers.SeparableConv1D(8, 3, depthwise_initializer='ones')\n",
            "from tensorflow.keras import layers\nlayers.SeparableConv1D(\n    8, 3, depthwise_initializer='ones', pointwise_initializer='glorot_uniform'\n)\n",
        ),
    ),
)

IMPLICIT_BIAS_INITIALIZER = DefaultRule(
    code="CNV003",
    name="implicit-bias-initializer",
    hazard=BIAS_INIT,
    summary="Conv layer with a bias relies on the framework's default bias initializer.",
    what_it_does=(
        "Flags conv layers that have a bias (not `use_bias=False`/`with_bias=False`) and no explicit"
        " bias initializer."
    ),
    why=(
        "Keras, Flax and Haiku start biases at zero; PyTorch and Equinox draw them from"
        " U(±1/sqrt(fan_in)). Weights copied across frameworks without the bias, or a model"
        " re-initialized after a port, start from a different function."
    ),
    example="import keras\n\nlayer = keras.layers.Conv1D(8, 3)\n",
    use_instead='import keras\n\nlayer = keras.layers.Conv1D(8, 3, bias_initializer="zeros")\n',
    fix_safety="Safe: the fix writes the default initializer in force today.",
    fix=SAFE_FIX,
    valid=(
        "import keras\nkeras.layers.Conv1D(8, 3, use_bias=False)\n",
        "import flax.linen as nn\nnn.Conv(4, 3, use_bias=False)\n",
        "import haiku as hk\nhk.Conv1D(4, 3, with_bias=False)\n",
        "import keras\nkeras.layers.Conv1D(8, 3, 1, 'valid', None, 1, 1, None, False)\n",
    ),
    invalid=(
        Invalid(
            "import keras\nkeras.layers.Conv1D(8, 3)\n",
            'import keras\nkeras.layers.Conv1D(8, 3, bias_initializer="zeros")\n',
        ),
        Invalid(
            "import flax.linen as nn\nnn.Conv(4, 3, use_bias=True)\n",
            'import flax.linen as nn\nnn.Conv(4, 3, use_bias=True, bias_init=nn.initializers.zeros)\n',
        ),
        Invalid(
            "import haiku as hk\nhk.Conv2D(4, 3)\n",
            'import haiku as hk\nhk.Conv2D(4, 3, b_init=hk.initializers.Constant(0.0))\n',
        ),
    ),
)

IMPLICIT_DATA_LAYOUT = DefaultRule(
    code="CNV004",
    name="implicit-data-layout",
    hazard=LAYOUT,
    summary="Convolution relies on a default (or fixed) data layout.",
    what_it_does=(
        "Flags Keras layers without `data_format=` (it then follows the global"
        " `keras.config.image_data_format()`), `tf.nn` ops without `data_format=`,"
        " `lax.conv_general_dilated`/`lax.conv_transpose` without `dimension_numbers=`, Haiku"
        " layers without `data_format=`, and `lax.conv`/`lax.conv_with_general_padding`, whose"
        " layout is fixed channels-first."
    ),
    why=(
        "`lax.conv_general_dilated` with `dimension_numbers=None` is channels-first (N,C,W) with"
        " (O,I,W) kernels, while `lax.conv_transpose` with `None` is channels-last, Keras and"
        " `tf.nn` are channels-last, and PyTorch is channels-first. Channels-last data fed to a"
        " channels-first call either fails on a shape or, when the sizes happen to fit,"
        " silently convolves over the wrong axis."
    ),
    example="from jax import lax\n\ny = lax.conv_general_dilated(x, w, (1,), 'SAME')\n",
    use_instead=(
        "from jax import lax\n\n"
        "y = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NCH', 'OIH', 'NCH'))\n"
    ),
    fix_safety=(
        "Safe where the layout can be written from the call alone (a literal stride tuple gives the"
        " rank). Keras `data_format=None` reads a global setting, so pinning `'channels_last'` is"
        " only right if the program never changes it."
    ),
    fix="safe/unsafe",
    valid=(
        "from jax import lax\nlax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n",
        "import jax\njax.lax.conv_general_dilated(x, w, (1,), 'SAME', None, None, ('NCH', 'OIH', 'NCH'))\n",
        "import tensorflow as tf\ntf.nn.conv1d(x, w, 1, 'SAME', 'NWC')\n",
        "import keras\nkeras.layers.Conv1D(8, 3, data_format='channels_last')\n",
    ),
    invalid=(
        Invalid(
            "from jax import lax\nlax.conv_general_dilated(x, w, (1,), 'SAME')\n",
            "from jax import lax\nlax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NCH', 'OIH', 'NCH'))\n",
        ),
        Invalid(
            "import jax.lax as L\nL.conv_transpose(x, w, (1,), 'SAME')\n",
            "import jax.lax as L\nL.conv_transpose(x, w, (1,), 'SAME', dimension_numbers=('NHC', 'HIO', 'NHC'))\n",
        ),
        Invalid(
            "import tensorflow as tf\ntf.nn.conv1d(x, w, stride=1, padding='SAME')\n",
            "import tensorflow as tf\ntf.nn.conv1d(x, w, stride=1, padding='SAME', data_format='NWC')\n",
        ),
        Invalid("from jax import lax\nlax.conv(x, w, (1,), 'SAME')\n", None),
        Invalid("import keras\nkeras.layers.Conv1D(8, 3)\n", None),
    ),
)

IMPLICIT_CONVOLVE_MODE = DefaultRule(
    code="CNV005",
    name="implicit-convolve-mode",
    hazard=CONVOLVE_MODE,
    summary="Signal-style convolve relies on mode='full' and flips the kernel.",
    what_it_does=(
        "Flags `jnp.convolve`, `np.convolve`, `jax.scipy.signal.convolve`, `scipy.signal.convolve`"
        " and their `fftconvolve` siblings called without `mode=`."
    ),
    why=(
        "These compute a true convolution: the kernel is reversed, unlike every conv layer, which"
        " cross-correlates. They also default to `mode='full'` (length n+k-1), where Keras gives"
        " `'valid'` (n-k+1) and Flax `'SAME'` (n). Swapping one for the other changes both the"
        " values and the length."
    ),
    example="import jax.numpy as jnp\n\ny = jnp.convolve(x, k)\n",
    use_instead=(
        "import jax.numpy as jnp\n\n"
        "# the same as a 'valid' conv layer holding k: reverse the kernel\n"
        "y = jnp.convolve(x, k[::-1], mode='valid')\n"
    ),
    fix_safety="Safe: the fix writes `mode='full'`, today's default; it does not reverse any kernel.",
    fix=SAFE_FIX,
    valid=(
        "import jax.numpy as jnp\njnp.convolve(x, k, mode='valid')\n",
        "import numpy as np\nnp.convolve(x, k, 'same')\n",
        "import numpy as np\nnp.correlate(x, k)\n",
    ),
    invalid=(
        Invalid(
            "import jax.numpy as jnp\njnp.convolve(x, k)\n",
            'import jax.numpy as jnp\njnp.convolve(x, k, mode="full")\n',
        ),
        Invalid(
            "from jax.scipy import signal\nsignal.convolve(x, k)\n",
            'from jax.scipy import signal\nsignal.convolve(x, k, mode="full")\n',
        ),
        Invalid("import numpy as np\nnp.convolve(x, k)\n", 'import numpy as np\nnp.convolve(x, k, mode="full")\n'),
        Invalid(
            "import scipy.signal\nscipy.signal.fftconvolve(x, k)\n",
            'import scipy.signal\nscipy.signal.fftconvolve(x, k, mode="full")\n',
        ),
    ),
)

TRANSPOSE_KERNEL_NOT_FLIPPED = DefaultRule(
    code="CNV105",
    name="transpose-kernel-not-flipped",
    hazard=TRANSPOSE_KERNEL,
    summary="Transposed conv relies on `transpose_kernel=False`: not the transpose of a convolution.",
    what_it_does="Flags `lax.conv_transpose` and Flax `ConvTranspose` (linen and nnx) without `transpose_kernel=`.",
    why=(
        "With `transpose_kernel=False` (the default) the kernel is not flipped, so the result is not"
        " the gradient of a convolution, as Keras' `Conv1DTranspose` and PyTorch's `ConvTranspose1d`"
        " compute. With the same weights, x = [1, 2, 3, 4] and w = [1, 10, 100] give"
        " [100, 210, 321, 432, 43, 4] from `lax.conv_transpose(..., 'VALID')` and"
        " [1, 12, 123, 234, 340, 400] from Keras, PyTorch and `transpose_kernel=True`. Weights ported"
        " between them must be flipped (and their in/out axes swapped), or the flag set."
    ),
    example="from jax import lax\n\ny = lax.conv_transpose(x, w, (2,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n",
    use_instead=(
        "from jax import lax\n\n"
        "y = lax.conv_transpose(x, w, (2,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'), transpose_kernel=False)\n"
    ),
    fix_safety="Safe: the fix writes `transpose_kernel=False`, today's default; it does not flip any kernel.",
    valid=(
        "from jax import lax\nlax.conv_transpose(x, w, (2,), 'SAME', transpose_kernel=True)\n",
        "import flax.linen as nn\nnn.ConvTranspose(4, 3, transpose_kernel=True)\n",
        "import flax.linen as nn\nnn.Conv(4, 3)\n",
    ),
    invalid=(
        Invalid(
            "from jax import lax\nlax.conv_transpose(x, w, (2,), 'SAME')\n",
            "from jax import lax\nlax.conv_transpose(x, w, (2,), 'SAME', transpose_kernel=False)\n",
        ),
        Invalid(
            "import flax.linen as nn\nnn.ConvTranspose(4, 3, padding='VALID')\n",
            "import flax.linen as nn\nnn.ConvTranspose(4, 3, padding='VALID', transpose_kernel=False)\n",
        ),
        Invalid(
            "from flax import nnx\nnnx.ConvTranspose(4, 8, 3, rngs=rngs)\n",
            'from flax import nnx\nnnx.ConvTranspose(4, 8, 3, rngs=rngs, transpose_kernel=False)\n',
        ),
    ),
    fix=SAFE_FIX,
)

RULES = (
    IMPLICIT_PADDING,
    IMPLICIT_KERNEL_INITIALIZER,
    IMPLICIT_BIAS_INITIALIZER,
    IMPLICIT_DATA_LAYOUT,
    IMPLICIT_CONVOLVE_MODE,
    TRANSPOSE_KERNEL_NOT_FLIPPED,
)
