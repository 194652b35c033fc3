"""CNV106 and CNV108: an initializer that is not what it is called. Many draws of the initializer
as written and of the one it is named as (or compared with), judged by the two-sample tests of
the CNV002/CNV003 checks.

- a formula labelled with another initializer's name (``U(±sqrt(6/fan_in))`` called "glorot"):
  the formula the finding says it is vs the one the label means, each as JAX's
  ``variance_scaling``, at the probe's kernel shape (width 3, one in and one out channel: fan_in
  3, fan_out 3, the seed post's);
- a truncated normal with stddev 1/sqrt(fan_in) (CNV106): that initializer vs the rescaled one the
  message says to use, at that shape;
- a Haiku layer's default ``w_init`` vs Flax's ``lecun_normal()``, a kernel initializer named
  He uniform vs PyTorch's conv default (drawn by ``equinox.nn``, the same U(±1/sqrt(fan_in))),
  and JAX's ``uniform(scale)`` vs Keras' ``RandomUniform``: the layer as written vs the layer
  the message compares it with, the existing initializer samples.

The finding's facts (``conv_lint.rules.facts``) are the source, never its words.
"""

from __future__ import annotations

from conv_lint.catalog import JAX
from conv_lint.rules.facts import (
    FLAX_LECUN_NORMAL, KERAS_RANDOM_UNIFORM, TORCH_CONV_DEFAULT, InitializerContrast, LabelledFormula, TruncatedNormalStd,
)
from conv_lint.rules.initializers import FORMULAS
from conv_lint.verify.planning.conv import Call, Unsupported

CODES = ("CNV106", "CNV108")
SHAPE = (3, 1, 1)  # (width, in, out): fan_in 3, fan_out 3

# (distribution, scheme) -> (c, number of fans added) of its sqrt(c / fan) formula
_FORMULA_OF = {(distribution, scheme): (c, fans) for (distribution, c, fans), scheme in FORMULAS.items()}
# The layer an InitializerContrast's initializer is drawn by: (family name, the parameter set, its source or "").
_COMPARED_WITH = {
    FLAX_LECUN_NORMAL: ("flax", "", ""),
    TORCH_CONV_DEFAULT: ("equinox", "", ""),  # draws kaiming_uniform_(a=sqrt(5)) as PyTorch does: U(±1/sqrt(fan_in))
    KERAS_RANDOM_UNIFORM: ("keras", "kernel_initializer", "keras.initializers.RandomUniform()"),
}


def variance_scaling(distribution: str, scheme: str) -> str:
    """A scheme's formula as JAX's ``variance_scaling``: U(±sqrt(3·scale/fan)), N(0, scale/fan)."""
    if (distribution, scheme) == ("uniform", "torch"):
        return 'jax.nn.initializers.variance_scaling(1 / 3, "fan_in", "uniform")'
    c, fans = _FORMULA_OF[distribution, scheme]
    uniform = distribution == "uniform"
    scale = c / 3 if uniform else int(c)  # every normal's c is a whole number
    if fans == 2:  # fan_avg is (fan_in + fan_out) / 2
        scale = scale / 2
    mode = "fan_avg" if fans == 2 else "fan_in"
    return f'jax.nn.initializers.variance_scaling({scale!r}, "{mode}", "{distribution}")'


def initializer_call(source: str) -> Call:
    return Call(source, (), "initializer", JAX, "", "")


def plan(planner, check, args: dict | None) -> None:
    finding = check.finding
    check.pin_note = f"{finding.code} has no fix to pin"
    facts = finding.facts
    if isinstance(facts, LabelledFormula):
        if (facts.distribution, facts.drawn) not in _FORMULA_OF or (facts.distribution, facts.label) not in _FORMULA_OF:
            raise Unsupported("the finding's formulas are not ones verify draws")
        written, named = (initializer_call(variance_scaling(facts.distribution, scheme)) for scheme in (facts.drawn, facts.label))
        check.divergence = planner.initializer_samples("divergence", written, named, SHAPE, ("as written", "as labelled"))
        check.notes.append(f"drawn at kernel shape {SHAPE} (fan_in 3, fan_out 3) as {written.api} and {named.api}")
        check.fix_note = "which initializer was meant is the author's to say"
        return
    if isinstance(facts, TruncatedNormalStd):
        written, named = _truncated_normal(facts.initializer)
        names = ("as written", "lecun_normal")
        check.divergence = planner.initializer_samples("divergence", written, named, SHAPE, names)
        check.notes.append(f"stddev 1/sqrt(3), drawn at kernel shape {SHAPE} (fan_in 3); lecun_normal is {named.api}")
        check.fix = planner.initializer_samples("fix", initializer_call(facts.instead), named, SHAPE, ("the fix", names[1]))
        check.fix_note = "the initializer the message says to use"
        return
    if isinstance(facts, InitializerContrast) and facts.compared_with in _COMPARED_WITH:
        planner.layer_initializer_check(check, args, _COMPARED_WITH[facts.compared_with], facts.instead)
        return
    raise Unsupported("the finding names no initializer verify draws")


def _truncated_normal(name: str) -> tuple[Call, Call]:
    if name.startswith(("haiku.", "jax.", "flax.")):
        return initializer_call(f"{name}(stddev=1 / 3 ** 0.5)"), initializer_call("jax.nn.initializers.lecun_normal()")
    raise Unsupported(f"{name} is not an initializer verify draws by itself")
