"""One rule per hazard: its code, message, documentation and its own examples.

Like Fixit 2, each rule carries VALID and INVALID snippets; ``tests/test_rules.py`` runs
them all through the real analyzer, and ``conv-lint explain`` / the README show them.
The docs follow ruff's sections: what it does, why it matters, example, use instead,
fix safety, plus a table of the defaults by framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conv_lint.catalog import (
    BIAS_INIT,
    CONTRASTS,
    CONVOLVE_MODE,
    KERNEL_INIT,
    LAYOUT,
    PADDING,
    Contrast,
    ConvAPI,
    Default,
)

# Opinionated or opt-in codes (like flake8-bugbear's B9xx) run only when a select names
# them more precisely than the plain prefix: `--select CNV9` or `--extend-select CNV901`.
PREFIX = "CNV"
OPT_IN_PREFIX = "CNV9"
# Not a rule: a bug in conv-lint itself, reported whatever is selected (like flake8's E902).
INTERNAL_ERROR = "CNV999"


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
    frameworks: tuple[str, ...] = field(default=())

    @property
    def opt_in(self) -> bool:
        return self.code.startswith(OPT_IN_PREFIX)

    def message(self, api: ConvAPI, default: Default | None, contrast: Contrast | None) -> str:
        if default is None:  # CNV901: nothing about a default can be claimed
            return f"{api.name} call passes *args/**kwargs or is built indirectly; cannot tell which defaults it uses"
        other = f"; {contrast.api} defaults to {contrast.value}" if contrast else ""
        if default.param is None:
            return (
                f"{api.name} is {default.means}{other.replace('defaults to', 'is')}"
                " — use jax.lax.conv_general_dilated with explicit dimension_numbers"
            )
        means = f" ({default.means})" if default.means else ""
        if self.hazard == CONVOLVE_MODE:
            return (
                f"{api.name} relies on default {default.param}={default.value}{means} and flips the kernel"
                f" (true convolution); {contrast.api} cross-correlates with {contrast.value}"
                f" — pass {default.param}= explicitly"
            )
        return (
            f"{api.name} relies on default {default.param}={default.value}{means}{other}"
            f" — pass {default.param}= explicitly"
        )

    def docs(self) -> str:
        """The rule's documentation as Markdown, in ruff's sections."""
        table = defaults_table(self.hazard) if self.hazard else ""
        sections = [
            f"# {self.code} {self.name}",
            f"{self.summary}",
            f"## What it does\n{self.what_it_does}",
            f"## Why is this bad?\n{self.why}",
            f"## Example\n```python\n{self.example.strip()}\n```",
            f"## Use instead\n```python\n{self.use_instead.strip()}\n```",
            f"## Fix safety\n{self.fix_safety}",
        ]
        if table:
            sections.append(f"## Defaults by framework\n{table}")
        return "\n\n".join(sections) + "\n"


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
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
RULES_BY_HAZARD: dict[str, Rule] = {rule.hazard: rule for rule in RULES if rule.hazard}
DYNAMIC_CALL = RULES_BY_CODE["CNV901"]
