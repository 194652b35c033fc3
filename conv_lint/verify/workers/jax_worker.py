"""The JAX worker of ``conv-lint verify``: runs ``jax.lax``, Flax, Haiku, Equinox, and the
signal-style ``convolve`` functions of ``jax.numpy`` and ``jax.scipy``.

Started as ``python -m conv_lint.verify.workers.jax_worker`` by the parent, once per run; speaks the
JSON-lines protocol of ``conv_lint.verify.workers.serve``. It never imports TensorFlow. Haiku and
Equinox are imported only when a request needs them.
"""

from __future__ import annotations

import functools
import inspect
import os

from conv_lint.verify.workers.serve import block_imports, draw_count, protocol_stream, raised, sample_answer, serve

if __name__ == "__main__":
    STREAM = protocol_stream()
    block_imports("tensorflow", "keras", "tf_keras")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import numpy as np  # noqa: E402

from conv_lint.verify.workers.expressions import evaluate  # noqa: E402
from conv_lint.verify.workers.layouts import answer, array, to_layout  # noqa: E402

# On GPUs JAX may compute float32 convolutions in TF32; verify compares in full float32.
jax.config.update("jax_default_matmul_precision", "highest")


def run(request: dict) -> dict:
    target = evaluate(request["api"])
    kwargs = {name: evaluate(source) for name, source in request["kwargs"].items()}
    x = to_layout(array(request["input"]), request["input_layout"])
    given = request.get("kernel") is not None
    kernel = array(request["kernel"]) if given else None
    if given and request["kind"] != "function" and request.get("kernel_layout"):  # a layer reading (..., out, in)
        kernel = to_layout(kernel, request["kernel_layout"], kernel=True)
    bias = array(request["bias"]) if request.get("bias") else None
    key = jax.random.PRNGKey(request.get("seed", 0))
    try:
        output, weights = RUNNERS[request["kind"]](target, kwargs, x, kernel, bias, key, request)
    except Exception as error:  # the framework rejected the call: that is the outcome to report
        return raised(error)
    return answer(np.asarray(output), request["output_layout"], weights)


def _function(target, kwargs, x, kernel, bias, key, request):
    """``lax.conv_general_dilated(lhs, rhs, ...)`` and ``convolve(x, k, ...)``: the arrays are the arguments."""
    kernel = to_layout(kernel, request["kernel_layout"], kernel=True)
    if request.get("flip"):
        kernel = np.flip(kernel)
    if request.get("pad"):
        spatial = iter(request["pad"])
        x = np.pad(x, [(0, 0) if letter in "NC" else tuple(next(spatial)) for letter in request["input_layout"]])
    return target(x, kernel, **kwargs), {}


# Layers are initialized and applied in one jax.jit program: one trace, lowering and compile per
# call, instead of one per operation and shape in eager mode, or one for init and one for apply.


def _flax_linen(target, kwargs, x, kernel, bias, key, request):
    module = target(**kwargs)
    if kernel is None:
        output, params = jax.jit(module.init_with_output)(key, x)
        return output, dict(params["params"])
    params = {"kernel": kernel, **({"bias": bias} if module.use_bias else {})}
    return jax.jit(module.apply)({"params": params}, x), params


def _flax_nnx(target, kwargs, x, kernel, bias, key, request):
    from flax import nnx

    module = target(**kwargs, rngs=nnx.Rngs(request.get("seed", 0)))
    if kernel is not None:
        module.kernel[...] = kernel
        if module.use_bias:
            module.bias[...] = bias
    weights = {"kernel": module.kernel[...], **({"bias": module.bias[...]} if module.use_bias else {})}
    return module(x), weights


def _haiku(target, kwargs, x, kernel, bias, key, request):
    import haiku as hk

    forward = hk.transform(lambda inputs: target(**kwargs)(inputs))
    if kernel is None:

        def init_and_apply(k, inputs):
            params = forward.init(k, inputs)
            return forward.apply(params, None, inputs), params

        output, params = jax.jit(init_and_apply)(key, x)
        (name,) = params
    else:  # the parameter names only: running the initializers would compile them for nothing
        (name,) = jax.eval_shape(forward.init, key, x)
        params = {name: {"w": kernel, **({"b": bias} if bias is not None else {})}}
        output = jax.jit(forward.apply)(params, None, x)
    weights = {"kernel": params[name]["w"], **({"bias": params[name]["b"]} if "b" in params[name] else {})}
    return output, weights


def _equinox(target, kwargs, x, kernel, bias, key, request):
    """Equinox layers are channels-first and unbatched: weight (O, I, spatial...), bias (O, 1, ...)."""
    import equinox as eqx

    def apply(module, inputs):
        return jax.vmap(module)(inputs)

    if kernel is None:

        def build_and_apply(k, inputs):
            module = target(**kwargs, key=k)
            return apply(module, inputs), module

        output, module = eqx.filter_jit(build_and_apply)(key, x)
    else:  # the module's structure only: running the initializers would compile them for nothing
        module = eqx.filter_eval_shape(target, **kwargs, key=key)
        letters = "OI" + "DHW"[5 - kernel.ndim :]
        module = eqx.tree_at(lambda m: m.weight, module, jax.numpy.asarray(to_layout(kernel, letters, kernel=True)))
        if module.use_bias:
            module = eqx.tree_at(lambda m: m.bias, module, jax.numpy.asarray(bias.reshape(module.bias.shape)))
        output = eqx.filter_jit(apply)(module, x)
    weights = {"kernel": module.weight, **({"bias": module.bias} if module.use_bias else {})}
    return output, weights


