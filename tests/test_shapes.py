"""Kernel shapes and layouts followed through a module (conv_lint.dataflow, conv_lint.rules.kernel_layout): CNV101 and CNV107."""

import json
import re
import textwrap

import pytest

from conftest import require_installed, run
from conv_lint.analyzer import analyze

DN_OIW = "('NWC', 'OIW', 'NWC')"


def flags(source: str, code: str = "CNV101") -> list:
    return [f for f in analyze(textwrap.dedent(source), "model.py") if f.code == code]


def only(source: str, code: str = "CNV101"):
    (finding,) = flags(source, code)
    return finding


# -- following values ----------------------------------------------------------------------------


def test_through_a_helper_the_finding_points_at_the_spec_and_names_shape_and_fix():
    finding = only(
        f"""
        import jax.numpy as jnp
        from jax import lax, random
        x = jnp.ones((1, 7, 1))
        w = random.normal(random.PRNGKey(0), (3, 1, 1))

        def conv(inputs, weights):
            return lax.conv_general_dilated(inputs, weights, (1,), "VALID", dimension_numbers={DN_OIW})

        y = conv(x, w)
        """
    )
    line = '    return lax.conv_general_dilated(inputs, weights, (1,), "VALID", dimension_numbers='
    assert (finding.line, finding.column) == (8, len(line) - len("dimension_numbers=") + 1)
    assert finding.parameter == "dimension_numbers" and finding.api == "jax.lax.conv_general_dilated"
    assert finding.message == (
        "jax.lax.conv_general_dilated reads the kernel of shape (3, 1, 1) (jax.random.normal, line 5) through rhs"
        " spec 'OIW' as O=3, I=1, W=1: a width-1 kernel with 3 output channels, so the output is (1, 7, 3)"
        " — for a (width, in, out) kernel use 'WIO'"
    )


def test_positional_spec_is_pointed_at_by_its_value():
    finding = only(f"from jax import lax\nimport jax.numpy as jnp\nlax.conv_general_dilated(jnp.ones((1, 7, 1)), jnp.ones((3, 1, 1)), (1,), 'SAME', None, None, {DN_OIW})\n")
    assert finding.column == 1 + len("lax.conv_general_dilated(jnp.ones((1, 7, 1)), jnp.ones((3, 1, 1)), (1,), 'SAME', None, None, ")


def test_each_call_site_is_checked_and_the_wrong_one_is_named():
    findings = flags(
        """
        import numpy as np
        import tensorflow as tf
        x = np.zeros((1, 9, 4))

        def conv(inputs, filters):
            return tf.nn.conv1d(inputs, filters, 1, "SAME")

        good = conv(x, np.zeros((3, 4, 8)))
        bad = conv(x, filters=np.zeros((8, 4, 3)).transpose(0, 2, 1))
        """
    )
    (finding,) = findings
    assert "(8, 3, 4) (numpy.zeros, transposed, line 10)" in finding.message
    # The first order that fits the input's 4 channels: (width 8, out 3, in 4).
    assert "transpose it from (width, out, in) to (width, in, out): axes (0, 2, 1)" in finding.message


def test_the_assignment_that_reaches_the_read_counts():
    source = """
        import jax.numpy as jnp
        from jax import lax
        w = jnp.ones((3, 1, 1))
        y = lax.conv_general_dilated(jnp.ones((1, 7, 1)), w, (1,), "SAME", dimension_numbers=("NWC", "OIW", "NWC"))
        w = jnp.ones((8, 1, 1))
        """
    assert "(3, 1, 1)" in only(source).message  # not the later (8, 1, 1)
    # An assignment in one branch only: either may reach the call, so nothing is claimed.
    assert not flags(
        """
        import jax.numpy as jnp
        from jax import lax
        w = jnp.ones((1, 1, 3))
        if flip:
            w = jnp.ones((3, 1, 1))
        y = lax.conv_general_dilated(jnp.ones((1, 7, 1)), w, (1,), "SAME", dimension_numbers=("NWC", "OIW", "NWC"))
        """
    )


def test_parameters_bind_by_keyword_and_default_and_rebound_helpers_are_not_followed():
    helper = textwrap.dedent(
        """
        import jax.numpy as jnp
        from jax import lax

        def conv(x, w=jnp.ones((3, 1, 1)), spec=("NWC", "OIW", "NWC")):
            return lax.conv_general_dilated(x, w, (1,), "SAME", dimension_numbers=spec)
        """
    )
    assert "(3, 1, 1)" in only(helper + "y = conv(x=jnp.ones((1, 7, 1)))\n").message
    assert not flags(helper + "y = conv(jnp.ones((1, 7, 1)), spec=('NWC', 'WIO', 'NWC'))\n")
    assert not flags(helper + "conv = other\ny = conv(jnp.ones((1, 7, 1)))\n")
    assert not flags(helper + "y = conv(*arrays)\n")


