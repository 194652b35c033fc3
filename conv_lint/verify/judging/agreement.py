"""Whether two runs differ: shapes, values within a tolerance, distributions, or bits.

Tolerance policy (docs/VERIFY.md, "Tolerance policy"). A float sum of n products carries at most
n·eps·Σ|x·w| of rounding error (Higham's bound for any summation order), whichever
library, blocking or instruction set computed it; oneDNN and XLA order their sums
differently and may use FMA, which stays inside that bound. Two outputs "agree" when every
element differs by at most twice that bound (both sides round), with eps the machine
epsilon of the coarser output dtype and Σ|x·w| bounded by max|x| · max over filters of
Σ|w| (+ max|b|). A divergence from a default (a shifted window, a flipped kernel) moves
outputs by O(|x|·|w|), orders of magnitude above it. TF32 (10-bit mantissa) is not allowed
for: the workers run on the CPU with TF32 turned off, so float32 is full float32.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from conv_lint.verify.judging import stats

DIFFER, AGREE, UNKNOWN = "differ", "agree", "unknown"

EPSILON = {"float64": 2.0**-52, "float32": 2.0**-23, "float16": 2.0**-10, "bfloat16": 2.0**-7}
ALPHA = 1e-4  # the false-alarm rate of "these initializers differ", split over two tests


@dataclass
class Outcome:
    state: str
    summary: str
    evidence: dict = field(default_factory=dict)

    @property
    def differs(self) -> bool:
        return self.state == DIFFER


@dataclass(frozen=True)
class Tolerance:
    """The rounding bound of one convolution output element (see the module docstring)."""

    terms: int  # products summed per output element: prod(kernel) * input channels / groups
    bound: float  # max|x| * max_o sum|w[..., o]| + max|b|

    def absolute(self, dtypes: Sequence[str]) -> float:
        epsilon = max(EPSILON.get(dtype, EPSILON["float32"]) for dtype in dtypes)
        return 2 * self.terms * epsilon * self.bound


def outputs(a: dict, b: dict, names: tuple[str, str], tolerance: Tolerance) -> Outcome:
    """Two runs' answers on the same probe: do they compute the same thing?"""
    for answer, name in zip((a, b), names):
        if "failure" in answer:
            return Outcome(UNKNOWN, f"{name} could not be run: {answer['failure']}")
    if "raised" in a and "raised" in b:
        return Outcome(UNKNOWN, f"both calls raise on the probe: {a['raised']}")
    for answer, other, name, other_name in ((a, b, *names), (b, a, *reversed(names))):
        if "raised" in answer:
            shape = tuple(other["output"]["shape"])
            return Outcome(DIFFER, f"{name} raises {answer['raised']}; {other_name} gives shape {shape}",
                           {"raised": {name: answer["raised"]}, "shapes": {other_name: shape}})
    outcome = _compare_outputs(a, b, names, tolerance)
    ran_as = {name: answer["ran_as"] for answer, name in zip((a, b), names) if answer.get("ran_as")}
    if ran_as:  # the evidence says how a side was computed when it could not run as written on this host
        outcome.evidence["ran_as"] = ran_as
        outcome.summary += "".join(f" ({name} {how})" for name, how in ran_as.items())
    return outcome


def _compare_outputs(a: dict, b: dict, names: tuple[str, str], tolerance: Tolerance) -> Outcome:
    shapes = {name: tuple(answer["output"]["shape"]) for answer, name in zip((a, b), names)}
    left, right = a["canonical"], b["canonical"]
    if left is None or right is None or left["shape"] != right["shape"]:
        return Outcome(DIFFER, f"shapes differ: {shapes[names[0]]} vs {shapes[names[1]]}", {"shapes": shapes})
    limit = tolerance.absolute((a["output"]["dtype"], b["output"]["dtype"]))
    differences = [abs(x - y) for x, y in zip(left["values"], right["values"])]
    largest = max(differences, default=0.0)
    scale = max((abs(y) for y in right["values"]), default=0.0)
    evidence = {
        "shapes": shapes,
        "max_abs_diff": largest,
        "max_rel_diff": largest / scale if scale else 0.0,
        "tolerance": limit,
    }
    if largest > limit:
        summary = f"values differ: max abs diff {largest:.4g} (tolerance {limit:.2g}), shape {shapes[names[0]]}"
        return Outcome(DIFFER, summary, evidence)
    return Outcome(AGREE, f"outputs agree: max abs diff {largest:.2g} (tolerance {limit:.2g}), shape {shapes[names[0]]}", evidence)


def over_lengths(per_length: list[tuple[tuple[int, ...], Outcome]]) -> Outcome:
    """One outcome for a comparison made at several probe sizes (one per residue of the stride)."""
    sizes = [size_label(size) for size, _ in per_length]
    agreeing = [size_label(size) for size, outcome in per_length if outcome.state == AGREE]
    for size, outcome in per_length:
        if outcome.state == DIFFER:
            where = f"at length {size_label(size)}"
            if agreeing:
                where += f" (at {', '.join(agreeing)} they agree)"
            evidence = {**outcome.evidence, "length": size_label(size), "agreeing_lengths": agreeing}
            return Outcome(DIFFER, f"{where}: {outcome.summary}", evidence)
    for size, outcome in per_length:
        if outcome.state == UNKNOWN:
            return outcome
    last = per_length[-1][1]
    return Outcome(AGREE, f"{last.summary.split(':', 1)[0]} at length{'s' if len(sizes) > 1 else ''} {', '.join(sizes)}",
                   {**last.evidence, "lengths": sizes})


