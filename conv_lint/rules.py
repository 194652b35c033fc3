"""The rules: code, name, message, documentation and their own examples.

CNV0xx rules each cover one hazard of the catalog (a default a call relies on); CNV1xx rules
flag values that mean different things in different frameworks, found by ``conv_lint.shapes``
and ``conv_lint.porting``; CNV9xx rules are opt-in. Like Fixit 2, each rule carries VALID and
INVALID snippets; ``tests/test_rules.py`` runs them all through the real analyzer, and
``conv-lint explain`` / the README show them. The docs follow ruff's sections: what it does,
why it matters, example, use instead, fix safety, plus a table of the defaults by framework.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from conv_lint.catalog import (
    BIAS_INIT,
    CONTRASTS,
    CONVOLVE_MODE,
    KERNEL_INIT,
    LAYOUT,
    PADDING,
    TRANSPOSE_KERNEL,
    Comparison,
    ConvAPI,
    Default,
    target_packages,
)

# Opinionated or opt-in codes (like flake8-bugbear's B9xx) run only when a select names
# them more precisely than the plain prefix: `--select CNV9` or `--extend-select CNV901`.
PREFIX = "CNV"
OPT_IN_PREFIX = "CNV9"
# Not a rule: a bug in conv-lint itself, reported whatever is selected (like flake8's E902).
INTERNAL_ERROR = "CNV999"
# What `conv-lint fix` can do for a rule's findings.
NO_FIX, SAFE_FIX = "none", "safe"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    hazard: str | None
    summary: str
    what_it_does: str
    why: str
    example: str
    use_instead: str
    fix_safety: str
    valid: tuple[str, ...] = ()
    invalid: tuple[str, ...] = ()
    # For rules that are not about a catalog hazard: the libraries whose calls they flag.
    frameworks: tuple[str, ...] = field(default=())
    fix: str = NO_FIX
    # For port notes: the packages a port to which the note is about (CNV103: torch). With
    # `frameworks` configured, the rule is off unless a listed framework covers one of them.
    port_targets: tuple[str, ...] = ()

    @property
    def opt_in(self) -> bool:
        return self.code.startswith(OPT_IN_PREFIX)

    def applies_to(self, frameworks: tuple[str, ...]) -> bool:
        """Whether the rule concerns a team porting between ``frameworks`` (all of them: ``()``)."""
        return not frameworks or not self.port_targets or bool(target_packages(frameworks) & set(self.port_targets))

    def message(self, api: ConvAPI, default: Default | None, comparison: Comparison | None) -> str:
        if default is None:  # CNV901: nothing about a default can be claimed
            return f"{api.name} call passes *args/**kwargs or is built indirectly; cannot tell which defaults it uses"
        if default.param is None:
            return (
                f"{api.name} is {default.means}{_others(comparison, 'is')}"
                " — use jax.lax.conv_general_dilated with explicit dimension_numbers"
            )
        means = f" ({default.means})" if default.means else ""
        if self.hazard == CONVOLVE_MODE:
            return (
                f"{api.name} relies on default {default.param}={default.value}{means} and flips the kernel"
                f" (true convolution){_others(comparison, 'cross-correlates with')}"
                f" — pass {default.param}= explicitly"
            )
        return (
            f"{api.name} relies on default {default.param}={default.value}{means}{_others(comparison, 'defaults to')}"
            f" — pass {default.param}= explicitly"
        )

    def docs(self) -> str:
        """The rule's documentation as Markdown, in ruff's sections."""
        table = defaults_table(self.hazard) if self.hazard else ""
        state = "off by default (opt-in)" if self.opt_in else "on by default"
        if self.port_targets:
            state += f" (with `frameworks` configured: only when they include {' or '.join(self.port_targets)})"
        sections = [
            f"# {self.code} {self.name}",
            f"{self.summary}\n\n{state}; fix: {self.fix}",
            f"## What it does\n{self.what_it_does}",
            f"## Why is this bad?\n{self.why}",
            f"## Example\n```python\n{self.example.strip()}\n```",
            f"## Use instead\n```python\n{self.use_instead.strip()}\n```",
            f"## Fix safety\n{self.fix_safety}",
        ]
        if table:
            sections.append(f"## Defaults by framework\n{table}")
        return "\n\n".join(sections) + "\n"


@dataclass(frozen=True)
class Flag:
    """A rule's finding at one node (an argument, or the call), before it gets a path and column."""

    node: ast.AST
    rule: Rule
    message: str
    parameter: str | None = None


