"""``conv-lint fix --align-with``: what each target's default conv layer does, and how each layer
library writes it."""

from __future__ import annotations

from conv_lint.catalog.model import BIAS_INIT, KERNEL_INIT, PADDING

# `conv-lint fix --align-with TARGET` makes a call behave like TARGET's default conv layer:
# what that layer does for each hazard (as a `kind`), ...
ALIGN_TARGETS: dict[str, dict[str, str]] = {
    "tensorflow": {PADDING: "valid", KERNEL_INIT: "glorot_uniform", BIAS_INIT: "zeros"},
    "flax": {PADDING: "same", KERNEL_INIT: "lecun_normal", BIAS_INIT: "zeros"},
    "torch": {PADDING: "valid", KERNEL_INIT: "kaiming_uniform", BIAS_INIT: "uniform"},
}
# JAX's own conv functions have no padding or initializer defaults; its layer library's do.
ALIGN_TARGETS["jax"] = ALIGN_TARGETS["flax"]
ALIGN_CHOICES = tuple(sorted(ALIGN_TARGETS))

# ... and how each layer library writes that kind. A missing entry means the library cannot express
# it (no Keras initializer draws a bias from U(±1/sqrt(fan_in)) of the kernel's fan-in).
# torch's kaiming_uniform_(a=sqrt(5)) is U(±1/sqrt(fan_in)): variance scaling 1/3, fan_in, uniform.
ALIGN_SOURCES: dict[str, dict[tuple[str, str], str]] = {
    "keras": {
        (PADDING, "valid"): '"valid"',
        (PADDING, "same"): '"same"',
        (KERNEL_INIT, "glorot_uniform"): '"glorot_uniform"',
        (KERNEL_INIT, "lecun_normal"): '"lecun_normal"',
        (KERNEL_INIT, "kaiming_uniform"): '{init}.VarianceScaling(scale=1 / 3, mode="fan_in", distribution="uniform")',
        (BIAS_INIT, "zeros"): '"zeros"',
    },
    "flax": {
        (PADDING, "valid"): '"VALID"',
        (PADDING, "same"): '"SAME"',
        (KERNEL_INIT, "glorot_uniform"): "{init}.glorot_uniform()",
        (KERNEL_INIT, "lecun_normal"): "{init}.lecun_normal()",
        (KERNEL_INIT, "kaiming_uniform"): '{init}.variance_scaling(1 / 3, "fan_in", "uniform")',
        (BIAS_INIT, "zeros"): "{init}.zeros",
    },
    "haiku": {
        (PADDING, "valid"): '"VALID"',
        (PADDING, "same"): '"SAME"',
        (KERNEL_INIT, "glorot_uniform"): '{init}.VarianceScaling(1.0, "fan_avg", "uniform")',
        (KERNEL_INIT, "lecun_normal"): '{init}.VarianceScaling(1.0, "fan_in", "truncated_normal")',
        (KERNEL_INIT, "kaiming_uniform"): '{init}.VarianceScaling(1 / 3, "fan_in", "uniform")',
        (BIAS_INIT, "zeros"): "{init}.Constant(0.0)",
    },
    "equinox": {(PADDING, "valid"): "0", (PADDING, "same"): '"SAME"'},
    # torch's padding="same" exists for stride 1 only.
    "torch": {(PADDING, "valid"): "0", (PADDING, "same"): '"same"'},
}
