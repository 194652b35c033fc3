"""verify reads a call's arguments with the rules' own evaluator (conv_lint.dataflow): a value
``check`` knows, verify knows; one ``check`` cannot know, verify cannot either. No framework runs here."""

from __future__ import annotations

import textwrap

import pytest

from conv_lint.analyzer import analyze_source
from conv_lint.verify.planning.values import Evaluator, Known, NotStatic


def arguments(source: str) -> tuple[set[str], dict]:
    analysis = analyze_source(textwrap.dedent(source), "model.py")
    (call,) = analysis.calls
    return {finding.code for finding in analysis.findings}, Evaluator(analysis).arguments(call)


def test_a_local_constant_is_known_to_check_and_verify_alike():
    codes, args = arguments(
        """
        import keras
        import torch

        def build():
            K = 4
            return keras.layers.Conv1D(8, K, padding="same")
        """
    )
    assert "CNV103" in codes  # check reads K as 4: an even kernel 'same' PyTorch cannot reproduce
    assert args["kernel_size"] == Known("4", 4)


def test_module_constants_and_framework_objects_are_still_known():
    _, args = arguments(
        """
        import flax.linen as nn

        K = 3
        INIT = nn.initializers.lecun_normal()

        def build(features):
            return nn.Conv(features, (K,), kernel_init=INIT)
        """
    )
    assert args["kernel_size"] == Known("(3,)", (3,))
    assert args["kernel_init"] == Known("flax.linen.initializers.lecun_normal()")


@pytest.mark.parametrize(
    "body",
    [
        "    if wide:\n        K = 5\n    else:\n        K = 3\n",  # which branch ran is not in the source
        "    K = 3\n    K += 2\n",  # rebound by an operation the evaluator does not follow
        "    K = size()\n",
    ],
)
def test_a_value_the_source_does_not_give_is_not_static(body):
    source = f"import keras\n\ndef build(wide):\n{body}    return keras.layers.Conv1D(8, K, padding='same')\n"
    _, args = arguments(source)
    assert isinstance(args["kernel_size"], NotStatic)


def test_int_and_float_of_a_known_number_are_known_unless_the_file_binds_the_name():
    _, args = arguments("import keras\n\nK = 1.0\nkeras.layers.Conv1D(8, int(K), strides=float(2))\n")
    assert args["kernel_size"] == Known("1", 1) and args["strides"] == Known("2.0", 2.0)
    _, args = arguments("import keras\n\nK = 1\nint = str\nkeras.layers.Conv1D(8, int(K))\n")
    assert isinstance(args["kernel_size"], NotStatic)
