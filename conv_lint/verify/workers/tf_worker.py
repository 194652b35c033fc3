"""The TensorFlow worker of ``conv-lint verify``: runs Keras layers, ``tf.nn`` convolutions, and
the NumPy and SciPy ``convolve`` functions.

Started as ``python -m conv_lint.verify.workers.tf_worker`` by the parent, once per run; speaks the
JSON-lines protocol of ``conv_lint.verify.workers.serve``. It never imports JAX (TensorFlow would,
so the import is blocked before TensorFlow loads).
"""

from __future__ import annotations

import json
import os
import random

from conv_lint.verify.workers.serve import (
    block_imports,
    draw_count,
    is_host_error,
    protocol_stream,
    raised,
    sample_answer,
    serve,
)

if __name__ == "__main__":
    # Before TensorFlow loads: it prints to stdout and imports JAX when it can.
    STREAM = protocol_stream()
    block_imports("jax", "jaxlib", "flax", "haiku", "equinox")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ["KERAS_BACKEND"] = "tensorflow"

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from conv_lint.verify.workers.expressions import evaluate  # noqa: E402
from conv_lint.verify.workers.layouts import answer, array, to_layout  # noqa: E402

# TF32 (on Ampere and newer GPUs) keeps 10 mantissa bits; verify compares in full float32.
tf.config.experimental.enable_tensor_float_32_execution(False)


def _fed_input(request: dict) -> np.ndarray:
    return to_layout(array(request["input"]), request["input_layout"])


def _pad(x, request: dict, layer: bool):
    """Explicit padding pairs, written the way TensorFlow users write them: a ZeroPadding layer or tf.pad."""
    pairs = request.get("pad")
    if not pairs:
        return x
    if layer:
        rank = len(pairs)
        zero_padding = getattr(keras.layers, f"ZeroPadding{rank}D")
        spec = tuple(pairs[0]) if rank == 1 else tuple(tuple(pair) for pair in pairs)
        channels_last = request["input_layout"].endswith("C")
        return zero_padding(spec, data_format="channels_last" if channels_last else "channels_first")(x)
    spatial = iter(pairs)
    return tf.pad(x, [[0, 0] if letter in "NC" else next(spatial) for letter in request["input_layout"]])


def run(request: dict) -> dict:
    if request["kind"] == "keras_layer" and request.get("kernel") is None:
        # Before the arguments are made: an initializer object written in the call
        # (keras.initializers.TruncatedNormal(stddev=0.02)) draws its seed when it is made.
        _reseed(request["seed"])
    kwargs = {name: evaluate(source) for name, source in request["kwargs"].items()}
    function = evaluate(request["api"])
    x = _fed_input(request)
    try:
        if request["kind"] == "keras_layer":
            output, weights, ran_as = _keras_layer(function, kwargs, x, request)
        else:
            kernel = to_layout(array(request["kernel"]), request["kernel_layout"], kernel=True)
            if request.get("flip"):
                kernel = np.flip(kernel)
            x = _pad(x, request, layer=False)
            output, ran_as = _tf_nn(function, x, kernel, _with_output_shape(request["api"], x, kernel, kwargs))
            weights = {}
    except Exception as error:  # the framework rejected the call: that is the outcome to report
        return raised(error)
    result = answer(np.asarray(output), request["output_layout"], weights)
    if ran_as:
        result["ran_as"] = ran_as
    return result


_full_seed: list[int] = []  # the seed keras.utils.set_random_seed last set in this worker


def _reseed(seed: int) -> None:
    """Start a layer that initializes its own weights from the same random state every time.

    Keras 3's default initializers take their seeds from Python's ``random``
    (``seed_generator.make_default_seed``), so after one ``keras.utils.set_random_seed`` resetting
    Python's and NumPy's generators gives the same weights again (checked for the built-in
    initializers; the pin checks compare such runs bit for bit). Calling set_random_seed each
    time would cost ~10 ms: its ``tf.random.set_seed`` makes TensorFlow build every random
    kernel again.
    """
    if _full_seed != [seed]:
        keras.utils.set_random_seed(seed)
        _full_seed[:] = [seed]
    random.seed(seed)
    np.random.seed(seed)


