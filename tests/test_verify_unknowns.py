"""verify where a call's arguments are not all known statically, in real TensorFlow and JAX: stand-ins
for what the hazard does not depend on, every candidate of a conditional alias, the spatial rank of a
functional call read off its arrays. Each has a CONFIRMED case and a control that must not confirm,
and what the hazard depends on stays UNVERIFIABLE, naming it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import require_installed

from conv_lint.analyzer import analyze_source
from conv_lint.verify.judging.verdict import judge
from conv_lint.verify.planning import stand_ins
from conv_lint.verify.planning.plan import Jobs, Planner
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.values import Evaluator, Known
from conv_lint.verify.workers.pool import Limits, Pool

FRAMEWORKS = ("tensorflow", "keras", "jax", "flax")


@pytest.fixture(scope="module")
def pool():
    require_installed(*FRAMEWORKS)
    with Pool(Limits()) as workers:
        yield workers


def checked(source: str, code: str, pool: Pool | None, given=None) -> list:
    """The results of verify's checks of every ``code`` finding in ``source`` (``given``: arguments
    that replace the source's, per API name), planned as ``verify`` plans them, run in ``pool``."""
    analysis = analyze_source(source, "<module>")
    evaluator = Evaluator(analysis)

    def arguments(call):
        args = evaluator.arguments(call)
        return {**args, **(given or {}).get(call.api.name, {})}

    findings = [finding for finding in analysis.findings if finding.code == code]
    assert findings, [finding.code for finding in analysis.findings]
    jobs = Jobs()
    planner = Planner(Probe(), jobs, sample_size=4096)
    checks = [planner.plan_candidates(finding, arguments, "no pin") for finding in findings]
    if pool is not None:
        pool.run(jobs.all())
    return [judge(check) for check in checks]


# -- channel counts and layouts the hazard does not depend on --------------------------------------

FIELD = """\
import flax.linen as nn


class Block(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        return nn.Conv(self.features, (3,))(x)
"""


@pytest.mark.parametrize("code", ["CNV001", "CNV002", "CNV003"])
def test_an_unknown_channel_count_runs_with_a_stand_in_the_evidence_names(pool, code):
    (result,) = checked(FIELD, code, pool)
    assert result.verdict == "CONFIRMED", result.reason
    (said,) = result.divergence.evidence["stand_ins"]
    assert said.startswith("features: self.features is not known statically; run with a stand-in 4, which")
    assert said in result.notes


@pytest.mark.parametrize("code, parameter, value", [
    ("CNV001", "padding", Known("'VALID'", "VALID")),  # Keras' 'valid', written out
    ("CNV002", "kernel_init", Known("flax.linen.initializers.glorot_uniform()")),  # Keras' glorot_uniform
])
def test_a_stand_in_call_that_writes_the_other_frameworks_value_is_not_confirmed(pool, code, parameter, value):
    (result,) = checked(FIELD, code, pool, given={"flax.linen.Conv": {parameter: value}})
    assert result.verdict == "NOT CONFIRMED", result.reason
    assert result.divergence.evidence["stand_ins"]


def test_nnx_in_and_out_features_both_stand_in(pool):
    source = ("from flax import nnx\n\nclass Block(nnx.Module):\n    def __init__(self, din, dout, rngs):\n"
              "        self.conv = nnx.Conv(din, dout, kernel_size=3, rngs=rngs)\n")
    (result,) = checked(source, "CNV001", pool)
    assert result.verdict == "CONFIRMED", result.reason
    assert [said.split(":")[0] for said in result.divergence.evidence["stand_ins"]] == ["in_features", "out_features"]


