"""A file mixing flagged calls, explicit calls, noqa comments and calls that cannot be known."""
import functools

import flax.linen as nn
import jax.numpy as jnp
from jax import lax
from tensorflow.keras import layers as L

conv = L.Conv1D(8, 3)
same = L.Conv1D(8, 3, 1, "same", "channels_last", kernel_initializer="glorot_uniform", use_bias=False)
quiet = L.Conv2D(8, 3)  # noqa
partly = L.Conv2D(8, 3)  # noqa: CNV001,CNV004
prefix = L.Conv2D(8, 3)  # NOQA:CNV00
flax_conv = nn.Conv(4, 3)
y = lax.conv_general_dilated(x, w, (1,), "SAME")
z = jnp.convolve(x, k)
dynamic = L.Conv1D(**config)
part = functools.partial(nn.Conv, padding="SAME")
multi = nn.Conv(
    4,  # noqa: CNV001 (flake8 reads noqa on the call's first line only)
    3,
)