def test_recursion_and_cycles_end():
    assert not flags(
        """
        import jax.numpy as jnp
        from jax import lax

        def conv(x, w, depth):
            if depth:
                return conv(x, w, depth - 1)
            return lax.conv_general_dilated(x, w, (1,), "SAME", dimension_numbers=("NWC", "WIO", "NWC"))

        a = b
        b = a
        y = conv(jnp.ones((1, 7, 1)), a, 3)
        """
    )


@pytest.mark.parametrize(
    "kernel",
    [
        "jnp.ones(12).reshape(4, 3, -1)",
        "jnp.reshape(jnp.arange(12.0), (4, 3, 1))",
        "np.random.randn(1, 3, 4).T",
        "jnp.transpose(jnp.zeros((1, 3, 4)))",
        "tf.transpose(tf.zeros((1, 3, 4)), perm=[2, 1, 0])",
        "jnp.swapaxes(jnp.zeros((1, 3, 4)), 0, 2)",
        "np.zeros((1, 3, 4)).transpose(0, 2)",  # PyTorch's t.transpose(dim0, dim1)
        "jnp.array([[[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]], [[1.0], [2.0], [3.0]]])",
        "nn.initializers.lecun_normal()(key, (4, 3, 1))",
        "jax.nn.initializers.zeros(key, (4, 3, 1))",
        "random.uniform(key, (4, 3, 1), minval=-1, maxval=1) * 0.5",
    ],
)
def test_shapes_are_read_from_makers_reshapes_transposes_and_initializers(kernel):
    finding = only(
        f"""
        import jax
        import jax.numpy as jnp
        import numpy as np
        import tensorflow as tf
        import flax.linen as nn
        from jax import lax, random
        w = {kernel}
        y = lax.conv_general_dilated(jnp.ones((1, 9, 3)), w, (1,), "VALID", dimension_numbers=("NWC", "OIW", "NWC"))
        """
    )
    assert "of shape (4, 3, 1)" in finding.message and "use 'WIO'" in finding.message


def test_haiku_initializers_take_the_shape_first():
    finding = only(
        """
        import haiku as hk
        import jax.numpy as jnp
        from jax import lax
        init = hk.initializers.TruncatedNormal(0.02)
        w = init((3, 1, 1), jnp.float32)
        y = lax.conv_general_dilated(jnp.ones((1, 7, 1)), w, (1,), "SAME", dimension_numbers=("NWC", "OIW", "NWC"))
        """
    )
    assert "(3, 1, 1) (an initializer, line 6)" in finding.message


@pytest.mark.parametrize(
    "call",
    [
        # A pointwise conv written channels-first throughout: the width 1 is meant.
        "lax.conv_general_dilated(jnp.ones((1, 1, 7)), jnp.ones((3, 1, 1)), (1,), 'SAME', dimension_numbers=('NCW', 'OIW', 'NCW'))",
        # The spec is an object conv-lint does not evaluate.
        "lax.conv_general_dilated(jnp.ones((1, 7, 1)), jnp.ones((3, 1, 1)), (1,), 'SAME', dimension_numbers=lax.conv_dimension_numbers(a, b, c))",
        # The kernel's shape comes from outside the module.
        "lax.conv_general_dilated(jnp.ones((1, 7, 1)), params['w'], (1,), 'SAME', dimension_numbers=('NWC', 'OIW', 'NWC'))",
        # 2 groups of 2 channels fit a 4-channel input.
        "lax.conv_general_dilated(jnp.ones((1, 7, 4)), jnp.ones((3, 2, 8)), (1,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'), feature_group_count=2)",
        # Rank mismatch: lax raises with its own message, no reading is claimed.
        "lax.conv_general_dilated(jnp.ones((1, 7, 1)), jnp.ones((3, 3, 1, 1)), (1,), 'SAME', dimension_numbers=('NWC', 'OIW', 'NWC'))",
    ],
)
def test_plausible_or_unknown_readings_are_not_flagged(call):
    assert not flags(f"import jax.numpy as jnp\nfrom jax import lax\ny = {call}\n")


def test_in_channels_that_do_not_match_the_input():
    finding = only(
        """
        import jax.numpy as jnp
        from jax import lax
        x = jnp.ones((1, 32, 32, 3))
        w = jnp.ones((16, 3, 5, 5))  # made as (out, in, height, width)
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        """
    )
    assert finding.message.endswith(
        "as H=16, W=3, I=5, O=5: 5 input channels, but the input (1, 32, 32, 3) has 3"
        " — for a (out, in, height, width) kernel use 'OIHW'"
    )