def _others(comparison: Comparison | None, verb: str) -> str:
    """The second half of a message: what the compared frameworks do (``; flax.linen.Conv defaults to 'SAME'``)."""
    named = comparison and (comparison.differ or comparison.agree)
    if not named:
        return ""
    too = "" if comparison.differ else " too"
    return "; " + ", ".join(f"{c.api} {verb} {c.value}" for c in named) + too


def defaults_table(hazard: str) -> str:
    rows = ["| API | default |", "|---|---|"]
    rows += [f"| `{c.api}` | {c.value} |" for c in CONTRASTS[hazard]]
    return "\n".join(rows)


RULES: tuple[Rule, ...] = (
    Rule(
        code="CNV001",
        name="implicit-padding",
        hazard=PADDING,
        summary="Convolution relies on the framework's default padding.",
        what_it_does="Flags conv layers and ops called without `padding=`, by keyword or by position.",
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
            "import torch\ntorch.nn.Conv1d(4, 8, 3, 1, 1)\n",
            "class Conv1D:\n    def __init__(self, *a): pass\nConv1D(8, 3)\n",
            "Conv1D(8, 3)\n",
        ),
        invalid=(
            "import tensorflow as tf\ntf.keras.layers.Conv1D(filters=1, kernel_size=3)\n",
            "import flax.linen as nn\nnn.Conv(4, 3)\n",
            "import haiku as hk\nhk.Conv1D(4, 3)\n",
            "from torch import nn\nnn.Conv1d(4, 8, 3)\n",
            "import equinox as eqx\neqx.nn.Conv1d(4, 8, 3, key=k)\n",
            "import tensorflow as tf\ntf.nn.convolution(x, w)\n",
        ),
    ),
    Rule(
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
            "import keras\nkeras.layers.Conv2D(8, 3)\n",
            "from flax import nnx\nnnx.Conv(4, 8, 3, rngs=rngs)\n",
            "from tensorflow.keras import layers\nlayers.SeparableConv1D(8, 3, depthwise_initializer='ones')\n",
        ),
    ),
    Rule(
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
            "import keras\nkeras.layers.Conv1D(8, 3)\n",
            "import flax.linen as nn\nnn.Conv(4, 3, use_bias=True)\n",
            "import haiku as hk\nhk.Conv2D(4, 3)\n",
        ),
    ),
    Rule(
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
            "from jax import lax\nlax.conv_general_dilated(x, w, (1,), 'SAME')\n",
            "import jax.lax as L\nL.conv_transpose(x, w, (1,), 'SAME')\n",
            "import tensorflow as tf\ntf.nn.conv1d(x, w, stride=1, padding='SAME')\n",
            "from jax import lax\nlax.conv(x, w, (1,), 'SAME')\n",
            "import keras\nkeras.layers.Conv1D(8, 3)\n",
        ),
    ),
    Rule(
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
            "import jax.numpy as jnp\njnp.convolve(x, k)\n",
            "from jax.scipy import signal\nsignal.convolve(x, k)\n",
            "import numpy as np\nnp.convolve(x, k)\n",
            "import scipy.signal\nscipy.signal.fftconvolve(x, k)\n",
        ),
    ),
    Rule(
        code="CNV101",
        name="kernel-layout-mismatch",
        hazard=None,
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
    ),
    Rule(
        code="CNV102",
        name="causal-padding",
        hazard=None,
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
    ),
    Rule(
        code="CNV103",
        name="same-padding-torch-port",
        hazard=None,
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
    ),
    Rule(
        code="CNV104",
        name="explicit-padding-no-string-equivalent",
        hazard=None,
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
    ),
    Rule(
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
            "from jax import lax\nlax.conv_transpose(x, w, (2,), 'SAME')\n",
            "import flax.linen as nn\nnn.ConvTranspose(4, 3, padding='VALID')\n",
            "from flax import nnx\nnnx.ConvTranspose(4, 8, 3, rngs=rngs)\n",
        ),
        fix=SAFE_FIX,
    ),
    Rule(
        code="CNV106",
        name="truncated-normal-std",
        hazard=None,
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
    ),
    Rule(
        code="CNV107",
        name="untransposed-ported-kernel",
        hazard=None,
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
    ),
    Rule(
        code="CNV108",
        name="initializer-name-mismatch",
        hazard=None,
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
    ),
    Rule(
        code="CNV901",
        name="unresolvable-conv-arguments",
        hazard=None,
        summary="Conv call whose arguments cannot be known statically (opt-in).",
        what_it_does=(
            "Lists conv calls made with `*args`/`**kwargs`, through `functools.partial`, or with"
            " `from_config`. Off by default: select it with `--select CNV9` or"
            " `--extend-select CNV901`."
        ),
        why=(
            "Such a call may set any parameter, so conv-lint does not claim it uses a default. These"
            " are the places to review by hand before a port."
        ),
        example="import keras\n\nlayer = keras.layers.Conv1D(**config)\n",
        use_instead='import keras\n\nlayer = keras.layers.Conv1D(**config, padding="valid")\n',
        fix_safety="No fix.",
        valid=("import keras\nkeras.layers.Conv1D(8, 3, padding='same')\n",),
        invalid=(
            "import keras\nkeras.layers.Conv1D(**config)\n",
            "import functools, keras\nfunctools.partial(keras.layers.Conv1D, padding='same')\n",
            "import keras\nkeras.layers.Conv1D.from_config(cfg)\n",
        ),
    ),
    Rule(
        code="CNV902",
        name="implicit-precision",
        hazard=None,
        summary="JAX conv with `precision=None`: float32 runs in TF32 on recent GPUs (opt-in).",
        what_it_does=(
            "Flags JAX convolutions that take a `precision` argument (`lax.conv_general_dilated`,"
            " `lax.conv`, `lax.conv_transpose`, Flax `Conv`/`ConvTranspose`, `jnp.convolve`,"
            " `jax.scipy.signal.convolve`) and leave it at `None`. Off by default: select it with"
            " `--select CNV9` or `--extend-select CNV902`."
        ),
        why=(
            "With `precision=None` JAX lets GPUs with TF32 (Ampere and newer) compute float32"
            " convolutions with 10-bit mantissas. Measured on an H100 with JAX 0.11.2, the maximum"
            " relative error against a float64 reference was 2.9e-4 at the default and 7e-7 with"
            " `precision='highest'` (CPU: 5e-7). PyTorch 2.11 on the same GPU matches the default, since"
            " `torch.backends.cudnn.allow_tf32` defaults to True; TensorFlow enables TF32 by default too."
            " A comparison between frameworks, or against a CPU run, then differs in the fourth digit."
        ),
        example="from jax import lax\n\ny = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n",
        use_instead=(
            "from jax import lax\n\n"
            "y = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'), precision='highest')\n"
        ),
        fix_safety="No fix: `'highest'` is slower, `'default'` keeps TF32; the choice is the author's.",
        valid=(
            "from jax import lax\nlax.conv(x, w, (1,), 'SAME', lax.Precision.HIGHEST)\n",
            "import flax.linen as nn\nnn.Conv(4, 3, precision='highest')\n",
        ),
        invalid=(
            "from jax import lax\nlax.conv(x, w, (1,), 'SAME')\n",
            "import flax.linen as nn\nnn.Conv(4, 3, precision=None)\n",
            "import jax.numpy as jnp\njnp.convolve(x, k, mode='same')\n",
        ),
        frameworks=("flax", "jax"),
    ),
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
RULES_BY_HAZARD: dict[str, Rule] = {rule.hazard: rule for rule in RULES if rule.hazard}
DYNAMIC_CALL = RULES_BY_CODE["CNV901"]
KERNEL_LAYOUT = RULES_BY_CODE["CNV101"]
CAUSAL_PADDING = RULES_BY_CODE["CNV102"]
SAME_PADDING_TORCH = RULES_BY_CODE["CNV103"]
EXPLICIT_PADDING = RULES_BY_CODE["CNV104"]
TRUNCATED_NORMAL = RULES_BY_CODE["CNV106"]
PORTED_KERNEL = RULES_BY_CODE["CNV107"]
INITIALIZER_NAME = RULES_BY_CODE["CNV108"]
IMPLICIT_PRECISION = RULES_BY_CODE["CNV902"]
