"""``conv-lint fix --verify``: a pin is written only when a real run in its framework confirms it.

Real TensorFlow and JAX in verify's workers, the real fixer writing real files.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import keras_home, require_installed, run

FRAMEWORKS = ("tensorflow", "keras", "jax", "flax")
MODEL = (
    "import keras\n"
    "import flax.linen as nn\n"
    "from jax import lax\n\n"
    "layer = keras.layers.Conv1D(4, 3)\n"
    "conv = nn.Conv(2, 3)\n"
    "sized = keras.layers.Conv1D(4, size)\n\n\n"
    "def f(x, w):\n"
    "    return lax.conv_general_dilated(x, w, (1,), 'SAME')\n"
)


def _fix(*args: str, env: dict | None = None, cwd: Path) -> subprocess.CompletedProcess:
    return run("conv-lint", "fix", *args, env=env, cwd=cwd)


def test_confirmed_pins_are_written_and_the_unconfirmed_one_is_left_with_its_reason(tmp_path):
    require_installed(*FRAMEWORKS)
    verified, plain = tmp_path / "verified.py", tmp_path / "plain.py"
    # Every call stays on its line, so the two files compare line by line.
    (tmp_path / "pyproject.toml").write_text("[tool.ruff]\nline-length = 200\n")
    verified.write_text(MODEL)
    plain.write_text(MODEL)
    result = _fix("--verify", "--exit-zero", str(verified), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _fix("--exit-zero", str(plain), cwd=tmp_path).returncode == 0

    # Every call verify can run got exactly the pins plain `fix` writes ...
    fixed, without = verified.read_text().splitlines(), plain.read_text().splitlines()
    sized = next(index for index, line in enumerate(without) if line.startswith("sized"))
    assert fixed[:sized] + fixed[sized + 1 :] == without[:sized] + without[sized + 1 :]
    # ... and the unknown-size call only the initializer pins, checked with a stand-in kernel size (what an
    # initializer draws does not depend on it), not the padding, which does
    assert fixed[sized] == "sized = keras.layers.Conv1D(4, size, kernel_initializer='glorot_uniform', bias_initializer='zeros')"
    assert "padding=" in without[sized]
    assert "padding='valid'" in verified.read_text() and "dimension_numbers=" in verified.read_text()
    refused = [line for line in result.stderr.splitlines() if "--verify did not confirm the pin" in line]
    assert refused and all(f":{sized + 1}:" in line and "kernel_size: size is not known statically" in line for line in refused)


def test_an_unsafe_pin_that_changes_behaviour_under_the_users_keras_json_is_refused(tmp_path):
    """keras.json says channels_first: data_format=None follows it, so pinning "channels_last"
    (what --unsafe-fixes writes) would change the layer. Plain fix writes it; --verify refuses."""
    require_installed(*FRAMEWORKS)
    source = "import keras\nlayer = keras.layers.Conv1D(4, 3, padding='valid', kernel_initializer='glorot_uniform', bias_initializer='zeros')\n"
    model = tmp_path / "model.py"
    model.write_text(source)
    env = {"KERAS_HOME": str(keras_home(tmp_path, "channels_first"))}

    unverified = _fix("--unsafe-fixes", "--diff", str(model), env=env, cwd=tmp_path)
    assert "data_format='channels_last'" in unverified.stdout  # what a plain unsafe fix would write

    result = _fix("--verify", "--unsafe-fixes", str(model), env=env, cwd=tmp_path)
    assert model.read_text() == source, result.stderr  # nothing written
    (line,) = [line for line in result.stderr.splitlines() if " CNV004 " in line]
    assert "--verify did not confirm the pin (PIN" in line and "data_format" not in source


def test_verify_and_align_with_do_not_combine(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(MODEL)
    result = run("conv-lint", "fix", "--verify", "--align-with", "jax", str(model))
    assert result.returncode == 2 and "--align-with changes behaviour on purpose" in result.stderr
    assert model.read_text() == MODEL


def test_a_pin_beside_an_initializer_object_is_verified_bit_for_bit(tmp_path):
    # keras_hub's DINOv2 and SigLIP pass an unseeded initializer object; it draws its seed when it is made,
    # so both runs of a pin check must make it from the same random state.
    require_installed(*FRAMEWORKS)
    source = tmp_path / "model.py"
    source.write_text(
        "import keras\n\n"
        "patch = keras.layers.Conv2D(4, 3, kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.02))\n"
        "embed = keras.layers.Conv2D(8, 2, kernel_initializer=keras.initializers.LecunNormal())\n"
    )
    result = run("conv-lint", "verify", "--format", "json", "--no-cache", "--exit-zero", str(source), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pins = {(r["line"], r["code"]): r["pin"]["status"] for r in json.loads(result.stdout)["results"]}
    assert pins and set(pins.values()) == {"PIN VERIFIED"}, pins