def _keras_layer(cls, kwargs: dict, x: np.ndarray, request: dict):
    layer = cls(**kwargs)
    x = _pad(x, request, layer=True)
    layer.build(tuple(x.shape))
    if request.get("kernel") is not None:
        values = [to_layout(array(request["kernel"]), request.get("kernel_layout") or "", kernel=True)
                  if request.get("kernel_layout") else array(request["kernel"])]  # a transposed layer's (..., out, in)
        if layer.use_bias:
            values.append(array(request["bias"]))
        layer.set_weights(values)
    ran_as = ""
    try:
        output = layer(x)
    except Exception as error:
        if not (is_host_error(error) and getattr(layer, "data_format", None) == "channels_first"):
            raise
        output, ran_as = _channels_last_twin(layer, x), _twin_note(error)
    # kernel and bias; a separable layer's depthwise_kernel, pointwise_kernel and bias
    # (Keras 3 names a variable by .path, "conv1d/kernel"; tf_keras by .name, "conv1d/kernel:0")
    weights = {getattr(variable, "path", variable.name).rsplit("/", 1)[-1].split(":")[0]: variable.numpy()
               for variable in layer.weights}
    return output, weights, ran_as


def _twin_note(error: BaseException) -> str:
    return ("run as its channels_last twin with the same weights (input and output transposed): "
            f"this host's TensorFlow cannot run channels_first ({type(error).__name__})")


def _with_output_shape(api: str, x: np.ndarray, kernel: np.ndarray, kwargs: dict) -> dict:
    """A ``tf.nn.conv*_transpose`` call's ``output_shape`` for the input it is fed (the one the call
    writes is for its own input): the size its padding gives, as Keras' ``Conv*DTranspose`` computes
    it, n*s for 'SAME' and n*s + max(k_eff - s, 0) for 'VALID'; the channels are the filters'
    out axis (they are (*k, out, in)). Read in the call's ``data_format``, as TensorFlow reads the input."""
    if not api.endswith("_transpose") or "output_shape" in kwargs:
        return kwargs
    rank = kernel.ndim - 2
    channels_first = str(kwargs.get("data_format") or "").startswith("NC")
    sizes = x.shape[2:] if channels_first else x.shape[1:-1]
    strides = _spatial(kwargs.get("strides", 1), rank, channels_first)
    dilations = _spatial(kwargs.get("dilations") or 1, rank, channels_first)
    same = str(kwargs.get("padding", "SAME")).upper() == "SAME"
    spatial = [n * s if same else n * s + max((k - 1) * d + 1 - s, 0)
               for n, s, k, d in zip(sizes, strides, kernel.shape[:rank], dilations)]
    out = kernel.shape[-2]
    return {**kwargs, "output_shape": [x.shape[0], out, *spatial] if channels_first else [x.shape[0], *spatial, out]}


def _spatial(value, rank: int, channels_first: bool) -> list[int]:
    """tf.nn's strides or dilations per spatial axis: an int, or a list of 1, rank or rank + 2."""
    if isinstance(value, int):
        return [value] * rank
    value = list(value)
    if len(value) == rank + 2:
        return value[2:] if channels_first else value[1:-1]
    return value * rank if len(value) == 1 else value


def _tf_nn(function, x, kernel: np.ndarray, kwargs: dict):
    """A ``tf.nn`` convolution's output, and how it was run where not as written.

    A channels-first call (``data_format='NCW'``…) that this host's TensorFlow cannot run (see
    ``_channels_last_twin``) runs channels-last on the same kernel: input moved to ``N…C``, the
    per-axis strides, dilations and output shape reordered to match, output moved back.
    """
    try:
        return function(x, kernel, **kwargs), ""
    except Exception as error:
        data_format = kwargs.get("data_format")
        if not (is_host_error(error) and isinstance(data_format, str) and data_format.startswith("NC")):
            raise
        note = _twin_note(error)
    moved = {**kwargs, "data_format": "N" + data_format[2:] + "C"}
    for name in ("stride", "strides", "dilations", "output_shape"):
        value = kwargs.get(name)
        if isinstance(value, (list, tuple)) and len(value) == len(data_format):
            moved[name] = [value[0], *value[2:], value[1]]
    output = function(np.moveaxis(np.asarray(x), 1, -1), kernel, **moved)
    return np.moveaxis(np.asarray(output), -1, 1), note