# -- exported weights (CNV107) -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("weight", "spec", "flagged"),
    [
        ("torch.nn.Conv1d(4, 8, 3).weight.detach().numpy()", "('NWC', 'WIO', 'NWC')", True),
        ("torch.nn.Conv1d(4, 8, 3).weight.detach().numpy()", "('NCW', 'OIW', 'NCW')", False),
        ("jnp.transpose(jnp.asarray(model.conv.weight.detach().numpy()), (2, 1, 0))", "('NWC', 'WIO', 'NWC')", False),
        ("jnp.asarray(model.conv.weight.data.cpu().numpy()).T", "('NWC', 'WIO', 'NWC')", False),
        ("state['conv.weight'].numpy()", "('NWC', 'WIO', 'NWC')", True),
        ("params['params']['Conv_0']['kernel']", "('NCW', 'OIW', 'NCW')", True),
        ("params['params']['Conv_0']['kernel']", "('NWC', 'WIO', 'NWC')", False),
        ("eqx.nn.Conv1d(4, 8, 3, key=k).weight", "('NWC', 'WIO', 'NWC')", True),
        ("keras.layers.Conv1DTranspose(8, 3).kernel", "('NWC', 'WOI', 'NWC')", False),
        ("torch.nn.ConvTranspose1d(4, 8, 3).weight", "('NCW', 'IOW', 'NCW')", False),
        ("torch.nn.ConvTranspose1d(4, 8, 3).weight", "('NCW', 'OIW', 'NCW')", True),
    ],
)
def test_exported_weights_keep_their_framework_layout(weight, spec, flagged):
    source = f"""
        import equinox as eqx
        import jax.numpy as jnp
        import keras
        import torch
        from jax import lax
        w = {weight}
        y = lax.conv_general_dilated(x, w, (1,), "SAME", dimension_numbers={spec})
        """
    assert bool(flags(source, "CNV107")) == flagged
    assert not flags(source, "CNV101")  # a known layout is CNV107's, not a shape guess


def test_ported_weight_message_gives_the_transpose():
    finding = only(
        """
        import jax.numpy as jnp
        import torch
        from jax import lax
        conv = torch.nn.Conv2d(3, 16, 5)
        w = jnp.asarray(conv.weight.detach().numpy())
        y = lax.conv_general_dilated(x, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        """,
        "CNV107",
    )
    assert finding.parameter == "rhs" and finding.column == 1 + len("y = lax.conv_general_dilated(x, ")
    assert finding.message == (
        "jax.lax.conv_general_dilated reads the .weight of torch.nn.Conv2d (line 5) as (height, width, in, out),"
        " but it is laid out (out, in, height, width) — transpose it with axes (2, 3, 1, 0) before the call,"
        " or pass 'OIHW' as the rhs spec"
    )


# -- the output shape in messages is what JAX computes --------------------------------------------

OUTPUT_CASES = [
    # (input shape, kernel shape, dimension numbers, strides, padding, rhs dilation)
    ((1, 7, 1), (3, 1, 1), ("NWC", "OIW", "NWC"), (1,), "VALID", (1,)),
    ((1, 7, 1), (3, 1, 1), ("NWC", "OIW", "NWC"), (1,), "SAME", (1,)),
    ((2, 10, 3), (4, 3, 1), ("NWC", "OIW", "NCW"), (3,), "VALID", (1,)),
    ((2, 10, 3), (4, 3, 1), ("NWC", "OIW", "NWC"), (2,), [(2, 1)], (1,)),
    ((1, 9, 9, 1), (5, 1, 1, 1), ("NHWC", "OIHW", "NHWC"), (2, 1), "SAME", (1, 1)),
]


def test_output_shapes_in_messages_match_jax():
    require_installed("jax")
    ours = []
    for lhs, rhs, dn, strides, padding, dilation in OUTPUT_CASES:
        source = (
            "import jax.numpy as jnp\nfrom jax import lax\n"
            f"y = lax.conv_general_dilated(jnp.ones({lhs}), jnp.ones({rhs}), {strides}, {padding!r}, None, {dilation}, {dn})\n"
        )
        (finding,) = [f for f in analyze(source, "x.py") if f.code == "CNV101"]
        match = re.search(r"the output is (\(.*?\))", finding.message)
        assert match, finding.message
        ours.append(list(eval(match.group(1))))
    probe = (
        "import json, sys, jax\nfrom jax import lax\n"
        "cases = json.loads(sys.argv[1])\n"
        "print(json.dumps([list(jax.eval_shape(lambda a, b: lax.conv_general_dilated(a, b, tuple(s),"
        " p if isinstance(p, str) else [tuple(q) for q in p], None, tuple(d), tuple(dn)),"
        " jax.ShapeDtypeStruct(tuple(l), 'float32'), jax.ShapeDtypeStruct(tuple(r), 'float32')).shape)"
        " for l, r, dn, s, p, d in cases]))\n"
    )
    result = run("python", "-c", probe, json.dumps(OUTPUT_CASES))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == ours