def size_label(size: tuple[int, ...]) -> str:
    """A probe's spatial size as reports name it: ``7``, or ``7x9`` when the sizes differ."""
    return str(size[0]) if len(set(size)) == 1 else "x".join(map(str, size))


def samples(a: dict, b: dict, names: tuple[str, str]) -> Outcome:
    """Do two initializers draw from one distribution? KS and variance-ratio tests on many draws."""
    for answer, name in zip((a, b), names):
        if "failure" in answer:
            return Outcome(UNKNOWN, f"{name} could not be sampled: {answer['failure']}")
    first, second = stats.summarize(a["values"]), stats.summarize(b["values"])
    evidence = {
        "distributions": {names[0]: {**first.as_dict(), "draws": a["draws"], "shape": a["shape"]},
                          names[1]: {**second.as_dict(), "draws": b["draws"], "shape": b["shape"]}},
    }
    if first.std == 0 or second.std == 0:
        if first.std == second.std and first.mean == second.mean:
            return Outcome(AGREE, f"both are the constant {first.mean:g}", evidence)
        return Outcome(DIFFER, f"{_spread(first)} vs {_spread(second)}", evidence)
    d, p_ks = stats.ks_test(a["values"], b["values"])
    ratio, z, p_var = stats.variance_ratio_test(first, second)
    evidence["ks"] = {"D": d, "p": p_ks}
    evidence["variance_ratio"] = {"ratio": ratio, "z": z, "p": p_var}
    evidence["alpha"] = ALPHA
    rejected = [test for test, p in (("KS", p_ks), ("variance ratio", p_var)) if p < ALPHA / 2]
    evidence["rejected_by"] = rejected
    detail = (f"std {first.std:.4g} vs {second.std:.4g}, variance ratio {ratio:.3f} (p={p_var:.2g}), "
              f"KS D={d:.4f} (p={p_ks:.2g}), n={first.n}+{second.n}")
    if rejected:
        return Outcome(DIFFER, f"different distributions ({' and '.join(rejected)} test): {detail}", evidence)
    return Outcome(AGREE, f"same distribution (neither test rejects at α={ALPHA:g}): {detail}", evidence)


def _spread(summary: stats.Summary) -> str:
    if summary.std == 0:
        return f"constant {summary.mean:g}"
    return f"values in [{summary.low:.3g}, {summary.high:.3g}] (std {summary.std:.3g})"


def bitwise(a: dict, b: dict, names: tuple[str, str]) -> Outcome:
    """Are two runs of one framework bit-identical (outputs and the weights they initialized)?"""
    for answer, name in zip((a, b), names):
        if "failure" in answer:
            return Outcome(UNKNOWN, f"{name} could not be run: {answer['failure']}")
        if "raised" in answer:
            return Outcome(UNKNOWN, f"{name} raises on the probe: {answer['raised']}")
    if a["output"] != b["output"]:
        return Outcome(DIFFER, f"outputs differ: {_first_difference(a['output'], b['output'])}")
    if a["weights"] != b["weights"]:
        changed = [name for name in a["weights"] if a["weights"][name] != b["weights"].get(name)]
        return Outcome(DIFFER, f"the initialized {' and '.join(changed)} differ")
    weights = " and ".join(a["weights"]) or "no weights"
    return Outcome(AGREE, f"bit-identical output {tuple(a['output']['shape'])} and {weights}")


def _first_difference(a: dict, b: dict) -> str:
    if a["shape"] != b["shape"]:
        return f"shapes {tuple(a['shape'])} vs {tuple(b['shape'])}"
    index = next(i for i, (x, y) in enumerate(zip(a["values"], b["values"])) if x != y)
    return f"element {index}: {a['values'][index]!r} vs {b['values'][index]!r}"


def tolerance(x: Sequence[float], kernel: Sequence[float], kernel_shape: Sequence[int], bias: Sequence[float] | None) -> Tolerance:
    """The bound for a probe: canonical kernel (spatial..., in, out)."""
    # tuple() of a tuple (what ProbeArray holds) is that tuple: the memo costs a lookup.
    return _tolerance(tuple(x), tuple(kernel), tuple(kernel_shape), None if bias is None else tuple(bias))


@functools.lru_cache(maxsize=1024)  # the same probe arrays recur across a run's findings
def _tolerance(x: tuple[float, ...], kernel: tuple[float, ...], kernel_shape: tuple[int, ...],
               bias: tuple[float, ...] | None) -> Tolerance:
    filters = kernel_shape[-1]
    terms = math.prod(kernel_shape[:-1])
    per_filter = [math.fsum(abs(kernel[i]) for i in range(o, len(kernel), filters)) for o in range(filters)]
    bound = max((abs(v) for v in x), default=0.0) * max(per_filter, default=0.0)
    bound += max((abs(v) for v in bias or ()), default=0.0)
    return Tolerance(max(terms, 1), bound)


def own_weights_tolerance(x: Sequence[float], a: dict, b: dict) -> Tolerance | None:
    """The bound for two runs of layers that initialized their own weights (the answers carry
    them): every weight of a side counted in one sum, a bound on any output element's sum
    whatever the layer's kernel layout. None when a side has no output."""
    if any("weights" not in answer for answer in (a, b)):
        return None
    terms, bound = 1, 0.0
    for answer in (a, b):
        values = [abs(v) for weight in answer["weights"].values() for v in weight["values"]]
        terms = max(terms, len(values))
        bound = max(bound, max((abs(v) for v in x), default=0.0) * math.fsum(values) + max(values, default=0.0))
    return Tolerance(terms, bound)
