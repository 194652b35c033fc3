"""conv-lint verify's pure-Python parts: argument evaluation, translation, statistics, tolerance.

None of these imports TensorFlow, JAX or NumPy: they run in the parent process. The one
comparison with SciPy runs SciPy in a subprocess.
"""

import json
import math
import random

import pytest

from conv_lint.analyzer import analyze_source
from conv_lint.catalog import KERNEL_INIT, LAYOUT, PADDING
from conv_lint.verify.command import parse_shape
from conv_lint.verify.judging import agreement, stats
from conv_lint.verify.pair import read_call
from conv_lint.verify.planning.conv import Conv, Padding, Unsupported
from conv_lint.verify.planning.families import FLAX, KERAS, LAX, family_of
from conv_lint.verify.planning.plan import Jobs, Planner
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.values import Evaluator, NotStatic
from conftest import require_installed, run

SOURCE = """
import flax.linen as nn
import keras

K = 5
DN = ("NWC", "WIO", "NWC")
INIT = nn.initializers.lecun_normal()
TWICE = 1
TWICE = 2

def build(features):
    K = 3  # a local K: not the module constant
    return nn.Conv(features, K)

layer = keras.layers.Conv1D(8, K, strides=(2,), padding="same", kernel_initializer=keras.initializers.VarianceScaling(scale=1 / 3))
flax_layer = nn.Conv(4, (K,), kernel_init=INIT, padding=((K - 1, 0),))
twice = keras.layers.Conv1D(TWICE, 3)
"""


@pytest.fixture(scope="module")
def calls():
    analysis = analyze_source(SOURCE, "m.py")
    evaluator = Evaluator(analysis)
    return {(call.node.lineno, call.api.name): evaluator.arguments(call) for call in analysis.calls}


def test_literals_constants_and_qualified_initializers(calls):
    keras_args = calls[(15, "keras.layers.Conv1D")]
    assert keras_args["kernel_size"].value == 5  # the module constant K
    assert keras_args["strides"].value == (2,)
    assert keras_args["kernel_initializer"].source == "keras.initializers.VarianceScaling(scale=0.3333333333333333)"
    flax_args = calls[(16, "flax.linen.Conv")]
    assert flax_args["kernel_size"].value == (5,)
    assert flax_args["padding"].value == ((4, 0),)  # arithmetic on a constant
    assert flax_args["kernel_init"].source == "flax.linen.initializers.lecun_normal()"  # through the alias nn


def test_what_is_not_known_statically_says_why(calls):
    local = calls[(13, "flax.linen.Conv")]
    assert isinstance(local["features"], NotStatic) and "features" in str(local["features"])
    # The function's own K shadows the constant, and is known there, as check knows it (issue 14).
    assert local["kernel_size"].value == 3
    # TWICE is bound twice, and the call reads the second binding, which every path to it passes.
    assert calls[(17, "keras.layers.Conv1D")]["filters"].value == 2


def test_keras_padding_translates_to_flax_and_lax():
    conv, call = read_call('keras.layers.Conv1D(2, 3, strides=2, dilation_rate=1, padding="causal")', Probe())
    assert conv.padding == Padding("causal") and conv.use_bias and conv.channels_last
    flax = FLAX.write(conv)
    assert dict(flax.kwargs)["padding"] == "((2, 0),)"  # causal = ((k-1)*d, 0)
    assert "padding" not in dict(FLAX.write(conv, frozenset({PADDING})).kwargs)  # left to Flax's 'SAME'
    lax = LAX.write(conv, frozenset({LAYOUT}))
    assert "dimension_numbers" not in dict(lax.kwargs) and lax.input_layout == "NCW"
    assert dict(LAX.write(conv).kwargs)["dimension_numbers"] == "('NWC', 'WIO', 'NWC')"
    assert dict(call.kwargs) == {"filters": "2", "kernel_size": "3", "strides": "2", "padding": "'causal'", "dilation_rate": "1"}


def test_explicit_pairs_become_a_zero_padding_step_in_keras():
    conv, _ = read_call("flax.linen.Conv(1, 3, padding=((2, 1),))", Probe())
    keras = KERAS.write(conv)
    assert keras.pad == ((2, 1),) and dict(keras.kwargs)["padding"] == '"valid"'


