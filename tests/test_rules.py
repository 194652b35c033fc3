"""One generic test runs every rule's own VALID and INVALID examples (as Fixit 2 does)."""

import re

import pytest

from conv_lint.analyzer import analyze
from conv_lint.catalog import CATALOG, CONTRASTS
from conv_lint.config import Settings
from conv_lint.fix import fix_source
from conv_lint.rules import NO_FIX, RULES, RULES_BY_HAZARD, Invalid

CASES_VALID = [(rule.code, i, source) for rule in RULES for i, source in enumerate(rule.valid)]
CASES_INVALID = [(rule.code, i, source) for rule in RULES for i, source in enumerate(rule.invalid)]


@pytest.mark.parametrize(("code", "index", "source"), CASES_VALID, ids=[f"{c}-valid-{i}" for c, i, _ in CASES_VALID])
def test_valid_example_has_no_finding_of_its_rule(code, index, source):
    codes = [finding.code for finding in analyze(source, "example.py")]
    assert code not in codes


@pytest.mark.parametrize(
    ("code", "index", "source"), CASES_INVALID, ids=[f"{c}-invalid-{i}" for c, i, _ in CASES_INVALID]
)
def test_invalid_example_is_flagged_by_its_rule(code, index, source):
    findings = [finding for finding in analyze(source, "example.py") if finding.code == code]
    assert len(findings) >= 1
    # The finding points at the call on the example's last line.
    assert findings[0].line == source.rstrip("\n").count("\n") + 1


FIXABLE = [(rule.code, i, case) for rule in RULES if rule.fix != NO_FIX for i, case in enumerate(rule.invalid)]


@pytest.mark.parametrize(("code", "index", "case"), FIXABLE, ids=[f"{c}-fix-{i}" for c, i, _ in FIXABLE])
def test_invalid_example_is_fixed_into_its_expected_replacement(code, index, case, tmp_path):
    """As Fixit's ``expected_replacement``: the safe fix of the rule's own finding, nothing else,
    laid out for the formatter's defaults (a folder without a ruff or black configuration)."""
    assert isinstance(case, Invalid), "an INVALID case of a rule with a fix says what the fix makes of it"
    result = fix_source(case.encode(), str(tmp_path / "example.py"), Settings(select=(code,)))
    if case.expected_replacement is None:
        assert result.fixed == case.encode() and not result.fixed_findings
    else:
        assert result.fixed.decode() == case.expected_replacement
        assert code not in {finding.code for finding in analyze(case.expected_replacement, "example.py")}


def test_every_rule_has_examples_and_docs():
    for rule in RULES:
        assert rule.valid and rule.invalid, rule.code
        docs = rule.docs()
        for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
            assert section in docs, (rule.code, section)


# CNV901's "use instead" still passes **config: what conv-lint cannot see stays listed, by design.
DOCUMENTED = [rule for rule in RULES if rule.code != "CNV901"]


@pytest.mark.parametrize("rule", DOCUMENTED, ids=[rule.code for rule in DOCUMENTED])
def test_docs_example_is_flagged_and_use_instead_is_not(rule):
    assert rule.code in {finding.code for finding in analyze(rule.example, "example.py")}
    assert rule.code not in {finding.code for finding in analyze(rule.use_instead, "example.py")}


def test_codes_and_names_are_unique_and_well_formed():
    codes = [rule.code for rule in RULES]
    names = [rule.name for rule in RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"CNV\d{3}", code) for code in codes)


def test_every_catalog_hazard_has_exactly_one_rule_and_a_contrast_table():
    hazards = {default.hazard for api in CATALOG.apis for default in api.defaults}
    assert hazards == set(RULES_BY_HAZARD)
    assert hazards == set(CONTRASTS)


def test_catalog_names_are_unique_and_defaults_name_real_parameters():
    seen = set()
    for api in CATALOG.apis:
        for name in api.names:
            assert name not in seen, name
            seen.add(name)
        for default in api.defaults:
            assert default.param is None or default.param in api.parameters, (api.name, default.param)
        assert api.bias_switch is None or api.bias_switch in api.parameters


def test_message_names_default_and_other_framework():
    (finding,) = [f for f in analyze("import keras\nkeras.layers.Conv1D(8, 3)\n", "x.py") if f.code == "CNV001"]
    assert finding.message == (
        "keras.layers.Conv1D relies on default padding='valid'; flax.linen.Conv defaults to 'SAME'"
        " — pass padding= explicitly"
    )
    (finding,) = [f for f in analyze("import flax.linen as nn\nnn.Conv(4, 3)\n", "x.py") if f.code == "CNV001"]
    assert "flax.linen.Conv relies on default padding='SAME'; keras.layers.Conv1D defaults to 'valid'" in finding.message


