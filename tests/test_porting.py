"""Porting hazards (conv_lint.porting): padding, initializers, precision; and how check, flake8 and
fix treat the new codes."""

import textwrap

import pytest

from conftest import run
from conv_lint.analyzer import analyze


def codes(source: str, code: str) -> list:
    return [f for f in analyze(textwrap.dedent(source), "model.py") if f.code == code]


# -- CNV102 causal padding -----------------------------------------------------------------------


def test_causal_padding_gives_the_pair_from_the_call_or_the_formula():
    (known,) = codes("import keras\nkeras.layers.Conv1D(8, kernel_size=(5,), dilation_rate=3, padding='CAUSAL')\n", "CNV102")
    assert "pads 12 steps at the start only" in known.message and "padding=[(12, 0)]" in known.message
    assert known.parameter == "padding" and known.column == 1 + len("keras.layers.Conv1D(8, kernel_size=(5,), dilation_rate=3, ")
    (unknown,) = codes("import keras\nkeras.layers.Conv1D(8, k, padding='causal')\n", "CNV102")
    assert "padding=[((kernel_size - 1) * dilation_rate, 0)]" in unknown.message
    assert not codes("import flax.linen as nn\nnn.Conv(8, 3, padding='CAUSAL')\n", "CNV102")


# -- CNV103 'same' that PyTorch cannot reproduce ---------------------------------------------------


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("keras.layers.Conv1D(8, 2, padding='same')", True),  # (k - 1) * d = 1: (0, 1)
        ("keras.layers.Conv1D(8, 2, padding='same', dilation_rate=2)", False),  # (k - 1) * d = 2: (1, 1)
        ("keras.layers.Conv1D(8, 3, padding='same', dilation_rate=3)", False),
        ("keras.layers.Conv2D(8, (3, 4), padding='same')", True),
        ("keras.layers.Conv2D(8, 3, strides=(1, 2), padding='same')", True),
        ("keras.layers.Conv1DTranspose(8, 4, padding='same')", False),  # transposed: another padding rule
        ("keras.layers.Conv1D(8, k, padding='same')", False),  # the kernel size is not known
        ("torch.nn.Conv1d(4, 8, 4, padding='same')", False),
        ("torch.nn.Conv2d(4, 8, 3, stride=(1, 2), padding='same')", True),
        ("torch.nn.Conv1d(4, 8, 3, stride=s, padding='same')", False),
    ],
)
def test_same_padding_in_a_file_that_uses_torch(call, flagged):
    assert bool(codes(f"import keras\nimport torch\n{call}\n", "CNV103")) == flagged


def test_same_padding_without_torch_is_keras_business_only():
    assert not codes("import keras\nkeras.layers.Conv1D(8, 4, padding='same')\n", "CNV103")
    (strided,) = codes("import torch\ntorch.nn.Conv1d(4, 8, 3, stride=2, padding='same')\n", "CNV103")
    assert "raises RuntimeError" in strided.message


def test_stride_example_split_is_the_measured_one():
    # FRAMEWORK_DEFAULTS.md: n = 8, k = 3, s = 2 pads (0, 1).
    (finding,) = codes("import keras, torch\nkeras.layers.Conv1D(8, 3, 2, 'same')\n", "CNV103")
    assert "(0, 1) for n = 8" in finding.message


# -- CNV104 integer padding with no string ---------------------------------------------------------

