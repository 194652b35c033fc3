"""verify's checks for the finding kinds beyond the defaults (CNV1xx, transposed layers), in real TensorFlow and JAX.

Each kind has a CONFIRMED case and a NOT CONFIRMED control. Findings come from conv-lint's own
analysis of a small module; a control edits one to a configuration where the two runs agree.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import FIXTURES, require_installed, run
from conv_lint.analyzer import analyze_source
from conv_lint.verify.judging.verdict import judge
from conv_lint.verify.planning.plan import Jobs, Planner
from conv_lint.verify.planning.probe import Probe, ProbeArray
from conv_lint.verify.planning.values import Evaluator, Known
from conv_lint.verify.workers.pool import Limits, Pool

FRAMEWORKS = ("tensorflow", "keras", "jax", "flax", "haiku", "equinox")


@pytest.fixture(scope="module")
def pool():
    require_installed(*FRAMEWORKS)
    with Pool(Limits()) as workers:
        yield workers


def facts_edit(**changes):
    """An ``edit`` for ``verdicts``: the finding's facts (what verify plans from) with ``changes``."""
    def edit(finding, args):
        for name in changes:
            assert hasattr(finding.facts, name), finding.facts
        return replace(finding, facts=replace(finding.facts, **changes)), args

    return edit


def verdicts(source: str, pool: Pool, code: str, edit=None, seeds=(0,), sample_size=4096, input_shape=None,
             kernel_size=3) -> list:
    """The results of verify's checks of every ``code`` finding in ``source`` (``edit``: a change to
    each finding first; ``kernel_size``: the probe's kernel, given to functional calls), one per finding and seed."""
    analysis = analyze_source(source, "<module>")
    evaluator = Evaluator(analysis)
    findings = [f for f in analysis.findings if f.code == code]
    assert findings, [f.code for f in analysis.findings]
    jobs = Jobs()
    checks = []
    for seed in seeds:
        planner = Planner(Probe(seed=seed, input_shape=input_shape, kernel_size=kernel_size), jobs, sample_size=sample_size)
        for finding in findings:
            args = evaluator.arguments(finding.call) if finding.call else None
            finding, args = edit(finding, args) if edit else (finding, args)
            checks.append(planner.plan(finding, args, "no pin"))
    pool.run(jobs.all())
    return [judge(check) for check in checks]


# -- CNV101 / CNV107: the kernel read as written vs as intended ----------------------------------

SEED_LAYOUT = (
    "import jax\nimport jax.numpy as jnp\nfrom jax import lax, random\n"
    "x = jnp.ones((1, 7, 1))\n"
    "w = random.normal(random.PRNGKey(0), (3, 1, 1))  # width, in, out\n"
    "y = lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'OIW', 'NWC'))\n"
)
PORTED = (
    "import jax.numpy as jnp\nimport torch\nfrom jax import lax\n"
    "conv = torch.nn.Conv1d(4, 8, 3)\n"
    "w = jnp.asarray(conv.weight.detach().numpy())\n"
    "y = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
)


def test_cnv101_the_seed_posts_kernel_read_through_oiw_gives_1_7_3_and_the_fixed_spec_agrees(pool):
    (result,) = verdicts(SEED_LAYOUT, pool, "CNV101")
    assert result.verdict == "CONFIRMED", result.reason
    assert "(1, 7, 3) vs (1, 5, 1)" in result.reason
    assert result.fix.status == "FIX VERIFIED", result.fix.summary


def test_cnv101_not_confirmed_where_the_two_orders_read_the_same_values(pool):
    """Swapping two axes of size one moves no value: the control a check that always confirms would fail."""
    size_one_axes = facts_edit(shape=(1, 1, 1))
    results = verdicts(SEED_LAYOUT, pool, "CNV101", size_one_axes, seeds=range(100))
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


def test_cnv107_a_pytorch_weight_read_as_wio_differs_and_the_oiw_spec_agrees(pool):
    (result,) = verdicts(PORTED, pool, "CNV107")
    assert result.verdict == "CONFIRMED", result.reason
    assert result.fix.status == "FIX VERIFIED", result.fix.summary


def test_cnv107_not_confirmed_where_the_layer_order_is_the_order_read(pool):
    already_read_in_its_order = facts_edit(laid_out="WIO")
    results = verdicts(PORTED, pool, "CNV107", already_read_in_its_order, seeds=range(100))
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


