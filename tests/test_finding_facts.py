"""A finding's facts (``conv_lint.rules.facts``): the rules fill them in, the cache keeps them, and
verify plans from them alone, so rewording a message changes no run verify makes.

Planning is pure Python (no worker is started): these tests compare the requests a plan would send.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from conv_lint.analyzer import Finding, analyze_source
from conv_lint.rules import facts
from conv_lint.rules.facts import (
    FLAX_LECUN_NORMAL, KERAS_RANDOM_UNIFORM, TORCH_CONV_DEFAULT, InitializerContrast, KernelReading, LabelledFormula,
    TruncatedNormalStd,
)
from conv_lint.verify.planning.plan import Jobs, Planner, worker_message
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.values import Evaluator

CHANNELS = (
    "import jax.numpy as jnp\nfrom jax import lax\n"
    "x = jnp.ones((1, 9, 2))\n"
    "w = jnp.ones((3, 5, 2))\n"
    "y = lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
)
THIN = (
    "import jax.numpy as jnp\nfrom jax import lax, random\n"
    "x = jnp.ones((1, 7, 1))\n"
    "w = random.normal(random.PRNGKey(0), (3, 1, 1))\n"
    "y = lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'OIW', 'NWC'))\n"
)
FIXED_LAYOUT = (
    "import tensorflow as tf\n"
    "x = tf.zeros((2, 32, 32, 8))\n"
    "w = tf.random.normal((16, 8, 3, 3))\n"
    "y = tf.nn.conv2d(x, w, 1, 'SAME')\n"
)
PORTED = (
    "import jax.numpy as jnp\nimport torch\nfrom jax import lax\n"
    "conv = torch.nn.Conv1d(4, 8, 3)\n"
    "w = jnp.asarray(conv.weight.detach().numpy())\n"
    "y = lax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
)
LABELLED = (
    "import jax.numpy as jnp\nfrom jax import lax, random\n"
    "y = lax.conv(x, w0, (1,), 'SAME')\n"
    "glorot_w = random.uniform(key, (3, 1, 1), minval=-jnp.sqrt(6 / fan_in), maxval=jnp.sqrt(6 / fan_in))\n"
)
LABELLED_NORMAL = (
    "import numpy as np\nfrom jax import lax\ny = lax.conv(x, w0, (1,), 'SAME')\n"
    "def he_init(shape, fan_in, fan_out):\n    return np.random.normal(0, np.sqrt(2 / (fan_in + fan_out)), shape)\n"
)
TRUNCATED = "import haiku as hk\nimport numpy as np\nhk.Conv1D(4, 3, w_init=hk.initializers.TruncatedNormal(1.0 / np.sqrt(12)))\n"
HAIKU_DEFAULT = "import flax.linen as nn\nimport haiku as hk\nnn.Conv(4, 3)\nhk.Conv1D(4, 3)\n"
HE_NEXT_TO_TORCH = "import keras\nimport torch\nkeras.layers.Conv1D(8, 3, kernel_initializer='he_uniform')\n"
UNIFORM = "import flax.linen as nn\nnn.Conv(4, 3, kernel_init=nn.initializers.uniform(0.1))\n"

EXPECTED = [
    (CHANNELS, "CNV101", KernelReading("WIO", True, "WOI", (3, 5, 2), (1, 9, 2))),
    (THIN, "CNV101", KernelReading("OIW", True, "WIO", (3, 1, 1))),
    (FIXED_LAYOUT, "CNV101", KernelReading("HWIO", False, "OIHW", (16, 8, 3, 3), (2, 32, 32, 8))),
    (PORTED, "CNV107", KernelReading("WIO", True, "OIW")),
    (LABELLED, "CNV108", LabelledFormula("uniform", "he", "glorot")),
    (LABELLED_NORMAL, "CNV108", LabelledFormula("normal", "glorot", "he")),
    (TRUNCATED, "CNV106", TruncatedNormalStd("haiku.initializers.TruncatedNormal",
                                             'haiku.initializers.VarianceScaling(1.0, "fan_in", "truncated_normal")')),
    (HAIKU_DEFAULT, "CNV106", InitializerContrast(FLAX_LECUN_NORMAL,
                                                  'haiku.initializers.VarianceScaling(1.0, "fan_in", "truncated_normal")')),
    (HE_NEXT_TO_TORCH, "CNV108", InitializerContrast(
        TORCH_CONV_DEFAULT, 'keras.initializers.VarianceScaling(scale=1 / 3, mode="fan_in", distribution="uniform")')),
    (UNIFORM, "CNV108", InitializerContrast(KERAS_RANDOM_UNIFORM, None)),
]
IDS = [f"{code}-{type(fact).__name__}-{index}" for index, (_, code, fact) in enumerate(EXPECTED)]


def finding_of(source: str, code: str) -> tuple[Finding, dict | None]:
    analysis = analyze_source(source, "m.py")
    (finding,) = [f for f in analysis.findings if f.code == code]
    return finding, Evaluator(analysis).arguments(finding.call) if finding.call else None


def planned(finding: Finding, args: dict | None) -> tuple:
    """What verify would do for ``finding``: every request it would send, its notes, or why it cannot."""
    jobs = Jobs()
    check = Planner(Probe(seed=0), jobs, sample_size=64).plan(finding, args, "no pin")
    requests = worker_message({"requests": [[job.worker, job.request] for job in jobs.all()]})  # what workers get
    return requests, check.unverifiable, check.notes, check.fix_note, check.divergence is not None, check.fix is not None


@pytest.mark.parametrize("source, code, expected", EXPECTED, ids=IDS)
def test_the_rule_states_its_facts(source, code, expected):
    finding, _ = finding_of(source, code)
    assert finding.facts == expected
    assert facts.decode(json.loads(json.dumps(facts.encode(finding.facts)))) == expected  # through JSON, as the cache keeps it


def test_transpose_is_the_order_the_message_gives():
    finding, _ = finding_of(FIXED_LAYOUT, "CNV101")
    assert finding.facts.transpose == (2, 3, 1, 0)
    assert finding.message.endswith(f"axes {finding.facts.transpose}")


@pytest.mark.parametrize("source, code, expected", EXPECTED, ids=IDS)
def test_verify_plans_from_the_facts_whatever_the_message_says(source, code, expected):
    finding, args = finding_of(source, code)
    plan = planned(finding, args)
    requests, unverifiable, *_, has_divergence, _ = plan
    assert has_divergence and not unverifiable and json.loads(requests), plan  # a real plan, not a refusal
    reworded = replace(finding, message="reworded: nothing a regex could read")
    assert planned(reworded, args) == plan


@pytest.mark.parametrize("source, code, expected", EXPECTED, ids=IDS)
def test_verify_reads_the_facts_not_the_message(source, code, expected):
    """The same message with no facts is not verified: the words were never what verify read."""
    finding, args = finding_of(source, code)
    _, unverifiable, *_ = planned(replace(finding, facts=None), args)
    assert unverifiable


def test_changed_facts_change_the_plan():
    finding, args = finding_of(THIN, "CNV101")
    plan = planned(finding, args)
    assert planned(replace(finding, facts=replace(finding.facts, shape=(1, 1, 1))), args) != plan
    labelled, args = finding_of(LABELLED, "CNV108")
    plan = planned(labelled, args)
    assert planned(replace(labelled, facts=replace(labelled.facts, label="lecun")), args) != plan


def test_a_reading_without_a_fitting_order_is_not_verified():
    finding, args = finding_of(
        "import jax.numpy as jnp\nfrom jax import lax\nx = jnp.ones((1, 9, 6))\nw = jnp.ones((3, 2, 8))\n"
        "y = lax.conv_general_dilated(x, w, (1,), 'VALID', dimension_numbers=('NWC', 'WIO', 'NWC'), feature_group_count=4)\n",
        "CNV101",
    )
    assert finding.facts.laid_out is None and "no other order of its axes fits" in finding.message
    _, unverifiable, *_ = planned(finding, args)
    assert "names no order of the kernel's axes that fits" in unverifiable


def test_an_input_of_unknown_size_is_left_to_the_probe():
    finding, args = finding_of(CHANNELS, "CNV101")
    known = planned(finding, args)
    unknown = replace(finding, facts=replace(finding.facts, input_shape=(None, 9, 2)))
    assert planned(unknown, args) == planned(replace(finding, facts=replace(finding.facts, input_shape=None)), args) != known


def test_facts_that_were_not_encoded_are_refused():
    with pytest.raises(KeyError):
        facts.decode({"kind": "no such kind"})
    with pytest.raises(TypeError):
        facts.decode({"kind": KernelReading.KIND, "unknown_field": 1})
    with pytest.raises(TypeError):
        facts.decode(["kernel_reading"])