def test_an_unknown_layout_is_left_to_the_default_for_padding_and_initializers(pool):
    source = "import keras\n\ndef block(data_format):\n    return keras.layers.Conv2D(8, 3, strides=2, data_format=data_format)\n"
    for code in ("CNV001", "CNV002"):
        (result,) = checked(source, code, pool)
        assert result.verdict == "CONFIRMED", result.reason
        assert result.divergence.evidence["stand_ins"][0].startswith(
            "data_format: data_format is not known statically; run in the default layout")
    # keras_hub's idiom: known only as an expression, which runs in the default layout too.
    idiom = "import keras\n\nlayer = keras.layers.Conv2D(8, 3, data_format=keras.config.image_data_format())\n"
    (result,) = checked(idiom, "CNV001", pool)
    assert result.verdict == "CONFIRMED", result.reason
    assert result.divergence.evidence["stand_ins"] == [
        "data_format: keras.config.image_data_format() is not a literal; run in the default layout, which the padding"
        " default does not depend on"]


def test_an_unknown_initializer_is_left_to_the_default_where_the_hazard_is_another(pool):
    # tf_models_official's idiom: kernel_initializer=self._kernel_initializer.
    source = ("import keras\n\nclass Block(keras.layers.Layer):\n    def build(self, shape):\n"
              "        self.conv = keras.layers.Conv2D(8, 3, kernel_initializer=self._kernel_initializer)\n")
    (result,) = checked(source, "CNV001", pool)
    assert result.verdict == "CONFIRMED", result.reason
    assert result.divergence.evidence["stand_ins"] == [(
        "kernel_initializer: self._kernel_initializer is not known statically; left to the default, "
        "since the runs use the same weights on both sides")]
    (control,) = checked(source, "CNV001", pool, given={"keras.layers.Conv2D": {"padding": Known("'same'", "same")}})
    assert control.verdict == "NOT CONFIRMED", control.reason
    (bias,) = checked(source, "CNV003", pool)  # the bias's own initializer is known (the default): it runs
    assert bias.verdict == "CONFIRMED", bias.reason


def test_an_initializer_finding_stands_in_an_unknown_kernel_size_and_leaves_strides_out(pool):
    # A size or stride held by the model (`kernel_size=self.kernel_size`): the padding depends on them, the
    # initializer's form does not (lecun_normal is normal, Keras' glorot_uniform uniform, at every fan).
    source = FIELD.replace("(3,)", "self.kernel_size, strides=self.stride")
    (result,) = checked(source, "CNV002", pool)
    assert result.verdict == "CONFIRMED", result.reason
    assert sorted(said.split(":")[0] for said in result.divergence.evidence["stand_ins"]) == ["features", "kernel_size", "strides"]
    glorot = {"flax.linen.Conv": {"kernel_init": Known("flax.linen.initializers.glorot_uniform()")}}
    (control,) = checked(source, "CNV002", pool, given=glorot)
    assert control.verdict == "NOT CONFIRMED", control.reason
    (padding,) = checked(source, "CNV001", None)
    assert padding.verdict == "UNVERIFIABLE" and padding.reason == "kernel_size: self.kernel_size is not known statically"


def test_what_the_hazard_depends_on_stays_unverifiable_and_named():
    # The kernel size decides the padding, the channel counts two uniforms' spreads: no stand-in for them.
    (result,) = checked(FIELD.replace("(3,)", "self.kernel_size"), "CNV001", None)
    assert result.verdict == "UNVERIFIABLE", result.reason
    assert result.reason == "kernel_size: self.kernel_size is not known statically"
    analysis = analyze_source(FIELD, "<module>")
    (finding,) = [f for f in analysis.findings if f.code == "CNV002"]
    args = Evaluator(analysis).arguments(finding.call)
    uniform = replace(finding, spec=replace(finding.spec, kind="glorot_uniform", contrast="torch.nn.Conv1d"))
    assert stand_ins.stand_in(uniform, args) == (args, [])  # glorot_uniform vs kaiming_uniform: the fans decide
    assert stand_ins.stand_in(finding, args)[1]  # lecun_normal (normal) vs glorot_uniform (uniform): always differ


