"""Compare two convolution calls written as source: do they compute the same, and draw the same weights?

``compare_calls('keras.layers.Conv1D(1, 3, padding="same")', 'flax.linen.Conv(1, 3)', pool)``
runs both on one probe with the same weights copied in, and samples both layers' default
initializers, answering per aspect: CONFIRMED (they differ), NOT CONFIRMED (they agree) or
UNVERIFIABLE. Names are written qualified (``keras.layers``, ``flax.linen``, ``jax.lax``); a
functional call (``jax.lax.conv_general_dilated(window_strides=(1,), padding="SAME")``) is fed
the other call's kernel. This is what a port is checked with, and what the acceptance tests use.
"""

from __future__ import annotations

from dataclasses import replace

from conv_lint.analyzer import analyze_source, parse
from conv_lint.verify.judging.agreement import AGREE, DIFFER
from conv_lint.verify.judging.verdict import CONFIRMED, NOT_CONFIRMED, UNVERIFIABLE, Step, step
from conv_lint.verify.planning import probe as probes
from conv_lint.verify.planning.conv import Call, Conv, Unsupported
from conv_lint.verify.planning.families import family_of
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.plan import RunComparison, Jobs, Planner
from conv_lint.verify.planning.values import Evaluator
from conv_lint.verify.workers.pool import Pool

# The calls are analyzed as a module that imports every package a qualified name may start with.
PRELUDE = "".join(f"import {name}\n" for name in ("keras", "tensorflow", "jax", "flax", "haiku", "equinox", "numpy", "scipy"))


def read_call(source: str, probe: Probe) -> tuple[Conv, Call]:
    """One call's neutral description, and the call as written."""
    text = PRELUDE + source + "\n"
    analysis = analyze_source(text, "<call>")
    if analysis is None or not analysis.calls:
        raise Unsupported(f"not a convolution call conv-lint knows: {source}")
    call = analysis.calls[-1]
    args = Evaluator(analysis, parse(text, "<call>")).arguments(call)
    family = family_of(call.api.name)
    conv = family.read(call.api, args, probe)
    conv = replace(conv, in_channels=probes.channels(conv, probe))
    return conv, family.native(call.api, args, conv)


def plan_pair(first: str, second: str, planner: Planner, initializers: bool = True) -> dict[str, RunComparison]:
    """The comparisons of two calls, per aspect ("outputs", "kernel_init", "bias_init"), not yet run."""
    probe = planner.probe
    conv, call = read_call(first, probe)
    # A functional second call convolves with the first call's kernel.
    other_conv, other = read_call(second, replace(probe, kernel_size=conv.kernel_size[0], filters=conv.filters))
    if (other_conv.kernel_size, other_conv.filters) != (conv.kernel_size, conv.filters):
        raise Unsupported("the two calls hold kernels of different shapes: no weights to copy across")
    names = (call.api, other.api) if call.api != other.api else (f"{call.api} (first)", f"{other.api} (second)")
    comparisons = {"outputs": planner.values("outputs with the same weights", conv, call, other, names)}
    if initializers and call.layer and other.layer:
        comparisons["kernel_init"] = planner.samples("default kernel initializers", conv, call, other, "kernel", names)
        if conv.use_bias and other_conv.use_bias:
            comparisons["bias_init"] = planner.samples("default bias initializers", conv, call, other, "bias", names)
    return comparisons


def judge_pair(comparisons: dict[str, RunComparison]) -> dict[str, Step]:
    verdicts = {DIFFER: CONFIRMED, AGREE: NOT_CONFIRMED}
    return {aspect: step(comparison, verdicts, UNVERIFIABLE) for aspect, comparison in comparisons.items()}


def compare_calls(first: str, second: str, pool: Pool, probe: Probe = Probe(), initializers: bool = True) -> dict[str, Step]:
    """Per aspect, whether the two calls differ: planned, run in ``pool``, judged."""
    jobs = Jobs()
    comparisons = plan_pair(first, second, Planner(probe, jobs), initializers)
    pool.run(jobs.all())
    return judge_pair(comparisons)
