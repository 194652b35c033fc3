"""conv-lint verify against real TensorFlow and JAX: the issue's acceptance scenarios.

TensorFlow and JAX run only in verify's worker processes and in --exec snippets, never in the
pytest process. To keep the suite fast, the command runs once over the fixtures and the
scenario files below (one pair of workers), and the call-pair checks share one pool.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, keras_home, require_installed, run
from conv_lint.verify.pair import compare_calls, judge_pair, plan_pair
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.plan import Jobs, Planner
from conv_lint.verify.workers.pool import Limits, Pool

FRAMEWORKS = ("tensorflow", "keras", "jax", "flax", "haiku", "equinox")

SCENARIOS = {
    "keras_default.py": "import keras\nlayer = keras.layers.Conv1D(1, 3)\n",
    "lax_layout.py": 'from jax import lax\n\n\ndef conv(x, w):\n    return lax.conv_general_dilated(x, w, (1,), "SAME")\n',
    "convolve.py": "import jax.numpy as jnp\n\n\ndef smooth(x, k):\n    return jnp.convolve(x, k)\n",
    "haiku_default.py": "import haiku as hk\n\n\ndef net(x):\n    return hk.Conv1D(1, 3)(x)\n",
    "keras_causal.py": 'import keras\nlayer = keras.layers.Conv1D(1, 3, dilation_rate=2, padding="causal")\n',
    "flax_even_stride.py": "import flax.linen as nn\nlayer = nn.Conv(1, 4, strides=2)\n",
    "kernel_one.py": (
        "import keras\n"
        'layer = keras.layers.Conv1D(4, 1, data_format="channels_last", kernel_initializer="he_normal", use_bias=False)\n'
    ),
    "unknown.py": (
        "import keras\n\n\ndef make(filters):\n"
        '    return keras.layers.Conv1D(filters, 3, data_format="channels_last", kernel_initializer="zeros", use_bias=False)\n'
    ),
    "unknown_size.py": (
        "import keras\n\n\ndef make(size):\n"
        '    return keras.layers.Conv1D(4, size, data_format="channels_last", kernel_initializer="zeros", use_bias=False)\n'
    ),
}


@pytest.fixture(scope="module")
def verified(tmp_path_factory):
    """One ``conv-lint verify`` over the fixtures and the scenarios: (results by file and code, document, process)."""
    require_installed(*FRAMEWORKS)
    folder = tmp_path_factory.mktemp("scenarios")
    for name, source in SCENARIOS.items():
        (folder / name).write_text(source)
    html = folder / "report.html"
    cache = folder / "cache"  # not the project's .conv-lint-cache: a test run leaves nothing behind
    result = run("conv-lint", "verify", "fixtures", str(folder), "--format", "json", "--html", str(html), "--cache-dir", str(cache))
    document = json.loads(result.stdout)
    by_key = {(r["path"], r["line"], r["code"]): r for r in document["results"]}
    return by_key, document, result, html


def _one(by_key, name, code):
    (result,) = [r for (path, _, c), r in by_key.items() if Path(path).name == name and c == code]
    return result


def test_every_finding_gets_a_verdict(verified, tmp_path):
    by_key, document, result, _ = verified
    assert result.returncode == 2  # fixtures/bad/does_not_parse.py is reported, the rest verified
    assert "does_not_parse.py" in result.stderr
    checked = run("conv-lint", "check", "fixtures", "--format", "json", "--no-cache")
    expected = {(f["path"], f["line"], f["code"]) for f in json.loads(checked.stdout)}
    assert expected and expected <= set(by_key)
    for record in document["results"]:
        assert record["verdict"] in ("CONFIRMED", "NOT CONFIRMED", "UNVERIFIABLE")
        assert record["reason"]


def test_cache_dir_holds_jax_compiled_programs_and_no_cache_writes_nothing(verified, tmp_path):
    """--cache-dir X fills X/jax (the run above); --no-cache keeps them in a temporary folder,
    removed afterwards; without either, they go to .conv-lint-cache/jax beside the configuration."""
    _, _, _, html = verified
    cache = html.parent / "cache"
    assert len(list((cache / "jax").iterdir())) > 50  # one entry per distinct program the fixtures need
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"

    project, temporary = tmp_path / "project", tmp_path / "tmp"
    project.mkdir(), temporary.mkdir()
    (project / "pyproject.toml").write_text("[tool.conv-lint]\n")
    (project / "model.py").write_text(SCENARIOS["flax_even_stride.py"])

    def verify(*options: str) -> None:
        done = run("conv-lint", "verify", "model.py", *options, cwd=project, env={"TMPDIR": str(temporary)})
        assert done.returncode == 1 and "CONFIRMED" in done.stdout, done.stderr

    verify("--no-cache")
    assert sorted(path.name for path in project.iterdir()) == ["model.py", "pyproject.toml"]
    assert list(temporary.iterdir()) == []
    verify()
    assert list((project / ".conv-lint-cache" / "jax").iterdir())
    assert list(temporary.iterdir()) == []


def test_scenario_1_keras_conv1d_vs_flax_conv_shapes(verified):
    by_key, _, _, _ = verified
    padding = _one(by_key, "keras_default.py", "CNV001")
    assert padding["verdict"] == "CONFIRMED"
    assert padding["divergence"]["evidence"]["shapes"] == {"keras.layers.Conv1D": [1, 5, 1], "flax.linen.Conv": [1, 7, 1]}
    assert padding["fix"]["status"] == "FIX VERIFIED" and "padding=\"VALID\"" in padding["fix"]["calls"][1]
    assert padding["pin"]["status"] == "PIN VERIFIED"


def test_initializers_are_compared_over_many_draws(verified):
    by_key, _, _, _ = verified
    kernel = _one(by_key, "keras_default.py", "CNV002")
    assert kernel["verdict"] == "CONFIRMED"
    evidence = kernel["divergence"]["evidence"]
    # fan_in = fan_out = 3: glorot_uniform and lecun_normal have the same variance; only KS tells them apart.
    assert evidence["rejected_by"] == ["KS"] and evidence["ks"]["p"] < 1e-6
    keras_draws = evidence["distributions"]["keras.layers.Conv1D"]
    assert keras_draws["n"] >= 16384 and keras_draws["high"] <= 1.0  # glorot bound sqrt(6/(3+3)) = 1
    assert kernel["fix"]["status"] == "FIX VERIFIED"  # flax's glorot_uniform() draws as Keras' does
    bias = _one(by_key, "keras_default.py", "CNV003")
    assert bias["verdict"] == "CONFIRMED" and "constant 0" in bias["reason"]
    assert any("equinox.nn.Conv1d" in note for note in bias["notes"])  # stands in for torch.nn.Conv1d, as a counterpart


def _at(by_key, name, line, code):
    (result,) = [r for (path, at, c), r in by_key.items() if Path(path).name == name and at == line and c == code]
    return result


def test_tf1_era_and_keras_2_calls_are_run(verified):
    """Issue 15: tf.compat.v1.nn runs as written; a TF1 layer as the tf_keras layer it builds, which a note says;
    a Keras 2 module path as its entry."""
    by_key, _, _, _ = verified
    legacy = [r for (path, _, _), r in by_key.items()
              if Path(path).name in ("flagged_compat_v1.py", "flagged_tf1_layers.py", "flagged_keras2_paths.py")]
    assert len(legacy) == 15 and {r["verdict"] for r in legacy} == {"CONFIRMED"}
    conv1d = _at(by_key, "flagged_compat_v1.py", 13, "CNV004")
    assert conv1d["divergence"]["calls"][0] == "tensorflow.compat.v1.nn.conv1d(stride=1, padding='VALID')"
    dilated = _at(by_key, "flagged_compat_v1.py", 17, "CNV004")  # v1's dilation_rate, passed on as written
    assert "dilation_rate=[2, 2]" in dilated["divergence"]["calls"][0]
    assert "rhs_dilation=(2, 2)" in dilated["divergence"]["calls"][1]
    layer = _at(by_key, "flagged_tf1_layers.py", 9, "CNV001")
    assert layer["divergence"]["calls"][0] == "tf_keras.layers.Conv2D(filters=32, kernel_size=5)"
    assert any("run as tf_keras.layers.Conv2D" in note for note in layer["notes"])
    keras_2 = _at(by_key, "flagged_keras2_paths.py", 9, "CNV004")  # Keras 2's Conv1D: a fixed 'channels_last'
    assert keras_2["divergence"]["calls"][0].startswith("tf_keras.layers.Conv1D(")


@pytest.mark.parametrize("onednn", ["0", "1"])
def test_keras_calls_run_in_the_layout_the_users_keras_json_sets(tmp_path, onednn):
    """data_format=None follows keras.json: a channels_first one makes Keras read (N, C, W), and
    verify feeds the call its probe that way, so the padding divergence is still measured
    (shapes (1, 1, 5) channels-first vs Flax's (1, 7, 1)) instead of the call raising.

    TensorFlow's own CPU kernels have no channels-first convolution (UnimplementedError); only
    oneDNN, where the CPU and build use it, runs one. TF_ENABLE_ONEDNN_OPTS=0 gives every machine
    the first case (AMD EPYC without AVX-512 has it by default): verify then runs the layer's
    channels_last twin with the same weights and says so; the verdict and shapes are the same."""
    require_installed(*FRAMEWORKS)
    (tmp_path / "model.py").write_text(SCENARIOS["keras_default.py"])
    env = {"KERAS_HOME": str(keras_home(tmp_path, "channels_first")), "TF_ENABLE_ONEDNN_OPTS": onednn}
    result = run("conv-lint", "verify", "model.py", "--select", "CNV001", "--format", "json", "--no-cache",
                 cwd=tmp_path, env=env)
    (padding,) = json.loads(result.stdout)["results"]
    assert padding["verdict"] == "CONFIRMED", padding
    evidence = padding["divergence"]["evidence"]
    assert evidence["shapes"] == {"keras.layers.Conv1D": [1, 1, 5], "flax.linen.Conv": [1, 7, 1]}
    assert padding["fix"]["status"] == "FIX VERIFIED" and padding["pin"]["status"] == "PIN VERIFIED"
    if onednn == "0":
        assert "channels_last twin" in evidence["ran_as"]["keras.layers.Conv1D"]
        assert "channels_last twin" in padding["reason"]


def test_an_error_from_the_hosts_framework_build_is_no_evidence_of_a_divergence():
    """The error TensorFlow's CPU kernels raise for a channels-first convolution (built for real,
    with oneDNN off so every CPU raises it) makes the run a failure, never a confirming 'raised'."""
    require_installed("tensorflow")
    probe = (
        "import json, numpy as np, tensorflow as tf\n"
        "from conv_lint.verify.workers.serve import raised\n"
        "try:\n"
        "    tf.nn.conv1d(np.ones((1, 2, 7), np.float32), np.ones((3, 2, 1), np.float32), 1, 'VALID', data_format='NCW')\n"
        "except Exception as error:\n"
        "    print(json.dumps(raised(error)))\n"
    )
    answer = json.loads(_last_line_without_onednn(probe))
    assert list(answer) == ["failure"] and "UnimplementedError" in answer["failure"], answer


def test_a_channels_first_tf_nn_call_the_host_cannot_run_is_run_as_its_channels_last_twin():
    require_installed("tensorflow")
    probe = (
        "import numpy as np, tensorflow as tf\n"
        "from conv_lint.verify.workers.tf_worker import _tf_nn\n"
        "x = np.random.default_rng(0).normal(size=(1, 2, 9)).astype(np.float32)\n"
        "k = np.random.default_rng(1).normal(size=(3, 2, 4)).astype(np.float32)\n"
        "out, note = _tf_nn(tf.nn.conv1d, x, k, {'stride': [1, 1, 2], 'padding': 'VALID', 'data_format': 'NCW'})\n"
        "nwc = tf.nn.conv1d(np.moveaxis(x, 1, -1), k, 2, 'VALID').numpy()\n"
        "print(out.shape, np.array_equal(out, np.moveaxis(nwc, -1, 1)), 'twin' in note)\n"
    )
    assert _last_line_without_onednn(probe) == "(1, 4, 4) True True"


TF_NN_LAYOUTS = (
    "import tensorflow as tf\n"
    "z = tf.nn.conv2d_transpose(x, w, out_shape, 2)\n"
    "d = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], 'SAME')\n"
)


@pytest.mark.parametrize("onednn", ["0", "1"])
def test_tf_nn_transposed_and_depthwise_layouts_get_the_same_verdicts_with_and_without_onednn(tmp_path, onednn):
    """The channels-first side of these layout checks is fed the channels-last probe: it misreads the
    channel count and raises for what the call is (CONFIRMED), whether oneDNN runs it or this host's
    TensorFlow has no channels-first kernel (then its channels_last twin raises the same way). A
    (1, 1, 1, 1) input reads alike in both layouts: NOT CONFIRMED, the twin computing what oneDNN does."""
    require_installed(*FRAMEWORKS)
    (tmp_path / "model.py").write_text(TF_NN_LAYOUTS)
    for input_shape, verdict in ((None, "CONFIRMED"), ("1,1,1,1", "NOT CONFIRMED")):
        shape = ["--input-shape", input_shape] if input_shape else []
        result = run("conv-lint", "verify", "model.py", "--select", "CNV004", "--format", "json", "--no-cache", *shape,
                     cwd=tmp_path, env={"TF_ENABLE_ONEDNN_OPTS": onednn})
        results = json.loads(result.stdout)["results"]
        assert len(results) == 2 and {r["verdict"] for r in results} == {verdict}, [r["reason"] for r in results]


@pytest.mark.parametrize("function, x_shape, kernel_shape, kwargs", [
    ("conv2d_transpose", (1, 2, 5, 4), (3, 3, 3, 2), {"strides": [1, 1, 2, 1], "padding": "SAME"}),
    ("conv1d_transpose", (1, 2, 5), (3, 3, 2), {"strides": 2, "padding": "VALID"}),
    ("depthwise_conv2d", (1, 2, 5, 4), (3, 3, 2, 2), {"strides": [1, 1, 2, 2], "padding": "VALID"}),
])
def test_a_channels_first_tf_nn_transposed_or_depthwise_call_is_run_as_its_channels_last_twin(function, x_shape, kernel_shape, kwargs):
    """Strides and the output_shape verify writes (the size the padding gives the input) are moved
    with the channel axis; the twin's output is the channels-last call's, moved back."""
    require_installed("tensorflow")
    data_format = "NCW" if len(x_shape) == 3 else "NCHW"
    strides = kwargs["strides"]
    nhwc = {**kwargs, "data_format": "N" + data_format[2:] + "C",
            "strides": [strides[0], *strides[2:], strides[1]] if isinstance(strides, list) else strides}
    probe = (
        "import numpy as np, tensorflow as tf\n"
        "from conv_lint.verify.workers.tf_worker import _tf_nn, _with_output_shape\n"
        f"x = np.random.default_rng(0).normal(size={x_shape}).astype(np.float32)\n"
        f"k = np.random.default_rng(1).normal(size={kernel_shape}).astype(np.float32)\n"
        f"api = 'tensorflow.nn.{function}'\n"
        f"kwargs = _with_output_shape(api, x, k, {{**{kwargs!r}, 'data_format': {data_format!r}}})\n"
        f"out, note = _tf_nn(tf.nn.{function}, x, k, kwargs)\n"
        "moved = np.moveaxis(x, 1, -1)\n"
        f"last = tf.nn.{function}(moved, k, **_with_output_shape(api, moved, k, {nhwc!r})).numpy()\n"
        "print(out.shape, np.array_equal(out, np.moveaxis(last, -1, 1)), 'twin' in note)\n"
    )
    shape = {"conv2d_transpose": "(1, 3, 10, 4)", "conv1d_transpose": "(1, 3, 11)", "depthwise_conv2d": "(1, 4, 2, 1)"}
    assert _last_line_without_onednn(probe) == f"{shape[function]} True True"


def _last_line_without_onednn(probe: str) -> str:
    """Run ``probe`` in TensorFlow with oneDNN off: every CPU then lacks channels-first convolutions,
    as AMD EPYC without AVX-512 does by default; its last printed line."""
    result = run("python", "-c", probe, env={"TF_ENABLE_ONEDNN_OPTS": "0", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1]


def test_a_keras_json_keras_refuses_makes_keras_calls_unverifiable_with_keras_reason(tmp_path):
    require_installed(*FRAMEWORKS)
    (tmp_path / "model.py").write_text(SCENARIOS["keras_default.py"])
    result = run("conv-lint", "verify", "model.py", "--select", "CNV001", "--no-cache", cwd=tmp_path,
                 env={"KERAS_HOME": str(keras_home(tmp_path, "channels_middle"))})
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr, result.stderr
    assert "UNVERIFIABLE: keras.layers.Conv1D could not be run: the tensorflow worker failed to start" in result.stdout
    assert "image_data_format=channels_middle" in result.stdout
    assert "workers: tensorflow (did not start); jax " in result.stdout


@pytest.mark.parametrize("data_format", ["channels_first", "channels_last", None])
def test_verify_reads_keras_json_as_keras_does(tmp_path, data_format):
    require_installed("keras")
    env = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3",
           "KERAS_HOME": str(keras_home(tmp_path, data_format) if data_format else tmp_path / "none")}
    probe = ("import keras\nfrom conv_lint.verify.planning.keras_config import keras_image_data_format\n"
             "print(keras.config.image_data_format(), keras_image_data_format())\n")
    result = run("python", "-c", probe, env=env)
    assert result.returncode == 0, result.stderr
    keras_says, ours = result.stdout.split()[-2:]
    assert keras_says == ours == (data_format or "channels_last")


def test_scenario_4_lax_without_dimension_numbers_on_nwc_data(verified):
    by_key, _, _, _ = verified
    layout = _one(by_key, "lax_layout.py", "CNV004")
    assert layout["verdict"] == "CONFIRMED"
    assert "raises ValueError" in layout["reason"]  # NWC (1, 7, 1) read as NCW: 7 input channels
    assert layout["fix"]["status"] == "FIX VERIFIED" and "('NWC', 'WIO', 'NWC')" in layout["fix"]["calls"][0]
    assert layout["pin"]["status"] == "PIN VERIFIED"


def test_scenario_5_convolve_vs_a_conv_layer_holding_k(verified):
    by_key, _, _, _ = verified
    convolve = _one(by_key, "convolve.py", "CNV005")
    assert convolve["verdict"] == "CONFIRMED"
    assert convolve["divergence"]["evidence"]["shapes"]["jax.numpy.convolve"] == [9]  # mode='full': n + k - 1
    (flip,) = convolve["also"]
    assert flip["status"] == "DIFFERS" and "values differ" in flip["summary"]  # mode='valid' alone: still flipped
    assert convolve["fix"]["status"] == "FIX VERIFIED" and "kernel reversed" in convolve["fix"]["calls"][0]


def test_scenario_6_haiku_conv1d_vs_keras_conv1d(verified):
    by_key, _, _, _ = verified
    padding = _one(by_key, "haiku_default.py", "CNV001")
    assert padding["verdict"] == "CONFIRMED"
    assert padding["divergence"]["evidence"]["shapes"] == {"haiku.Conv1D": [1, 7, 1], "keras.layers.Conv1D": [1, 5, 1]}


def test_scenario_7_keras_causal_is_lax_with_explicit_pairs(verified):
    by_key, _, _, _ = verified
    layout = _one(by_key, "keras_causal.py", "CNV004")
    assert layout["fix"]["status"] == "FIX VERIFIED"
    assert "padding=((4, 0),)" in layout["fix"]["calls"][1]  # (k-1)*dilation = 4, nothing after


def test_scenario_3_even_kernel_stride_2_same_agrees_symmetric_differs(verified):
    by_key, _, _, _ = verified
    padding = _one(by_key, "flax_even_stride.py", "CNV001")
    assert padding["verdict"] == "CONFIRMED"  # vs Keras' default 'valid'
    assert padding["fix"]["status"] == "FIX VERIFIED" and padding["fix"]["evidence"]["lengths"] == ["7", "8"]
    (symmetric,) = padding["also"]
    assert symmetric["status"] == "DIFFERS" and "emulated" in symmetric["title"]
    assert "at length 7" in symmetric["summary"]  # odd length: 'SAME' pads (1, 2), symmetric (1, 1)


def test_not_confirmed_and_unverifiable_say_why(verified):
    by_key, _, _, _ = verified
    # A 1-sized kernel's padding (which verify found NOT CONFIRMED) is no longer a finding of check.
    assert not [key for key in by_key if Path(key[0]).name == "kernel_one.py" and key[2] == "CNV001"]
    # An unknown filter count the padding does not depend on runs with a stand-in; an unknown kernel size cannot.
    stand_in = _one(by_key, "unknown.py", "CNV001")
    assert stand_in["verdict"] == "CONFIRMED", stand_in["reason"]
    assert stand_in["divergence"]["evidence"]["stand_ins"] == [
        "filters: filters is not known statically; run with a stand-in 4, which the padding default does not depend on"]
    unknown = _one(by_key, "unknown_size.py", "CNV001")
    assert unknown["verdict"] == "UNVERIFIABLE" and unknown["reason"] == "kernel_size: size is not known statically"
    torch_results = [r for r in by_key.values() if r["api"].startswith("torch") and r["code"] == "CNV001"]
    if importlib.util.find_spec("torch") is None:  # verify runs PyTorch calls only where torch is installed
        assert torch_results and all(r["verdict"] == "UNVERIFIABLE" and "torch is not installed" in r["reason"]
                                     for r in torch_results)
    else:  # every PyTorch call in fixtures/ is one verify runs
        # (a transposed conv whose kernel equals its stride, which verify found NOT CONFIRMED, is no finding)
        assert torch_results and {r["verdict"] for r in torch_results} == {"CONFIRMED"}, [r["reason"] for r in torch_results]


def test_workers_never_share_a_framework(verified):
    _, document, _, _ = verified
    workers = document["workers"]
    assert not {"jax", "jaxlib", "flax", "haiku", "equinox"} & set(workers["tensorflow"]["frameworks_loaded"])
    assert not {"tensorflow", "keras"} & set(workers["jax"]["frameworks_loaded"])
    if "torch" in workers:
        assert workers["torch"]["frameworks_loaded"] == ["torch"]


def test_html_report_is_one_self_contained_page(verified):
    _, document, _, html = verified
    page = html.read_text()
    assert page.count('<section class="finding"') == len(document["results"])
    assert page.count("<svg") > 50 and "CONFIRMED" in page and "keras.layers.Conv1D(1, 3)" in page
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in page


# -- two calls compared directly, in one shared pool --------------------------------------------


@pytest.fixture(scope="module")
def pool():
    require_installed(*FRAMEWORKS)
    with Pool(Limits()) as workers:
        yield workers


def test_scenario_2_same_padding_agrees_and_the_initializers_differ(pool):
    steps = compare_calls('keras.layers.Conv1D(1, 3, padding="same")', "flax.linen.Conv(1, 3)", pool)
    assert steps["outputs"].status == "NOT CONFIRMED"  # the same weights copied in: padding agrees
    assert steps["kernel_init"].status == "CONFIRMED"  # glorot_uniform vs lecun_normal
    assert steps["bias_init"].status == "NOT CONFIRMED"  # zeros in both


def test_scenario_3_odd_lengths_tf_and_jax_agree_symmetric_padding_differs(pool):
    for length in (7, 9):
        probe = Probe(input_shape=(1, length, 1))
        same = compare_calls('keras.layers.Conv1D(1, 4, strides=2, padding="same")', "flax.linen.Conv(1, 4, strides=2)",
                             pool, probe, initializers=False)
        assert same["outputs"].status == "NOT CONFIRMED", same["outputs"].summary
        # PyTorch is not installed: its symmetric int padding is emulated with explicit lax pairs.
        symmetric = compare_calls(
            'keras.layers.Conv1D(1, 4, strides=2, padding="same")',
            'jax.lax.conv_general_dilated(window_strides=(2,), padding=((1, 1),), dimension_numbers=("NWC", "WIO", "NWC"))',
            pool, probe)
        assert symmetric["outputs"].status == "CONFIRMED", symmetric["outputs"].summary


def test_scenario_7_causal_and_explicit_pairs_agree(pool):
    steps = compare_calls('keras.layers.Conv1D(2, 3, dilation_rate=2, padding="causal")',
                          "flax.linen.Conv(2, 3, kernel_dilation=2, padding=((4, 0),))", pool, initializers=False)
    assert steps["outputs"].status == "NOT CONFIRMED", steps["outputs"].summary


def _sample_request(api: str, kwargs: dict) -> dict:
    return {"op": "sample", "kind": "keras_layer" if api.startswith("keras") else "flax_linen", "api": api,
            "kwargs": kwargs, "input": {"shape": [1, 9, 2]}, "input_layout": "NWC", "param": "kernel", "count": 4096,
            "seed": 0}


def test_a_worker_draws_each_initializer_once_and_only_reuses_the_same_one(pool):
    """Calls differing where the initializer does not look reuse the draws, and get exactly the
    values a fresh worker draws for them; another initializer, dtype or shape is drawn anew."""
    from conv_lint.verify.planning.plan import Job

    keras_default = _sample_request("keras.layers.Conv1D", {"filters": "4", "kernel_size": "3"})
    flax_default = _sample_request("flax.linen.Conv", {"features": "4", "kernel_size": "(3,)"})
    requests = {
        "keras": keras_default,
        "keras, padding same": {**keras_default, "kwargs": {**keras_default["kwargs"], "padding": "'same'"}},
        "keras, he_normal": {**keras_default, "kwargs": {**keras_default["kwargs"], "kernel_initializer": "'he_normal'"}},
        **{f"keras, VarianceScaling({scale})": {**keras_default, "kwargs": {
            **keras_default["kwargs"], "kernel_initializer": f"keras.initializers.VarianceScaling({scale})"}}
           for scale in ("1.0", "2.0")},
        "keras, kernel 5": {**keras_default, "kwargs": {"filters": "4", "kernel_size": "5"}},
        "flax": flax_default,
        "flax, strides 2": {**flax_default, "kwargs": {**flax_default["kwargs"], "strides": "2"}},
        "flax, glorot": {**flax_default, "kwargs": {
            **flax_default["kwargs"], "kernel_init": "flax.linen.initializers.glorot_uniform()"}},
        "flax, float16 params": {**flax_default, "kwargs": {**flax_default["kwargs"], "param_dtype": "jax.numpy.float16"}},
    }
    jobs = {name: Job("tensorflow" if name.startswith("keras") else "jax", request) for name, request in requests.items()}
    pool.run(list(jobs.values()))
    values = {name: job.answer["values"] for name, job in jobs.items()}
    assert all(len(v) >= 4096 for v in values.values()), {name: job.answer for name, job in jobs.items()}
    assert list(values["keras, padding same"]) == list(values["keras"])
    assert list(values["flax, strides 2"]) == list(values["flax"])
    for other in ("keras, he_normal", "keras, VarianceScaling(2.0)", "keras, kernel 5"):
        assert list(values[other]) != list(values["keras"]), other
    assert list(values["keras, VarianceScaling(1.0)"]) != list(values["keras, VarianceScaling(2.0)"])
    for other in ("flax, glorot", "flax, float16 params"):
        assert list(values[other]) != list(values["flax"]), other
    with Pool(Limits()) as fresh:  # what the reused draws must be: the draws of a worker that never drew before
        again = {name: Job(jobs[name].worker, requests[name]) for name in ("keras, padding same", "flax, strides 2")}
        fresh.run(list(again.values()))
    for name, job in again.items():
        assert list(job.answer["values"]) == list(values[name]), name


AGREEING_PAIRS = [
    ('keras.layers.Conv1D(3, 3, padding="same")', 'flax.linen.Conv(3, 3, padding="SAME")'),
    ('keras.layers.Conv1D(2, 4, strides=2, padding="same")', "flax.linen.Conv(2, 4, strides=2)"),
    ("keras.layers.Conv1D(2, 3, strides=2)", 'haiku.Conv1D(2, 3, stride=2, padding="VALID")'),
    ('keras.layers.Conv2D(2, 3, padding="same", use_bias=False)',
     'jax.lax.conv_general_dilated(window_strides=(1, 1), padding="SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))'),
]


def test_negative_controls_never_come_out_confirmed_over_100_seeds(pool):
    jobs = Jobs()
    planned = [plan_pair(first, second, Planner(Probe(seed=seed), jobs), initializers=False)
               for seed in range(100) for first, second in AGREEING_PAIRS]
    pool.run(jobs.all())
    statuses = [judge_pair(comparisons)["outputs"] for comparisons in planned]
    assert {step.status for step in statuses} == {"NOT CONFIRMED"}, [s.summary for s in statuses if s.status != "NOT CONFIRMED"][:3]


# -- --exec ------------------------------------------------------------------------------------


def test_scenario_8_the_seed_post_snippets_run_end_to_end():
    require_installed(*FRAMEWORKS)
    result = run("conv-lint", "verify", "--exec", str(FIXTURES / "seed_post"), "--format", "json")
    assert result.returncode == 1, result.stderr  # divergences found
    document = json.loads(result.stdout)
    calls = {Path(s["path"]).name: s["calls"] for s in document["snippets"]}
    (keras,) = calls["snippet1_tensorflow.py"]
    assert keras["api"] == "keras.layers.Conv1D" and keras["output_shape"] == [1, 5, 1]  # length 5, not the post's 7
    for name in ("snippet2_jax_valid.py", "snippet3_jax_same.py"):
        (lax,) = calls[name]
        assert lax["output_shape"] == [1, 7, 3]  # OIW reads W (3, 1, 1) as 3 outputs of width 1
    for snippet_calls in calls.values():
        replayed, ported = snippet_calls[0]["replays"]
        assert replayed["status"] == "REPLAY AGREES", replayed["summary"]
    assert calls["snippet1_tensorflow.py"][0]["replays"][1]["status"] == "CONFIRMED"  # flax's default 'SAME'
    between = {tuple(Path(p).name.split(":")[0] for p in item["calls"]): item for item in document["between_files"]}
    keras_vs_valid = between[("snippet1_tensorflow.py", "snippet2_jax_valid.py")]
    assert keras_vs_valid["status"] == "DIFFERS" and "OIW" in keras_vs_valid["summary"]
    assert "(1, 5, 1) vs (1, 7, 3)" in keras_vs_valid["summary"]


# -- failures: workers and snippets ---------------------------------------------------------------

SMALL = {"op": "sample", "kind": "flax_linen", "api": "flax.linen.Conv", "kwargs": {"features": "1", "kernel_size": "3"},
         "input": {"shape": [1, 7, 1]}, "input_layout": "NWC", "param": "kernel", "count": 30, "seed": 0}


def test_a_worker_out_of_memory_crashed_or_hung_makes_its_call_unverifiable_and_the_run_goes_on():
    require_installed(*FRAMEWORKS)
    from conv_lint.verify.planning.plan import Job

    huge = {**SMALL, "kwargs": {"features": "100_000_000", "kernel_size": "3"}, "input": {"shape": [1, 7, 8]}}
    # A million draws of a 3-element kernel, one per loop iteration: about a minute, 12 MB.
    slow = {**SMALL, "kind": "keras_layer", "api": "keras.layers.Conv1D", "kwargs": {"filters": "1", "kernel_size": "3"},
            "count": 3_000_000}
    with Pool(Limits(timeout=5, memory_mb=4000)) as pool:
        out_of_memory, after = Job("jax", huge), Job("jax", SMALL)
        pool.run([out_of_memory, after])
        assert "memory" in out_of_memory.answer["failure"] or "crashed" in out_of_memory.answer["failure"]
        assert len(after.answer["values"]) == 30

        pool.workers["jax"].process.kill()
        crashed, after = Job("jax", {**SMALL, "seed": 1}), Job("jax", {**SMALL, "seed": 2})
        pool.run([crashed, after])
        assert "crashed" in crashed.answer["failure"] and "SIGKILL" in crashed.answer["failure"]
        assert len(after.answer["values"]) == 30

        hung, after = Job("tensorflow", slow), Job("tensorflow", {**slow, "count": 30})
        pool.run([hung, after])
        assert "timed out after 5 s" in hung.answer["failure"]
        assert len(after.answer["values"]) == 30


def test_without_tensorflow_or_jax_verify_exits_2_and_check_still_works(tmp_path):
    """A Python without the frameworks: site-packages minus TensorFlow and JAX, through -S and PYTHONPATH."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    hidden = ("tensorflow", "tf_keras", "keras", "jax", "jaxlib", "flax", "haiku", "dm_haiku", "equinox", "_virtualenv")
    for entry in site.iterdir():
        if not entry.name.startswith(hidden) and not entry.name.endswith(".pth"):
            (tmp_path / entry.name).symlink_to(entry)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    command = "import sys; from conv_lint.cli import main; raise SystemExit(main(sys.argv[1:]))"
    import subprocess

    verify = subprocess.run([sys.executable, "-S", "-c", command, "verify", "fixtures/keras"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 2 and verify.stdout == ""
    assert verify.stderr.splitlines() == [
        'conv-lint: error: verify runs TensorFlow and JAX, and tensorflow and jax are not installed: in a checkout of conv-lint, pip install ".[verify]" (or uv sync)'
    ]
    model = tmp_path / "model.py"
    model.write_text("import keras\nlayer = keras.layers.Conv1D(1, 3)\n")
    fix = subprocess.run([sys.executable, "-S", "-c", command, "fix", "--verify", str(model)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert fix.returncode == 2 and fix.stderr.splitlines() == [
        'conv-lint: error: fix --verify runs TensorFlow and JAX, and tensorflow and jax are not installed: in a checkout of conv-lint, pip install ".[verify]" (or uv sync)'
    ]
    assert model.read_text() == "import keras\nlayer = keras.layers.Conv1D(1, 3)\n"  # nothing written
    check = subprocess.run([sys.executable, "-S", "-c", command, "check", "fixtures/keras", "--no-cache"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 1 and "CNV001" in check.stdout, check.stderr
