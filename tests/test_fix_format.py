"""`conv-lint fix` on formatted code leaves it formatted: the real `ruff format --check` (and
`black --check` where black can format that style) passes on what it writes."""

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run

BIN = Path(sys.executable).parent

# Keras's sources formatted by ruff (4 spaces, 88 columns): every layout a call can have there.
FORMATTED = '''\
import keras
from keras import layers


def block(x, filters):
    y = keras.layers.Conv2D(
        filters,
        (3, 3),
        padding="same",
    )(x)
    y = layers.Conv2D(filters, 3, padding="same", name="a_name_just_long_enough_here")(
        y
    )
    return layers.Conv2D(filters, 2)(y)


class Stem:
    def __init__(self, filters):
        self.convs = [
            layers.Conv2D(filters, 3, strides=2, padding="same", use_bias=False),
            layers.Conv2D(filters, 3, padding="same"),
        ]
        self.proj = layers.Conv2D(
            filters, 1, strides=1, padding="valid", use_bias=False, name="proj"
        )
        self.head = layers.Conv2D(
            filters, 2, use_bias=False, name="head"
        )  # the classifier
        self.mixer = keras.Sequential(
            [layers.Conv2D(filters, 2, use_bias=False) for _ in range(3)]
        )
'''

FIXED = '''\
import keras
from keras import layers


def block(x, filters):
    y = keras.layers.Conv2D(
        filters,
        (3, 3),
        padding="same",
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
    )(x)
    y = layers.Conv2D(
        filters,
        3,
        padding="same",
        name="a_name_just_long_enough_here",
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
    )(y)
    return layers.Conv2D(
        filters,
        2,
        padding="valid",
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
    )(y)


class Stem:
    def __init__(self, filters):
        self.convs = [
            layers.Conv2D(
                filters,
                3,
                strides=2,
                padding="same",
                use_bias=False,
                kernel_initializer="glorot_uniform",
            ),
            layers.Conv2D(
                filters,
                3,
                padding="same",
                kernel_initializer="glorot_uniform",
                bias_initializer="zeros",
            ),
        ]
        self.proj = layers.Conv2D(
            filters,
            1,
            strides=1,
            padding="valid",
            use_bias=False,
            name="proj",
            kernel_initializer="glorot_uniform",
        )
        self.head = layers.Conv2D(
            filters,
            2,
            use_bias=False,
            name="head",
            padding="valid",
            kernel_initializer="glorot_uniform",
        )  # the classifier
        self.mixer = keras.Sequential(
            [
                layers.Conv2D(
                    filters,
                    2,
                    use_bias=False,
                    padding="valid",
                    kernel_initializer="glorot_uniform",
                )
                for _ in range(3)
            ]
        )
'''

# Flax's own style: 2-space indentation (and a short hugged call that still fits).
FLAX = '''\
import flax.linen as nn


class Block(nn.Module):
  features: int

  @nn.compact
  def __call__(self, x):
    x = nn.Conv(self.features, (3, 3))(x)
    x = nn.Conv(
      self.features, (3, 3), strides=(2, 2), use_bias=False, name="downsample_conv"
    )(x)
    return nn.Conv(self.features, (1, 1), padding="VALID")(x)
'''


def formatted(path: Path, *config: str) -> None:
    """Format ``path`` with the real ruff, with ``config`` as its ruff.toml beside it."""
    (path.parent / "ruff.toml").write_text("\n".join(config) + "\n")
    assert run("ruff", "format", "-q", str(path)).returncode == 0