RUNNERS = {
    "function": _function,
    "flax_linen": _flax_linen,
    "flax_nnx": _flax_nnx,
    "haiku": _haiku,
    "equinox": _equinox,
}


def sample(request: dict) -> dict:
    """Many independent draws of a layer's default initializer, for its kernel or bias shape.

    Flax and NNX: the initializer object the layer holds (its signature default unless passed);
    Haiku and Equinox compute theirs inside the layer, so the layer's own init runs per draw.
    The draws are one vmapped, jitted call, one key each.
    """
    target = evaluate(request["api"])
    if request["kind"] == "initializer":
        draw, shape = _initializer(target, tuple(request["shape"]))
    else:
        kwargs = {name: evaluate(source) for name, source in request["kwargs"].items()}
        x = to_layout(np.zeros(request["input"]["shape"], np.float32), request["input_layout"])
        draw, shape = SAMPLERS[request["kind"]](target, kwargs, x, request["param"])
    draws = draw_count(shape, request["count"])
    keys = _keys(request["seed"], request["count"])[:draws]
    return sample_answer(_drawn_key(request, shape, draws), shape, draws,
                         lambda: np.asarray(jax.jit(jax.vmap(draw))(keys)))


def _drawn_key(request: dict, shape: tuple, draws: int) -> tuple | None:
    """What a Flax layer's draws depend on: the samplers call the initializer the layer holds
    (the expression passed for it, else the signature's default) as ``init(key, shape,
    param_dtype)``. None for Haiku and Equinox, whose draws run the layer's own init."""
    if request["kind"] == "initializer":
        return ("initializer", request["api"], tuple(shape), draws, request["seed"])
    if request["kind"] not in ("flax_linen", "flax_nnx"):
        return None
    kwargs = request["kwargs"]
    initializer, dtype = kwargs.get(f"{request['param']}_init"), kwargs.get("param_dtype")
    return (request["kind"], request["api"], request["param"], initializer, dtype, tuple(shape), draws, request["seed"])


@functools.lru_cache(maxsize=4)
def _keys(seed: int, count: int) -> np.ndarray:
    """``count`` keys split from ``seed``, as a NumPy array to slice.

    ``split(key, n)[:m]`` is ``split(key, m)`` (JAX's default partitionable threefry), so the
    first ``draws`` of these are the keys a split into ``draws`` gives, while one split program
    serves every number of draws: a split per number is a program of its own, traced, lowered
    and compiled (about 60 ms) for each layer shape.
    """
    return np.asarray(jax.random.split(jax.random.PRNGKey(seed), count))


def _initializer(init, shape: tuple):
    """An initializer by itself: JAX's and Flax's ``init(key, shape, dtype)``, or Haiku's
    ``init(shape, dtype)``, which draws from ``hk.next_rng_key()`` and so runs in a transform."""
    if type(init).__module__.split(".")[0] == "haiku":
        import haiku as hk

        forward = hk.transform(lambda: init(shape, jax.numpy.float32))
        return (lambda key: forward.apply({}, key)), shape
    return (lambda key: init(key, shape, jax.numpy.float32)), shape


def _sample_flax_linen(target, kwargs, x, param):
    module = target(**kwargs)
    shapes = jax.eval_shape(module.init, jax.random.PRNGKey(0), x)["params"]
    shape = shapes[param].shape
    initializer = module.kernel_init if param == "kernel" else module.bias_init
    return (lambda key: initializer(key, shape, module.param_dtype)), shape


def _sample_flax_nnx(target, kwargs, x, param):
    from flax import nnx

    module = target(**kwargs, rngs=nnx.Rngs(0))
    name = f"{param}_init"
    initializer = kwargs.get(name, inspect.signature(target.__init__).parameters[name].default)
    shape = getattr(module, param).shape
    return (lambda key: initializer(key, shape, module.param_dtype)), shape


def _sample_haiku(target, kwargs, x, param):
    import haiku as hk

    forward = hk.transform(lambda inputs: target(**kwargs)(inputs))
    shapes = jax.eval_shape(forward.init, jax.random.PRNGKey(0), x)
    (name,) = shapes
    leaf = "w" if param == "kernel" else "b"
    return (lambda key: forward.init(key, x)[name][leaf]), shapes[name][leaf].shape


def _sample_equinox(target, kwargs, x, param):
    import equinox as eqx

    attribute = "weight" if param == "kernel" else "bias"
    # The shape only: building the module eagerly would compile each of its initializer's operations.
    shape = getattr(eqx.filter_eval_shape(target, **kwargs, key=jax.random.PRNGKey(0)), attribute).shape
    return (lambda key: getattr(target(**kwargs, key=key), attribute)), shape


SAMPLERS = {
    "flax_linen": _sample_flax_linen,
    "flax_nnx": _sample_flax_nnx,
    "haiku": _sample_haiku,
    "equinox": _sample_equinox,
}


def _versions() -> dict:
    import flax

    return {"jax": jax.__version__, "flax": flax.__version__, "numpy": np.__version__}


if __name__ == "__main__":
    serve({"run": run, "sample": sample}, STREAM, {"versions": _versions()})