PORT = "import keras\nimport flax.linen as fnn\nimport equinox as eqx\nfrom torch import nn\nkeras.layers.Conv1D(8, 3)\n"


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("nn.Conv1d(4, 8, 3, padding=1)", False),  # = 'same'
        ("nn.Conv1d(4, 8, 3, padding=0)", False),  # = 'valid'
        ("nn.Conv1d(4, 8, 3, padding=2)", True),
        ("nn.Conv1d(4, 8, 3, dilation=2, padding=2)", False),  # (k - 1) * d = 4: 'same' pads (2, 2)
        ("nn.Conv1d(4, 8, 3, stride=2, padding=1)", True),
        ("nn.Conv2d(4, 8, (3, 5), padding=(1, 2))", False),
        ("nn.Conv2d(4, 8, (3, 5), padding=(1, 1))", True),
        ("fnn.Conv(8, 4, padding=[(1, 2)])", False),  # 'same' for an even kernel
        ("fnn.Conv(8, 3, padding=[(2, 0)])", False),  # Keras 'causal'
        ("fnn.Conv(8, 3, padding=[(0, 2)])", True),
        ("eqx.nn.Conv1d(4, 8, 3, padding=3, key=k)", True),
        ("nn.ConvTranspose1d(4, 8, 3, padding=2)", False),
        ("nn.Conv1d(4, 8, k, padding=2)", False),
    ],
)
def test_integer_padding_next_to_string_padding(call, flagged):
    assert bool(codes(PORT + call + "\n", "CNV104")) == flagged


def test_integer_padding_alone_is_not_a_port():
    assert not codes("from torch import nn\nnn.Conv1d(4, 8, 3, padding=2)\n", "CNV104")
    # Flax beside Flax is one framework's business, whatever its paddings.
    assert not codes("import flax.linen as nn\nnn.Conv(8, 3, padding='SAME')\nnn.Conv(8, 3, padding=2)\n", "CNV104")


# -- CNV106 truncated normals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stddev", "flagged"),
    [
        ("1 / math.sqrt(fan_in)", True),
        ("math.sqrt(1.0 / fan_in)", True),
        ("fan_in ** -0.5", True),
        ("(1 / fan_in) ** 0.5", True),
        ("0.02", False),
        ("math.sqrt(2 / fan_in)", False),
    ],
)
def test_truncated_normal_with_inverse_sqrt_stddev(stddev, flagged):
    source = f"""
        import math
        import haiku as hk
        import keras
        keras.layers.Conv1D(8, 3, kernel_initializer=keras.initializers.TruncatedNormal(0.0, {stddev}))
        hk.Conv1D(8, 3, w_init=hk.initializers.TruncatedNormal(stddev={stddev}))
        """
    assert len(codes(source, "CNV106")) == (2 if flagged else 0)


def test_haiku_default_is_flagged_only_next_to_flax():
    haiku = "import haiku as hk\nhk.Conv1D(8, 3)\n"
    assert not codes(haiku, "CNV106")
    (finding,) = codes(haiku + "import flax.linen as nn\nnn.Conv(8, 3)\n", "CNV106")
    assert finding.line == 2 and "std 0.88/sqrt(fan_in)" in finding.message


# -- CNV108 initializer names ----------------------------------------------------------------------

CONV = "from jax import lax\nimport jax.numpy as jnp\nimport numpy as np\nfrom jax import random\ny = lax.conv(x, w0, (1,), 'SAME')\n"


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("# Xavier init\nw = random.uniform(k, s, minval=-jnp.sqrt(6 / fan_in), maxval=jnp.sqrt(6 / fan_in))\n", True),
        ("GlorotKernel = random.uniform(k, s, minval=-np.sqrt(6.0 / n), maxval=np.sqrt(6.0 / n))\n", True),
        ("w = random.uniform(k, s, minval=-np.sqrt(6 / (n_in + n_out)), maxval=np.sqrt(6 / (n_in + n_out)))  # glorot\n", False),
        ("fan = n_in + n_out\nw = random.uniform(k, s, minval=-np.sqrt(6 / fan), maxval=np.sqrt(6 / fan))  # glorot\n", False),
        ("w = random.uniform(k, s, minval=-1 / np.sqrt(n), maxval=1 / np.sqrt(n))  # kaiming, as PyTorch\n", False),
        ("w = random.uniform(k, s, minval=-np.sqrt(3 / n), maxval=np.sqrt(3 / n))  # he\n", True),
        ("w = np.random.normal(0, np.sqrt(1 / n), s)  # lecun\n", False),
        ("w = random.normal(k, s) * np.sqrt(2 / n)\nprint('glorot', w)\n", True),
        ("w = random.uniform(k, s, minval=-np.sqrt(6 / n), maxval=np.sqrt(6 / n))  # the weights\n", False),
        ("w = random.uniform(k, s, minval=-np.sqrt(6 / 4), maxval=np.sqrt(6 / 4))  # glorot\n", False),
    ],
)
def test_formula_and_label(source, flagged):
    assert bool(codes(CONV + source, "CNV108")) == flagged