def test_initializer_alignment_comes_from_the_catalog():
    assert FLAX.align_source(KERNEL_INIT, "glorot_uniform") == "flax.linen.initializers.glorot_uniform()"
    assert KERAS.align_source(KERNEL_INIT, "lecun_normal") == '"lecun_normal"'
    assert KERAS.align_source(KERNEL_INIT, "truncated_normal") is None


def test_unsupported_apis_say_why():
    with pytest.raises(Unsupported, match="PyTorch"):
        family_of("torch.nn.Conv1d")
    with pytest.raises(Unsupported, match="transposed"):
        family_of("keras.layers.Conv1DTranspose")
    with pytest.raises(NotStatic, match="spatial rank"):
        read_call("tensorflow.nn.convolution(x, w)", Probe())
    with pytest.raises(NotStatic, match="window_strides"):
        read_call('jax.lax.conv_general_dilated(x, w, window_strides=s, padding="SAME")', Probe())


@pytest.mark.parametrize(
    ("n", "k", "s", "kind", "pairs"),
    [(7, 3, 1, "same", (1, 1)), (7, 4, 1, "same", (1, 2)), (8, 3, 2, "same", (0, 1)), (9, 3, 2, "same", (1, 1)),
     (9, 4, 2, "same", (1, 2)), (7, 4, 1, "same_lower", (2, 1)), (7, 3, 1, "valid", (0, 0))],
)
def test_same_padding_split_matches_framework_defaults_md(n, k, s, kind, pairs):
    conv = Conv(1, 1, (k,), (s,), (1,), Padding(kind), True, False)
    assert conv.padding_pairs((n,)) == (pairs,)


def test_tolerance_is_the_rounding_bound_and_a_shift_exceeds_it():
    x = [1.0, -2.0, 3.0]
    kernel = [0.5, -0.25, 1.0, 2.0]  # shape (2, 1, 2): filter 0 = [0.5, 1.0], filter 1 = [-0.25, 2.0]
    tolerance = agreement.tolerance(x, kernel, (2, 1, 2), [0.1, -0.3])
    assert tolerance.terms == 2 and tolerance.bound == pytest.approx(3.0 * 2.25 + 0.3)
    assert tolerance.absolute(["float32"]) == pytest.approx(2 * 2 * 2**-23 * 7.05)
    assert tolerance.absolute(["float32", "bfloat16"]) > 1000 * tolerance.absolute(["float32"])
    answer = lambda values: {"output": {"shape": [1, len(values), 1], "values": values, "dtype": "float32"},  # noqa: E731
                             "canonical": {"shape": [1, len(values), 1], "values": values}}
    names = ("a", "b")
    assert agreement.outputs(answer([1.0, 2.0]), answer([1.0, 2.0 + 1e-6]), names, tolerance).state == agreement.AGREE
    assert agreement.outputs(answer([1.0, 2.0]), answer([2.0, 1.0]), names, tolerance).state == agreement.DIFFER
    assert "shapes differ" in agreement.outputs(answer([1.0]), answer([1.0, 2.0]), names, tolerance).summary
    raised = agreement.outputs({"raised": "ValueError: no"}, answer([1.0]), names, tolerance)
    assert raised.state == agreement.DIFFER and "a raises ValueError" in raised.summary
    assert agreement.outputs({"failure": "timed out"}, answer([1.0]), names, tolerance).state == agreement.UNKNOWN


def _uniform_and_truncated_normal(n: int, seed: int) -> tuple[list[float], list[float]]:
    """Equal variance (1), different shapes: what glorot_uniform and lecun_normal draw when fan_in = fan_out."""
    rng = random.Random(seed)
    uniform = [rng.uniform(-math.sqrt(3), math.sqrt(3)) for _ in range(n)]
    sigma = 1 / 0.87962566103423978
    normal = []
    while len(normal) < n:
        value = rng.gauss(0, sigma)
        if abs(value) < 2 * sigma:
            normal.append(value)
    return uniform, normal


def test_samples_of_equal_variance_but_different_shape_are_told_apart_by_ks():
    uniform, normal = _uniform_and_truncated_normal(16384, 0)
    answer = lambda values: {"values": values, "draws": len(values), "shape": [1]}  # noqa: E731
    outcome = agreement.samples(answer(uniform), answer(normal), ("glorot", "lecun"))
    assert outcome.state == agreement.DIFFER and outcome.evidence["rejected_by"] == ["KS"]
    same = agreement.samples(answer(uniform[:8000]), answer(uniform[8000:]), ("a", "b"))
    assert same.state == agreement.AGREE
    assert agreement.samples(answer([0.0] * 5), answer([0.0] * 5), ("a", "b")).state == agreement.AGREE
    assert agreement.samples(answer([0.0] * 5), answer(uniform[:5]), ("a", "b")).state == agreement.DIFFER


