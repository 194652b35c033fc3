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

The finding's words are the source, as for the other porting notes.
"""

from __future__ import annotations

import re

from conv_lint.catalog import JAX
from conv_lint.verify.planning.conv import Call, Unsupported

CODES = ("CNV106", "CNV108")
SHAPE = (3, 1, 1)  # (width, in, out): fan_in 3, fan_out 3

_FORMULA = re.compile(r"U\(±1/sqrt\(fan_in\)\)|U\(±sqrt\((\d+)/(fan_in|\(fan_in \+ fan_out\))\)\)"
                      r"|N\(0, (\d+)/(fan_in|\(fan_in \+ fan_out\))\)")


def variance_scaling(formula: re.Match) -> str:
    """A formula the message writes as JAX's ``variance_scaling``: U(±sqrt(3·scale/fan)), N(0, scale/fan)."""
    if formula.group(0) == "U(±1/sqrt(fan_in))":
        return 'jax.nn.initializers.variance_scaling(1 / 3, "fan_in", "uniform")'
    uniform = formula.group(1) is not None
    c = int(formula.group(1) or formula.group(3))
    both = (formula.group(2) or formula.group(4)) != "fan_in"  # fan_avg is (fan_in + fan_out) / 2
    scale = c / 3 if uniform else c
    scale = scale / 2 if both else scale
    mode = "fan_avg" if both else "fan_in"
    return f'jax.nn.initializers.variance_scaling({scale!r}, "{mode}", "{"uniform" if uniform else "normal"}")'


def initializer_call(source: str) -> Call:
    return Call(source, (), "initializer", JAX, "", "")


def plan(planner, check, args: dict | None) -> None:
    finding = check.finding
    check.pin_note = f"{finding.code} has no fix to pin"
    message = finding.message
    if " is labelled " in message:
        _, _, stated = message.partition(", but it is ")
        formulas = list(_FORMULA.finditer(stated))
        if len(formulas) != 2:
            raise Unsupported("the finding's formulas are not ones verify draws")
        written, named = (initializer_call(variance_scaling(f)) for f in formulas)
        check.divergence = planner.initializer_samples("divergence", written, named, SHAPE, ("as written", "as labelled"))
        check.notes.append(f"drawn at kernel shape {SHAPE} (fan_in 3, fan_out 3) as {written.api} and {named.api}")
        check.fix_note = "which initializer was meant is the author's to say"
        return
    truncated = re.match(r"([\w.]+)\(stddev=.*?\) cuts a normal", message)
    if truncated is not None:
        written, named = _truncated_normal(truncated.group(1))
        names = ("as written", "lecun_normal")
        check.divergence = planner.initializer_samples("divergence", written, named, SHAPE, names)
        check.notes.append(f"stddev 1/sqrt(3), drawn at kernel shape {SHAPE} (fan_in 3); lecun_normal is {named.api}")
        advice = re.search(r" — use (\S.*)$", message)
        if advice is not None:
            check.fix = planner.initializer_samples("fix", initializer_call(advice.group(1)), named, SHAPE, ("the fix", names[1]))
            check.fix_note = "the initializer the message says to use"
        return
    planner.layer_initializer_check(check, args, _compared_with(message))


def _truncated_normal(name: str) -> tuple[Call, Call]:
    if name.startswith(("haiku.", "jax.", "flax.")):
        return initializer_call(f"{name}(stddev=1 / 3 ** 0.5)"), initializer_call("jax.nn.initializers.lecun_normal()")
    raise Unsupported(f"{name} is not an initializer verify draws by itself")


def _compared_with(message: str) -> tuple[str, str, str]:
    """The layer the message compares with: (family name, the parameter set, its source or "")."""
    if "Flax's lecun_normal()" in message:
        return "flax", "", ""
    if "PyTorch's conv layers" in message:
        return "equinox", "", ""  # draws kaiming_uniform_(a=sqrt(5)) as PyTorch does: U(±1/sqrt(fan_in))
    if "Keras' RandomUniform" in message:
        return "keras", "kernel_initializer", "keras.initializers.RandomUniform()"
    raise Unsupported("the finding names no initializer verify draws")