def test_formula_labels_need_a_module_that_calls_a_conv():
    # The pre-check skips files without a conv call: a label finding there would depend on it.
    assert not codes("import numpy as np\nw = np.random.normal(0, np.sqrt(2 / n), s)  # glorot\n", "CNV108")


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("import flax.linen as nn\nimport torch\nnn.Conv(4, 3, kernel_init=nn.initializers.he_uniform())\n", True),
        ("import flax.linen as nn\nnn.Conv(4, 3, kernel_init=nn.initializers.he_uniform())\n", False),
        ("import haiku as hk\nimport torch\ninit = hk.initializers.RandomUniform()\nhk.Conv1D(4, 3, w_init=init)\n", True),
        ("import haiku as hk\nhk.Conv1D(4, 3, w_init=hk.initializers.RandomUniform(-0.1, 0.1))\n", False),
        ("from flax import nnx\nnnx.Conv(2, 4, 3, kernel_init=nnx.initializers.uniform(), rngs=r)\n", True),
    ],
)
def test_initializer_names_on_conv_layers(source, flagged):
    assert bool(codes(source, "CNV108")) == flagged


# -- CNV902: opt-in, the same in check and flake8 ------------------------------------------------

PRECISION = "from jax import lax\nimport flax.linen as nn\ny = lax.conv(x, w, (1,), 'SAME')\nz = nn.Conv(4, 3, precision='highest')\nv = lax.conv_general_dilated(x, w, (1,), 'SAME', precision=None)\n"


def test_precision_is_opt_in_and_flake8_agrees():
    assert [f.line for f in codes(PRECISION, "CNV902")] == [3, 5]
    for select, expected in (("CNV", False), ("CNV901", False), ("CNV9", True), ("CNV902", True)):
        ours = run("conv-lint", "check", "--select", select, "-", stdin=PRECISION).stdout
        theirs = run("flake8", "--select", select, "-", stdin=PRECISION).stdout
        assert ours == theirs
        assert (": CNV902 " in ours) == expected, select
    extended = run("conv-lint", "check", "--extend-select", "CNV902", "-", stdin=PRECISION).stdout
    assert extended.count(": CNV902 ") == 2 and ": CNV901 " not in extended


# -- fix: the new codes -----------------------------------------------------------------------------


def test_fix_pins_transpose_kernel_and_reports_what_it_cannot_fix(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(
        "import jax.numpy as jnp\nfrom jax import lax\n"
        "w = jnp.ones((3, 1, 1))\n"
        "y = lax.conv_general_dilated(jnp.ones((1, 7, 1)), w, (1,), 'SAME', dimension_numbers=('NWC', 'OIW', 'NWC'))\n"
        "z = lax.conv_transpose(y, w, (2,), 'SAME', dimension_numbers=('NWC', 'WIO', 'NWC'))\n"
    )
    result = run("conv-lint", "fix", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    # What is left goes to stderr, after any diff (README: conv-lint fix).
    assert result.stderr.startswith(f"{path}:4:68: CNV101 not fixed: CNV101 has no automatic fix\n")
    # The pin pushes the line past 88 columns: the call is split as black splits it.
    assert path.read_text().endswith("dimension_numbers=('NWC', 'WIO', 'NWC'), transpose_kernel=False\n)\n")
    assert [line.split(": ")[1].split()[0] for line in run("conv-lint", "check", str(path)).stdout.splitlines()] == ["CNV101"]
