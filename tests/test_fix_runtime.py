"""The fixes, run in real TensorFlow and JAX: a pin changes nothing, an alignment makes frameworks agree.

Each framework runs in its own subprocess (they never share one), with a fixed seed.
"""

import json
import shutil
from pathlib import Path

from conftest import FIXTURES, require_installed, run

TF_RUNNER = """
import json, os, runpy, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, numpy as np
keras.utils.set_random_seed(0)
namespace = runpy.run_path(sys.argv[1])
layer = namespace["conv_layer_tf"]
print(json.dumps({
    "output": np.asarray(namespace["output_tf"]).tolist(),
    "kernel": layer.get_weights()[0].tolist(),
    "padding": layer.padding,
    "data_format": layer.data_format,
}))
"""


def fix(path: Path, *options: str) -> str:
    result = run("conv-lint", "fix", *options, str(path))
    assert result.returncode in (0, 1), result.stderr
    return path.read_text()


def run_json(*args: str) -> dict:
    result = run(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pinned_seed_post_snippet_gives_identical_tensorflow_output(tmp_path):
    require_installed("tensorflow", "keras")
    original = tmp_path / "original.py"
    shutil.copy(FIXTURES / "seed_post" / "snippet1_tensorflow.py", original)
    pinned = tmp_path / "pinned.py"
    shutil.copy(original, pinned)
    text = fix(pinned, "--unsafe-fixes")
    assert 'padding="valid"' in text and 'kernel_initializer="glorot_uniform"' in text
    assert 'data_format="channels_last"' in text and "bias_initializer" not in text
    runner = tmp_path / "runner.py"
    runner.write_text(TF_RUNNER)
    before = run_json("python", str(runner), str(original))
    after = run_json("python", str(runner), str(pinned))
    assert before == after  # bit-identical: the same floats print to the same JSON
    assert len(before["output"][0]) == 5  # length 5, not the 7 the blog post claims


JAX_PROGRAM = """
import json
import jax, jax.numpy as jnp
import flax.linen as nn
from jax import lax

x = jnp.arange(14, dtype=jnp.float32).reshape(1, 7, 2)
layer = nn.Conv(4, 3)
params = layer.init(jax.random.PRNGKey(0), x)
y = layer.apply(params, x)

lhs = jnp.arange(14, dtype=jnp.float32).reshape(1, 2, 7)
rhs = jnp.arange(12, dtype=jnp.float32).reshape(2, 2, 3) / 10
z = lax.conv_general_dilated(lhs, rhs, (1,), "SAME")
print(json.dumps({"params": jax.tree_util.tree_map(lambda a: a.tolist(), params), "y": y.tolist(), "z": z.tolist()}))
"""


def test_pinned_flax_and_lax_calls_give_identical_jax_output(tmp_path):
    require_installed("jax", "flax")
    original = tmp_path / "original.py"
    original.write_text(JAX_PROGRAM)
    pinned = tmp_path / "pinned.py"
    pinned.write_text(JAX_PROGRAM)
    text = fix(pinned)
    assert "kernel_init=nn.initializers.lecun_normal()" in text
    assert "bias_init=nn.initializers.zeros" in text
    assert 'dimension_numbers=("NCH", "OIH", "NCH")' in text
    before = run_json("python", str(original))
    after = run_json("python", str(pinned))
    assert before == after


KERAS_REFERENCE = """
import json, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras, numpy as np
keras.utils.set_random_seed(1)
x = np.arange(1, 8, dtype=np.float32).reshape(1, 7, 1)
layer = keras.layers.Conv1D(1, 3)
y = layer(x)
kernel, bias = layer.get_weights()
sample = keras.initializers.get("glorot_uniform")((5, 64, 128))
print(json.dumps({"y": np.asarray(y).tolist(), "kernel": kernel.tolist(), "bias": bias.tolist(),
                  "init_std": float(np.std(sample)), "init_max": float(np.max(np.abs(sample)))}))
"""

FLAX_ALIGNED = """
import json, sys
import jax, jax.numpy as jnp, numpy as np
import flax.linen as nn

reference = json.load(open(sys.argv[1]))
x = jnp.arange(1, 8, dtype=jnp.float32).reshape(1, 7, 1)
layer = nn.Conv(1, 3)
params = layer.init(jax.random.PRNGKey(0), x)
params = {"params": {"kernel": jnp.asarray(reference["kernel"]), "bias": jnp.asarray(reference["bias"])}}
y = layer.apply(params, x)
sample = layer.kernel_init(jax.random.PRNGKey(1), (5, 64, 128))
print(json.dumps({"y": np.asarray(y).tolist(), "init_std": float(jnp.std(sample)),
                  "init_max": float(jnp.max(jnp.abs(sample)))}))
"""


def test_align_with_tensorflow_makes_flax_match_keras(tmp_path):
    require_installed("tensorflow", "keras", "jax", "flax")
    keras_program = tmp_path / "keras_reference.py"
    keras_program.write_text(KERAS_REFERENCE)
    reference = run_json("python", str(keras_program))
    (tmp_path / "reference.json").write_text(json.dumps(reference))

    flax_program = tmp_path / "flax_aligned.py"
    flax_program.write_text(FLAX_ALIGNED)
    unaligned = run_json("python", str(flax_program), str(tmp_path / "reference.json"))
    assert len(unaligned["y"][0]) == 7 != len(reference["y"][0])  # 'SAME' vs 'valid' before the fix

    text = fix(flax_program, "--align-with", "tensorflow")
    assert 'padding="VALID",' in text and "kernel_init=nn.initializers.glorot_uniform()," in text
    aligned = run_json("python", str(flax_program), str(tmp_path / "reference.json"))
    assert len(aligned["y"][0]) == len(reference["y"][0]) == 5
    for ours, theirs in zip(aligned["y"][0], reference["y"][0]):
        assert abs(ours[0] - theirs[0]) <= 1e-6 * max(1.0, abs(theirs[0]))
    # The aligned initializer draws from Keras' glorot_uniform: U(±sqrt(6/(320+640))), std bound/sqrt(3).
    bound = (6 / (320 + 640)) ** 0.5
    assert aligned["init_max"] <= bound and reference["init_max"] <= bound
    assert abs(aligned["init_std"] - reference["init_std"]) < 0.02 * reference["init_std"]
    assert abs(aligned["init_std"] - bound / 3**0.5) < 0.02 * bound