def test_ks_and_variance_ratio_match_scipy():
    require_installed("scipy")
    uniform, normal = _uniform_and_truncated_normal(3000, 1)
    uniform = uniform[:2500]
    d, p = stats.ks_test(uniform, normal)
    probe = (
        "import json, sys\nfrom scipy import stats\n"
        "a, b = json.load(sys.stdin)\n"
        "r = stats.ks_2samp(a, b, method='asymp')\n"
        "lams = [0.3, 0.8, 1.0, 1.18, 1.5, 2.5]\n"
        "print(json.dumps([float(r.statistic), [float(stats.kstwobign.sf(x)) for x in lams]]))\n"
    )
    result = run("python", "-c", probe, stdin=json.dumps([uniform, normal]))
    assert result.returncode == 0, result.stderr
    statistic, survival = json.loads(result.stdout)
    assert d == pytest.approx(statistic, abs=1e-12)
    for lam, expected in zip([0.3, 0.8, 1.0, 1.18, 1.5, 2.5], survival):
        assert stats.kolmogorov_sf(lam) == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert 0 <= p <= 1


def test_input_shape_option_is_checked():
    assert parse_shape("1,9,2") == (1, 9, 2)
    assert parse_shape(None) is None
    for bad in ("9", "1,0,1", "a,b,c", "1,2,3,4,5,6"):
        with pytest.raises(ValueError, match="input-shape"):
            parse_shape(bad)


def test_check_fix_and_the_flake8_plugin_never_import_verify():
    probe = (
        "import sys\nfrom conv_lint.cli import main\n"
        "main(['check', 'fixtures/keras', '--exit-zero', '--no-cache'])\n"
        "main(['fix', '--diff', 'fixtures/keras'])\n"
        "import conv_lint.flake8_plugin\n"
        "print('VERIFY', sorted(m for m in sys.modules if m.startswith('conv_lint.verify')))\n"
    )
    result = run("python", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "VERIFY []"


def test_a_worker_tells_a_rejected_call_from_its_own_failure():
    from conv_lint.verify.workers.serve import raised

    assert raised(ValueError("lhs feature dimension 7 != 1")) == {"raised": "ValueError: lhs feature dimension 7 != 1"}
    assert "failure" in raised(MemoryError())
    assert "out of memory" in raised(RuntimeError("RESOURCE_EXHAUSTED: Out of memory allocating 9.6 GB"))["failure"]
    assert "not installed" in raised(ModuleNotFoundError("No module named 'haiku'"))["failure"]
    # XLA's words for an operation this build cannot run: the host's limit, not the call's.
    assert "cannot run it" in raised(RuntimeError("UNIMPLEMENTED: Unsupported convolution datatype"))["failure"]


def test_recorded_dimension_numbers_become_letters():
    from conv_lint.verify.execution.recorder import _lax_letters

    assert _lax_letters(None, 1) == ("NCW", "OIW", "NCW")
    assert _lax_letters(("NWC", "OIW", "NWC"), 1) == ("NWC", "OIW", "NWC")
    # lax.ConvDimensionNumbers: (batch, feature, spatial...) and (out, in, spatial...) by axis index.
    assert _lax_letters(((0, 2, 1), (2, 1, 0), (0, 2, 1)), 1) == ("NWC", "WIO", "NWC")


def test_a_bug_in_verify_planning_leaves_that_finding_unverifiable_and_the_run_goes_on():
    # A value of a type planning never expects stands for a bug there (as CNV999 does for a rule's).
    analysis = analyze_source("import keras\nkeras.layers.Conv1D(4, 3)\nkeras.layers.Conv1D(4, 5)\n", "<module>")
    first, second = [f for f in analysis.findings if f.code == "CNV001"]
    evaluator = Evaluator(analysis)
    planner = Planner(Probe(), Jobs())
    broken = planner.plan(first, {**evaluator.arguments(first.call), "kernel_size": object()}, "no pin")
    assert broken.unverifiable.startswith("internal error in conv-lint verify (AttributeError: ")
    assert broken.unverifiable.endswith("please report it with this call")
    assert not planner.plan(second, evaluator.arguments(second.call), "no pin").unverifiable