def test_layout_messages_contrast_the_two_lax_conventions():
    source = "from jax import lax\nlax.conv_general_dilated(x, w, (1,), 'SAME')\nlax.conv_transpose(x, w, (1,), 'SAME')\n"
    general, transpose = [finding for finding in analyze(source, "x.py") if finding.code == "CNV004"]
    assert "channels-first" in general.message and "tensorflow.nn.conv1d defaults to channels-last" in general.message  # functional with functional
    assert "channels-last" in transpose.message
    assert "jax.lax.conv_general_dilated defaults to channels-first" in transpose.message


def test_convolve_message_says_the_kernel_is_flipped():
    (finding,) = [f for f in analyze("import jax.numpy as jnp\njnp.convolve(x, k)\n", "x.py") if f.code == "CNV005"]
    assert "mode='full'" in finding.message and "flips the kernel" in finding.message


def test_padding_that_cannot_differ_is_no_finding():
    def padding_lines(source):
        return [f.line for f in analyze(source, "x.py") if f.code == "CNV001"]

    source = (
        "import keras\nfrom torch import nn\nK = 1\n"
        "nn.Conv2d(4, 8, 1, stride=2)\n"  # line 4: 1-sized, any stride: no finding
        "keras.layers.Conv2D(8, (1, 1), dilation_rate=2)\n"  # 5: dilation keeps a 1-sized kernel 1-sized
        "nn.Conv1d(4, 8, K)\n"  # 6: K = 1 is read as a literal
        "nn.Conv2d(4, 8, (1, 3))\n"  # 7: one axis above 1
        "nn.ConvTranspose2d(4, 8, 1, stride=2)\n"  # 8: a transposed conv's output size follows padding
        "keras.layers.Conv2D(8, size)\n"  # 9: unknown size
        "nn.ConvTranspose2d(4, 8, kernel_size=2, stride=2)\n"  # 10: a transposed kernel equal to its stride
        "keras.layers.Conv2DTranspose(8, (2, 2), strides=(2, 1))\n"  # 11: equal on one axis only
        "nn.ConvTranspose2d(4, 8, 2, 2, output_padding=1)\n"  # 12: output_padding adds rows
        "nn.ConvTranspose2d(4, 8, 2, 2, dilation=2)\n"  # 13: a dilated kernel spans 3
        "nn.ConvTranspose1d(4, 8, K, stride=1)\n"  # 14: 1 and 1
    )
    assert padding_lines(source) == [7, 8, 9, 11, 12, 13]


def test_the_counterpart_has_the_calls_kind_and_rank():
    def contrast(source, code):
        (finding,) = [f for f in analyze(source, "x.py") if f.code == code]
        return finding.message.split("; ", 1)[1]

    assert contrast("import keras\nkeras.layers.Conv2D(8, 3, bias_initializer=b, padding='same')\n", "CNV002").startswith("flax.linen.Conv ")
    assert contrast("import keras\nkeras.layers.Conv2D(8, 3, padding='same')\n", "CNV003").startswith("torch.nn.Conv2d ")
    assert contrast("import keras\nkeras.layers.Conv3DTranspose(8, 3)\n", "CNV001").startswith("flax.linen.ConvTranspose ")
    assert contrast("import keras\nkeras.layers.Conv3DTranspose(8, 3)\n", "CNV003").startswith("torch.nn.ConvTranspose3d ")
    assert contrast("from torch import nn\nnn.ConvTranspose2d(3, 8, 3)\n", "CNV001").startswith("flax.linen.ConvTranspose ")
    # A functional conv with a functional one where the catalog knows one with that default.
    assert contrast("from jax import lax\nlax.conv_general_dilated(x, w, (1,), 'SAME')\n", "CNV004").startswith("tensorflow.nn.conv1d ")
    # lax pads only when told: no functional JAX counterpart has a padding default, so Flax is named.
    assert contrast("import tensorflow as tf\ntf.nn.convolution(x, w)\n", "CNV001").startswith("flax.linen.Conv ")
    # A layer whose name fixes no rank takes the rank its call writes: a kernel-size tuple, num_spatial_dims,
    # or a lax stride tuple; a bare int kernel size in Flax is 1-D.
    flax = "import flax.linen as nn\n"
    assert contrast(flax + "nn.Conv(8, (3, 3))\n", "CNV001").startswith("keras.layers.Conv2D ")
    assert contrast(flax + "nn.Conv(8, (3, 3), padding='VALID')\n", "CNV003").startswith("torch.nn.Conv2d ")
    assert contrast(flax + "nn.ConvTranspose(8, (3, 3, 3))\n", "CNV001").startswith("keras.layers.Conv3DTranspose ")
    assert contrast(flax + "nn.Conv(8, 3)\n", "CNV001").startswith("keras.layers.Conv1D ")
    assert contrast("import haiku as hk\nhk.ConvND(2, 8, 3)\n", "CNV001").startswith("keras.layers.Conv2D ")
    assert contrast("import equinox as eqx\neqx.nn.Conv(3, 2, 4, 3, key=k)\n", "CNV001").startswith("flax.linen.Conv ")
    assert contrast("from jax import lax\nlax.conv(x, w, (1, 1), 'SAME')\n", "CNV004").startswith("tensorflow.nn.conv2d ")