def test_verify_confirms_every_finding_on_the_seed_posts_snippets():
    require_installed(*FRAMEWORKS)
    result = run("conv-lint", "verify", str(FIXTURES / "seed_post"), "--format", "json", "--no-cache")
    document = json.loads(result.stdout)
    verdict = {(Path(r["path"]).name, r["code"]): r for r in document["results"]}
    assert {r["verdict"] for r in verdict.values()} == {"CONFIRMED"}, {k: r["reason"] for k, r in verdict.items()}
    assert "(1, 7, 3) vs (1, 5, 1)" in verdict["snippet2_jax_valid.py", "CNV101"]["reason"]
    assert "(1, 7, 3) vs (1, 7, 1)" in verdict["snippet3_jax_same.py", "CNV101"]["reason"]
    assert "(1, 5, 1) vs (1, 7, 1)" in verdict["snippet1_tensorflow.py", "CNV001"]["reason"]


# -- CNV106 / CNV108: the initializer as written vs as named -------------------------------------

LABELLED = (
    "import jax.numpy as jnp\nfrom jax import lax, random\n"
    "fan_in = 3\n"
    "glorot_w = random.uniform(key, (3, 1, 1), minval=-jnp.sqrt(6 / fan_in), maxval=jnp.sqrt(6 / fan_in))\n"
    "y = lax.conv_general_dilated(x, glorot_w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
)
HAIKU_DEFAULT = "import flax.linen as nn\nimport haiku as hk\nnn.Conv(4, 3)\nhk.Conv1D(4, 3)\n"
TRUNCATED = "import haiku as hk\nimport numpy as np\nhk.Conv1D(4, 3, w_init=hk.initializers.TruncatedNormal(1.0 / np.sqrt(12)))\n"
HE_NEXT_TO_TORCH = "import keras\nimport torch\nkeras.layers.Conv1D(8, 3, kernel_initializer='he_uniform')\n"
UNIFORM = "import flax.linen as nn\nnn.Conv(4, 3, kernel_init=nn.initializers.uniform(0.1))\n"


@pytest.mark.parametrize("source, code", [(LABELLED, "CNV108"), (HAIKU_DEFAULT, "CNV106"), (TRUNCATED, "CNV106"),
                                          (HE_NEXT_TO_TORCH, "CNV108"), (UNIFORM, "CNV108")])
def test_initializer_findings_draw_the_initializer_as_written_and_as_named(pool, source, code):
    (result,) = verdicts(source, pool, code)
    assert result.verdict == "CONFIRMED", result.reason
    assert result.fix.status in ("FIX VERIFIED", "NO FIX"), result.fix.summary


def test_cnv108_not_confirmed_where_the_label_names_the_formula_drawn(pool):
    labelled_right = facts_edit(label="he")
    results = verdicts(LABELLED, pool, "CNV108", labelled_right, seeds=range(10))
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


@pytest.mark.parametrize("source, parameter, initializer", [
    (HAIKU_DEFAULT, "w_init", 'haiku.initializers.VarianceScaling(1.0, "fan_in", "truncated_normal")'),
    (HE_NEXT_TO_TORCH, "kernel_initializer", 'keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform")'),
])
def test_initializer_findings_not_confirmed_where_the_layer_draws_what_it_is_compared_with(pool, source, parameter, initializer):
    """The layer given the initializer it is compared with."""
    def drawing_the_same(finding, args):
        return finding, {**args, parameter: Known(initializer)}

    results = verdicts(source, pool, "CNV106" if source is HAIKU_DEFAULT else "CNV108", drawing_the_same, seeds=range(5))
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


# -- transposed, separable and depthwise layers: the call with the other framework's default ------

VARIANTS = (
    "import flax.linen as nn\nimport haiku as hk\nimport keras\nimport equinox as eqx\n"
    "a = nn.ConvTranspose(4, (3,))\n"
    "b = keras.layers.Conv1DTranspose(4, 3)\n"
    "c = keras.layers.SeparableConv1D(4, 3)\n"
    "d = hk.DepthwiseConv1D(2, 3)\n"
    "e = keras.layers.DepthwiseConv2D(3)\n"
    "f = eqx.nn.ConvTranspose1d(2, 4, 3, key=key)\n"
)