def _channels_last_twin(layer, x) -> np.ndarray:
    """What a channels_first Keras layer computes, on a CPU whose TensorFlow has no channels-first
    convolution kernel (no oneDNN, e.g. AMD EPYC): the same layer built channels_last, given the
    very same weights (a Keras kernel's shape does not depend on data_format), fed the input with
    its channel axis moved last, and its output's channel axis moved back to the front."""
    twin = type(layer).from_config({**layer.get_config(), "data_format": "channels_last"})
    moved = np.moveaxis(np.asarray(x), 1, -1)
    twin.build(moved.shape)
    twin.set_weights(layer.get_weights())
    return np.moveaxis(np.asarray(twin(moved)), -1, 1)


def sample(request: dict) -> dict:
    """Many independent draws of a layer's default initializer for its kernel or bias shape.

    The initializer is the layer's own object (``layer.kernel_initializer``); only its seed is
    replaced by a SeedGenerator, so each draw differs (an int seed repeats the same numbers),
    and the draws run in one tf.function loop (one eager call per draw costs 0.3-0.5 ms).
    """
    cls = evaluate(request["api"])
    layer = cls(**{name: evaluate(source) for name, source in request["kwargs"].items()})
    layer.build(tuple(to_layout(np.zeros(request["input"]["shape"], np.float32), request["input_layout"]).shape))
    param = request["param"]  # kernel, bias, or a separable or depthwise layer's depthwise_kernel, pointwise_kernel
    variable = getattr(layer, param, None)
    if variable is None:  # a depthwise layer keeps its depthwise kernel as .kernel
        variable = layer.kernel
    initializer = getattr(layer, INITIALIZERS[param])
    shape = tuple(variable.shape)
    draws = draw_count(shape, request["count"])
    key = _drawn_key(initializer, shape, draws, request["seed"])
    return sample_answer(key, shape, draws, lambda: _draw_all(initializer, shape, draws, request["seed"]))


INITIALIZERS = {"kernel": "kernel_initializer", "bias": "bias_initializer", "depthwise_kernel": "depthwise_initializer",
                "pointwise_kernel": "pointwise_initializer"}
CONSTANT_INITIALIZERS = (keras.initializers.Zeros, keras.initializers.Ones, keras.initializers.Constant)


def _drawn_key(initializer, shape: tuple, draws: int, seed: int) -> tuple | None:
    """Keras's own initializers draw from their class, their config (Keras serializes an
    initializer by these two), the shape and the seed; None for anything else (a user's class
    or function may hold state its config does not show)."""
    kind = type(initializer)
    if not kind.__module__.startswith("keras.") or not isinstance(initializer, keras.initializers.Initializer):
        return None
    config = {name: value for name, value in initializer.get_config().items() if name != "seed"}
    return (kind.__module__, kind.__qualname__, json.dumps(config, sort_keys=True, default=repr), shape, draws, seed)


def _draw_all(initializer, shape: tuple, draws: int, seed: int) -> np.ndarray:
    if type(initializer) in CONSTANT_INITIALIZERS:  # every draw is the same: draw once
        return np.tile(np.asarray(initializer(shape, dtype="float32")), (draws,) + (1,) * len(shape))
    if type(initializer).__module__.startswith("tf_keras."):
        return _draw_all_keras2(initializer, shape, draws, seed)
    if hasattr(initializer, "seed"):
        initializer.seed = keras.random.SeedGenerator(seed)

    @tf.function
    def draw_all():
        return tf.map_fn(
            lambda _: initializer(shape, dtype="float32"),
            tf.range(draws),
            fn_output_signature=tf.float32,
            parallel_iterations=1,  # the seed generator is a variable: one update per draw, in order
        )

    return draw_all().numpy()


def _draw_all_keras2(initializer, shape: tuple, draws: int, seed: int) -> np.ndarray:
    """tf_keras (Keras 2) initializers take no SeedGenerator: one initializer per draw, each from
    the same config with its own int seed (an unseeded one may repeat its numbers in a loop)."""
    config = initializer.get_config()
    if "seed" not in config:  # zeros, ones, constant: every draw is the same
        return np.tile(np.asarray(initializer(shape, dtype="float32")), (draws,) + (1,) * len(shape))
    kind = type(initializer)
    return np.stack([np.asarray(kind.from_config({**config, "seed": seed * 1_000_003 + i})(shape, dtype="float32"))
                     for i in range(draws)])


if __name__ == "__main__":
    serve(
        {"run": run, "sample": sample},
        STREAM,
        {"versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}},
    )