def test_a_functional_convs_filters_are_its_kernel_not_a_channel_count():
    source = "import tensorflow as tf\n\ndef f(w):\n    x = tf.zeros((1, 7, 2))\n    return tf.nn.convolution(x, w)\n"
    analysis = analyze_source(source, "<module>")
    (finding,) = [f for f in analysis.findings if f.code == "CNV001"]
    args = Evaluator(analysis).arguments(finding.call)
    assert stand_ins.stand_in(finding, args) == (args, [])


# -- a conditional alias: every candidate --------------------------------------------------------

CONDITIONAL = """\
import keras


def decoder(transpose, x):
    layer_class = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
    return layer_class(8, (3, 3), padding="same")(x)
"""


def test_each_candidate_of_a_conditional_alias_is_checked_and_all_confirm(pool):
    (result,) = checked(CONDITIONAL, "CNV002", pool)
    assert result.verdict == "CONFIRMED", result.reason
    candidates = result.divergence.evidence["candidates"]
    assert [(c["api"], c["verdict"]) for c in candidates] == [
        ("keras.layers.Conv2DTranspose", "CONFIRMED"), ("keras.layers.Conv2D", "CONFIRMED")]
    assert result.reason.startswith("every candidate of the callee confirms: keras.layers.Conv2DTranspose: CONFIRMED")


def test_a_candidate_that_does_not_diverge_makes_the_combined_verdict_not_confirmed(pool):
    lecun = {"kernel_initializer": Known('"lecun_normal"', "lecun_normal")}  # Flax's default, written: no divergence
    (result,) = checked(CONDITIONAL, "CNV002", pool, given={"keras.layers.Conv2D": lecun})
    assert result.verdict == "NOT CONFIRMED", result.reason
    verdicts = {c["api"]: c["verdict"] for c in result.divergence.evidence["candidates"]}
    assert verdicts == {"keras.layers.Conv2DTranspose": "CONFIRMED", "keras.layers.Conv2D": "NOT CONFIRMED"}


def test_a_keras_2_separable_layers_ignored_kernel_initializer_is_not_passed_to_keras_3(pool):
    # tf_models_official's FPN: Keras 2 takes kernel_initializer for SeparableConv2D and creates no weight with it.
    source = ("import tf_keras\n\ndef fpn(separable, x):\n"
              "    conv2d = tf_keras.layers.SeparableConv2D if separable else tf_keras.layers.Conv2D\n"
              "    return conv2d(filters=8, kernel_size=3, padding='same', kernel_initializer='he_normal')(x)\n")
    (result,) = checked(source, "CNV003", pool)
    assert result.verdict == "CONFIRMED", result.reason
    assert any(note.startswith("kernel_initializer is not a parameter of keras.layers.SeparableConv2D") for note in result.notes)


# -- a functional call's spatial rank, from its arrays ------------------------------------------------

@pytest.mark.parametrize("source, rank", [
    ("import tensorflow as tf\n\ndef block(x, w):\n    y = tf.nn.conv1d(x, w, 1, 'SAME')\n    return tf.nn.convolution(y, w)\n", 1),
    ("import tensorflow as tf\n\ndef block(w):\n    x = tf.zeros((1, 7, 7, 2))\n    return tf.nn.convolution(x, w)\n", 2),
])
def test_tf_nn_convolution_takes_its_rank_from_its_arrays(pool, source, rank):
    (result,) = checked(source, "CNV001", pool)
    assert result.verdict == "CONFIRMED", result.reason
    assert any(note.startswith(f"spatial rank {rank}, from the arrays") for note in result.notes), result.notes
    (control,) = checked(source, "CNV001", pool, given={"tensorflow.nn.convolution": {"padding": Known("'SAME'", "SAME")}})
    assert control.verdict == "NOT CONFIRMED", control.reason


def test_a_rank_no_array_fixes_stays_unverifiable_and_says_why():
    source = "import tensorflow as tf\n\ndef block(x, w):\n    return tf.nn.convolution(x, w)\n"
    (result,) = checked(source, "CNV001", None)
    assert result.verdict == "UNVERIFIABLE"
    assert "the spatial rank is not written in the call, nor fixed by its arrays" in result.reason