def ruff_check(path: Path) -> None:
    result = run("ruff", "format", "--check", "--diff", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def fix(path: Path) -> None:
    result = run("conv-lint", "fix", "--no-cache", str(path))
    assert result.returncode in (0, 1), result.stderr
    assert " error: " not in result.stderr, result.stderr


def test_fix_on_ruff_formatted_code_writes_what_ruff_would(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(FORMATTED)
    formatted(path)
    assert path.read_text() == FORMATTED  # the input is what ruff writes
    fix(path)
    assert path.read_text() == FIXED
    ruff_check(path)
    black = run("black", "--check", "--diff", "-q", str(path))
    assert black.returncode == 0, black.stdout + black.stderr


@pytest.mark.parametrize(
    ("style", "config", "indent"),
    [("2-space", ['indent-width = 2'], "  "), ("tabs", ['[format]', 'indent-style = "tab"'], "\t")],
)
def test_other_indentations_stay_formatted(tmp_path, style, config, indent):
    keras_model = tmp_path / "keras_model.py"
    keras_model.write_text(FORMATTED)
    flax_model = tmp_path / "flax_model.py"
    flax_model.write_text(FLAX)
    for path in (keras_model, flax_model):
        formatted(path, *config)
        fix(path)
        ruff_check(path)
    # The keywords take their siblings' indentation, in the file's own unit.
    lines = keras_model.read_text().splitlines()
    assert f"{indent * 2}kernel_initializer=\"glorot_uniform\"," in lines
    assert f"{indent * 2}bias_initializer=\"zeros\"," in lines
    assert indent + ")(x)" in lines
    flax_text = flax_model.read_text()
    assert f"{indent * 2}x = nn.Conv(\n{indent * 3}self.features,\n" in flax_text
    assert f"{indent * 3}kernel_init=nn.initializers.lecun_normal(),\n" in flax_text


def test_crlf_line_endings_are_kept_in_split_calls(tmp_path):
    path = tmp_path / "model.py"
    path.write_bytes(FORMATTED.replace("\n", "\r\n").encode())
    fix(path)
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()
    ruff_check(path)


def test_the_line_length_of_the_projects_formatter_is_used(tmp_path):
    """A call that fits in [tool.ruff]'s (or [tool.black]'s) line-length stays on its line."""
    source = 'import keras\n\nlayer = keras.layers.Conv2D(8, 3, padding="same")\n'
    fixed_one_line = (
        'import keras\n\nlayer = keras.layers.Conv2D(8, 3, padding="same", kernel_initializer="glorot_uniform", bias_initializer="zeros")\n'
    )
    for table in ("ruff", "black"):
        folder = tmp_path / table
        folder.mkdir()
        (folder / "pyproject.toml").write_text(f"[tool.{table}]\nline-length = 120\n")
        path = folder / "model.py"
        path.write_text(source)
        fix(path)
        assert path.read_text() == fixed_one_line
        formatter = run(table, "--check", str(path)) if table == "black" else run("ruff", "format", "--check", str(path))
        assert formatter.returncode == 0, formatter.stderr
    # Without a configuration: black's 88 columns.
    path = tmp_path / "model.py"
    path.write_text(source)
    fix(path)
    assert path.read_text().splitlines()[2:] == [
        "layer = keras.layers.Conv2D(",
        '    8, 3, padding="same", kernel_initializer="glorot_uniform", bias_initializer="zeros"',
        ")",
    ]


# An excerpt of keras_cv (Apache-2.0), keras_cv/src/models/legacy/convmixer.py, formatted by ruff.
CONVMIXER = '''\
from tensorflow.keras import layers


def apply_convmixer_block(x, dim, kernel_size):
    """ConvMixerBlock module.

    Args:
        x: input tensor.
        dim: integer, filters of the layer in a block.
        kernel_size: integer, kernel size of the Conv2d layers.
    Returns:
        the updated input tensor.
    """

    residual = x
    x = layers.DepthwiseConv2D(kernel_size=kernel_size, padding="same")(x)
    x = tf.nn.gelu(x)
    x = layers.BatchNormalization()(x)
    x = layers.Add()([x, residual])

    x = layers.Conv2D(dim, kernel_size=1)(x)
    x = tf.nn.gelu(x)
    x = layers.BatchNormalization()(x)
    return x
'''


@pytest.mark.parametrize("config", [[], ["indent-width = 2"], ["[format]", 'indent-style = "tab"']], ids=["4-space", "2-space", "tabs"])
def test_real_code_excerpt_stays_formatted(tmp_path, config):
    path = tmp_path / "convmixer.py"
    path.write_text(CONVMIXER)
    formatted(path, *config)
    fix(path)
    ruff_check(path)
    text = path.read_text()
    assert 'depthwise_initializer="glorot_uniform",' in text and 'kernel_initializer="glorot_uniform",' in text
    assert run("conv-lint", "fix", "--check", "--no-cache", str(path)).returncode == 0  # nothing left to write