@pytest.mark.parametrize("code", ["CNV001", "CNV002", "CNV003", "CNV004"])
def test_transposed_separable_and_depthwise_layers_get_the_default_checks(pool, code):
    results = verdicts(VARIANTS, pool, code, sample_size=16384)  # verify's own: glorot vs truncated normal needs it
    assert {r.verdict for r in results} == {"CONFIRMED"}, [(r.finding.api, r.reason) for r in results if r.verdict != "CONFIRMED"]


def test_a_transposed_layers_padding_is_not_confirmed_where_its_kernel_is_one_wide(pool):
    # check reports no padding where a transposed kernel equals its stride (1 here), so a 3-wide one is run 1 wide
    source = "import flax.linen as nn\nimport keras\nkeras.layers.Conv1D(4, 3)\nlayer = nn.ConvTranspose(4, (3,))\n"
    assert not [f for f in analyze_source(source.replace("(3,)", "(1,)"), "<module>").findings if f.line == 4 and f.code == "CNV001"]
    results = verdicts(source, pool, "CNV001", argument_edit(kernel_size="(1,)"), seeds=range(30))
    results = [r for r in results if r.finding.api == "flax.linen.ConvTranspose"]
    assert results and {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


def test_a_separable_layers_initializer_is_not_confirmed_where_it_draws_the_other_default(pool):
    source = "import keras\nlayer = keras.layers.SeparableConv1D(4, 3)\n"

    def lecun(finding, args):
        return finding, {**args, finding.parameter: Known("'lecun_normal'")}

    results = verdicts(source, pool, "CNV002", lecun, seeds=range(5))
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


def argument_edit(**sources):
    """An ``edit`` for ``verdicts``: the call's arguments with ``sources`` written in."""
    def edit(finding, args):
        return finding, {**args, **{name: Known(source, ast.literal_eval(source)) for name, source in sources.items()}}

    return edit


# tf.nn's transposed and depthwise convolutions: the call with the other default in tf.nn's spelling
# (padding='VALID', data_format='NC...'), fed the probe's kernel; output_shape is the probe's.
TF_NN_VARIANTS = (
    "import tensorflow as tf\n"
    "y = tf.nn.conv1d_transpose(x, w, out_shape, 2)\n"
    "z = tf.nn.conv2d_transpose(x, w, out_shape, [1, 2, 2, 1])\n"
    "d = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], 'SAME')\n"
)


@pytest.mark.parametrize("code", ["CNV001", "CNV004"])
def test_tf_nn_transposed_and_depthwise_convolutions_get_the_default_checks(pool, code):
    results = verdicts(TF_NN_VARIANTS, pool, code)
    apis = {"tensorflow.nn.conv1d_transpose", "tensorflow.nn.conv2d_transpose"}
    assert {r.finding.api for r in results} == (apis | {"tensorflow.nn.depthwise_conv2d"} if code == "CNV004" else apis)
    assert {r.verdict for r in results} == {"CONFIRMED"}, [(r.finding.api, r.reason) for r in results]


def test_a_tf_nn_transposed_padding_is_not_confirmed_for_a_one_wide_kernel_at_stride_one(pool):
    """'SAME' and 'VALID' crop nothing from a transposed convolution whose kernel is one wide at stride 1."""
    source = "import tensorflow as tf\ny = tf.nn.conv1d_transpose(x, w, out_shape, 1)\nz = tf.nn.conv2d_transpose(x, w, out_shape, 1)\n"
    results = verdicts(source, pool, "CNV001", seeds=range(30), kernel_size=1)
    assert len(results) == 60 and {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


def test_a_tf_nn_layout_is_not_confirmed_where_both_layouts_read_the_input_alike(pool):
    """A (1, 1, 1, 1) input reads the same channels-last and channels-first. Strides written for every
    axis move with the layout ([1, 2, 2, 1] channels-first is [1, 1, 2, 2]), as the user would move them:
    TensorFlow refuses a stride in the channel axis, which is no divergence."""
    source = (
        "import tensorflow as tf\nz = tf.nn.conv2d_transpose(x, w, out_shape, 2)\nd = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], 'SAME')\n"
        "t = tf.nn.conv2d_transpose(x, w, out_shape, [1, 2, 2, 1])\n"
        "v = tf.compat.v1.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], 'SAME')\n"
    )
    results = verdicts(source, pool, "CNV004", seeds=range(30), input_shape=(1, 1, 1, 1))
    assert len(results) == 120 and {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results if r.verdict != "NOT CONFIRMED"][:3]
    assert all("strides=[1, 1, 2, 2]" in r.divergence.calls[1] for r in results if r.finding.line >= 4), results[-1].divergence.calls


# -- CNV105: transpose_kernel=False vs the gradient-of-conv transpose (Keras) on the same kernel --

TRANSPOSES = (
    "import flax.linen as nn\nfrom jax import lax\n"
    "y = lax.conv_transpose(x, w, (2,), 'SAME')\n"
    "layer = nn.ConvTranspose(1, (3,), padding='VALID', use_bias=False)\n"
)


def test_cnv105_an_unflipped_kernel_differs_and_transpose_kernel_true_is_what_keras_computes(pool):
    results = verdicts(TRANSPOSES, pool, "CNV105")
    assert len(results) == 2
    for result in results:
        assert result.verdict == "CONFIRMED", result.reason
        assert result.fix.status == "FIX VERIFIED", result.fix.summary  # Conv1DTranspose holding the same kernel


def test_cnv105_not_confirmed_for_a_symmetric_kernel(pool):
    """A kernel with one in and one out channel that reads the same backwards: flipping it changes nothing."""
    analysis = analyze_source(TRANSPOSES, "<module>")
    evaluator = Evaluator(analysis)
    jobs = Jobs()
    checks = [Planner(Probe(seed=seed), jobs).plan(f, evaluator.arguments(f.call), "no pin")
              for seed in range(30) for f in analysis.findings if f.code == "CNV105"]
    for job in jobs.all():
        kernel = job.request.get("kernel")
        if kernel:  # (3, 1, 1): make it symmetric, w[0] == w[2]
            job.request["kernel"] = ProbeArray(kernel.shape, (*kernel.values[:2], kernel.values[0]))
    pool.run(jobs.all())
    results = [judge(check) for check in checks]
    assert len(results) == 60 and {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


# -- CNV102 / CNV103 / CNV104: the padding as written vs the string a port picks ------------------

CAUSAL = "import keras\nlayer = keras.layers.Conv1D(8, {k}, padding='causal', dilation_rate=2)\n"
SAME_NEXT_TO_TORCH = "import keras\nimport torch\nlayer = keras.layers.Conv1D(8, 3, strides=2, padding='same')\n"
SYMMETRIC = "import flax.linen as nn\nimport keras\nkeras.layers.Conv1D(8, 3)\nlayer = nn.Conv(8, 3, strides=2, padding=1)\n"


@pytest.mark.parametrize("source, code", [(CAUSAL.format(k=3), "CNV102"), (SAME_NEXT_TO_TORCH, "CNV103"), (SYMMETRIC, "CNV104")])
def test_padding_ports_differ_where_the_rule_says(pool, source, code):
    results = [r for r in verdicts(source, pool, code) if not r.finding.api.startswith("torch")]
    assert results and {r.verdict for r in results} == {"CONFIRMED"}, [r.reason for r in results]
    assert {r.fix.status for r in results} <= {"FIX VERIFIED", "NO FIX"}, [r.fix.summary for r in results]


@pytest.mark.parametrize("source, code, input_shape", [
    (CAUSAL.format(k=1), "CNV102", None),  # a kernel of one: causal and 'SAME' both pad nothing
    (SAME_NEXT_TO_TORCH, "CNV103", (1, 7, 1)),  # at an odd length stride-2 'same' pads (1, 1): symmetric
    (SYMMETRIC, "CNV104", (1, 7, 1)),
])
def test_padding_ports_not_confirmed_where_the_padding_coincides(pool, source, code, input_shape):
    results = verdicts(source, pool, code, seeds=range(100), input_shape=input_shape)
    assert {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]


# -- PyTorch: a third worker where torch is importable ---------------------------------------------

TORCH_CALLS = "import torch\nconv = torch.nn.Conv1d(1, 4, {k})\ny = torch.nn.functional.conv1d(x, w)\n"
HAS_TORCH = importlib.util.find_spec("torch") is not None


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pytorch_calls_run_in_their_own_worker_and_their_default_padding_is_checked(pool):
    results = verdicts(TORCH_CALLS.format(k=3), pool, "CNV001")
    assert len(results) == 2 and {r.verdict for r in results} == {"CONFIRMED"}, [r.reason for r in results]
    assert {r.fix.status for r in results} == {"FIX VERIFIED"}, [r.fix.summary for r in results]  # flax, same weights
    assert pool.workers["torch"].info["frameworks"] == ["torch"]  # no TensorFlow or JAX in its process


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pytorch_padding_not_confirmed_where_it_is_written_as_flaxs_same(pool):
    """At stride 1 a 3-wide kernel's padding=1 pads what 'SAME' does: (1, 1)."""
    results = verdicts(TORCH_CALLS.format(k=3), pool, "CNV001", argument_edit(padding="1"), seeds=range(100))
    modules = [r for r in results if r.finding.api == "torch.nn.Conv1d"]
    assert modules and {r.verdict for r in modules} == {"NOT CONFIRMED"}, [r.reason for r in modules][:3]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pytorch_padding_not_confirmed_where_the_kernel_is_one_wide(pool):
    # check reports no padding on a literal 1-wide kernel, so the finding of a 3-wide one is run at 1 wide:
    # the padding default then changes nothing, whatever the seed.
    assert not [f for f in analyze_source(TORCH_CALLS.format(k=1), "<module>").findings if f.line == 2 and f.code == "CNV001"]
    results = verdicts(TORCH_CALLS.format(k=3), pool, "CNV001", argument_edit(kernel_size="1"), seeds=range(100))
    modules = [r for r in results if r.finding.api == "torch.nn.Conv1d"]
    assert modules and {r.verdict for r in modules} == {"NOT CONFIRMED"}, [r.reason for r in modules][:3]


@pytest.mark.skipif(HAS_TORCH, reason="torch is installed: its calls run")
def test_without_torch_pytorch_calls_are_unverifiable_and_say_so(pool):
    results = verdicts(TORCH_CALLS.format(k=3), pool, "CNV001")
    assert {r.verdict for r in results} == {"UNVERIFIABLE"}
    assert all("torch is not installed" in r.reason for r in results), [r.reason for r in results]


# PyTorch's transposed convolutions take no 'same': they are compared with flax.linen.ConvTranspose(
# transpose_kernel=True) holding the same kernel, left to its default 'SAME' (the fix: the call's
# padding as explicit lax pairs).
TORCH_TRANSPOSED = (
    "import torch\n"
    "up = torch.nn.ConvTranspose1d(2, 4, 3, stride={stride})\n"
    "y = torch.nn.functional.conv_transpose1d(x, w, stride={stride})\n"
    "z = torch.conv_transpose2d(x, w)\n"
)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pytorch_transposed_convolutions_get_the_default_padding_check(pool):
    # output_padding and dilation are translated too: ((k-1)*d - p, (k-1)*d - p + output_padding)
    source = TORCH_TRANSPOSED.format(stride=2) + "grown = torch.nn.ConvTranspose1d(2, 4, 3, stride=2, output_padding=1, dilation=2)\n"
    results = verdicts(source, pool, "CNV001")
    assert len(results) == 4
    apis = {"torch.nn.ConvTranspose1d", "torch.nn.functional.conv_transpose1d", "torch.nn.functional.conv_transpose2d"}
    assert {r.finding.api for r in results} == apis
    assert {r.verdict for r in results} == {"CONFIRMED"}, [(r.finding.api, r.reason) for r in results]
    assert {r.fix.status for r in results} == {"FIX VERIFIED"}, [r.fix.summary for r in results]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_pytorch_transposed_padding_not_confirmed_where_it_is_written_as_flaxs_same(pool):
    """At stride 1 a 3-wide kernel's padding=1 crops what lax's 'SAME' does: (1, 1)."""
    results = verdicts(TORCH_TRANSPOSED.format(stride=1), pool, "CNV001", argument_edit(padding="1"), seeds=range(30))
    assert len(results) == 90 and {r.verdict for r in results} == {"NOT CONFIRMED"}, [r.reason for r in results][:3]
