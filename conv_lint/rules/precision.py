"""CNV902 (opt-in): a JAX conv left at ``precision=None``, which runs float32 in TF32 on recent GPUs."""

from __future__ import annotations

from collections.abc import Iterator

from conv_lint.binding import ResolvedCall
from conv_lint.catalog import JAX
from conv_lint.rules.base import Flag, ModuleContext, Rule


def _implicit_precision(call: ResolvedCall, context: ModuleContext) -> Iterator[Flag]:
    api = call.api
    if api.side == JAX and "precision" in api.parameters and call.bound.relies_on_none("precision"):
        message = (
            f"{api.name} leaves precision=None: on GPUs with TF32 (Ampere and newer) float32 convolutions"
            " then run in TF32 (max relative error 2.9e-4 on an H100, 7e-7 with precision='highest') — pass"
            " precision= explicitly"
        )
        yield Flag(call.node, IMPLICIT_PRECISION, message, "precision")


IMPLICIT_PRECISION = Rule(
    code="CNV902",
    name="implicit-precision",
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
    check=_implicit_precision,
)

RULES = (IMPLICIT_PRECISION,)
