"""Run a user's file with the convolution APIs wrapped, recording each call (``verify --exec``).

Started by ``conv_lint.verify.execution.exec_mode`` as ``python -m conv_lint.verify.execution.recorder FILE RECORDS
FOLDER`` in its own process (a timeout, a memory limit, no stdin), working in FOLDER, the only
place it may write (``conv_lint.verify.execution.sandbox``, installed before the file runs). The file runs
as ``__main__``, as ``python FILE`` would run it. Each wrapped call appends one JSON line to
RECORDS as it happens (so a crash later keeps what came before): the API, its settings, and its
input, kernel, bias and output as channels-last arrays. Lines with an ``event`` tell the rest:
each refusal of the sandbox, an ``os._exit``, and that the file finished.

What is wrapped, as its module finishes importing (so ``from jax.lax import
conv_general_dilated`` gets the wrapper too): Keras conv layers (``BaseConv.call``, ``Conv1D.call``),
``tf.nn.conv1d/conv2d/convolution``, ``jax.lax.conv_general_dilated/conv/
conv_with_general_padding`` (through which Flax, Haiku and Equinox convolve) and
``jax.numpy.convolve``. Only the outermost call is recorded: a Keras layer's own ``tf.nn``
call, or Flax's ``lax`` call, is part of the layer's.
"""

from __future__ import annotations

import functools
import importlib.abc
import inspect
import json
import os
import platform
import runpy
import sys
import threading

from conv_lint.verify.execution.sandbox import Sandbox

MAX_VALUES = 1_000_000  # larger arrays are recorded by shape only


class _Recorder:
    def __init__(self, path: str, snippet: str) -> None:
        self.stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        self.snippet = os.path.realpath(snippet)
        self.depth = threading.local()

    def line(self) -> tuple[int | None, str]:
        """The snippet's line that made the call, and the package that convolved for it."""
        via = ""
        frame = sys._getframe(1)
        while frame is not None:
            if os.path.realpath(frame.f_code.co_filename) == self.snippet:
                return frame.f_lineno, via
            module = frame.f_globals.get("__name__", "")
            if module.split(".")[0] in ("flax", "haiku", "equinox"):  # layer libraries that convolve with lax
                via = module.split(".")[0]
            frame = frame.f_back
        return None, via

    def event(self, name: str, **details) -> None:
        """Something the parent must know besides the calls: a refusal, ``os._exit``, the end."""
        self.stream.write(json.dumps({"event": name, **details, "line": self.line()[0]}, default=repr) + "\n")
        self.stream.flush()

    def wrap(self, function, describe):
        """``function`` with each outermost call recorded by ``describe(result, *args, **kwargs)``."""

        @functools.wraps(function)
        def recorded(*args, **kwargs):
            depth = getattr(self.depth, "value", 0)
            self.depth.value = depth + 1
            try:
                result = function(*args, **kwargs)
            finally:
                self.depth.value = depth
            if depth == 0:
                self._write(describe, result, args, kwargs)
            return result

        return recorded

    def _write(self, describe, result, args, kwargs) -> None:
        line, via = self.line()
        try:
            record = describe(result, *args, **kwargs)
        except Exception as error:  # a call we cannot describe must not break the user's program
            record = {"error": f"{type(error).__name__}: {error}"}
        record.update(line=line, via=via)
        self.stream.write(json.dumps(record, default=repr) + "\n")
        self.stream.flush()


def _array(value, letters: str | None = None, kernel: bool = False) -> dict:
    """Shape, dtype and (unless traced or too large) the values; channels-last when ``letters``
    names the native layout ("" for a 1-D signal), as ``conv_lint.verify.workers.layouts`` spells it."""
    import numpy as np

    from conv_lint.verify.workers.layouts import from_layout, payload

    shape = [int(n) for n in getattr(value, "shape", ())]
    dtype = getattr(getattr(value, "dtype", None), "name", None) or str(getattr(value, "dtype", ""))
    try:
        data = np.asarray(value)
    except Exception:  # a tracer under jax.jit, a symbolic tensor under tf.function
        return {"shape": shape, "dtype": dtype, "values": None, "traced": True}
    if data.size > MAX_VALUES:
        return {"shape": shape, "dtype": dtype, "values": None}
    if kernel and letters == "":
        data = data.reshape((*data.shape, 1, 1))  # a signal's kernel: one input and one output channel
    elif letters is not None:
        data = from_layout(data, letters)
    return {**payload(data), "native_shape": shape, "dtype": dtype}


def _describe_keras(result, layer, inputs, *args, **kwargs) -> dict:
    config = layer.get_config()
    rank = len(config["kernel_size"])
    spatial = "DHW"[3 - rank :]
    letters = f"N{spatial}C" if config.get("data_format") != "channels_first" else f"NC{spatial}"
    kernel = {**_array(layer.kernel, f"{spatial}IO", kernel=True), "letters": f"{spatial}IO"}
    return {
        "api": f"keras.layers.{type(layer).__name__}",
        "settings": {name: config.get(name) for name in (
            "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "use_bias", "activation")},
        "input": _array(inputs, letters),
        "kernel": kernel,
        "bias": _array(layer.bias) if layer.use_bias else None,
        "output": _array(result, letters),
    }


def _lax_letters(dimension_numbers, rank: int) -> tuple[str, str, str]:
    """lax's dimension numbers as letter strings (None: channels-first; ConvDimensionNumbers: by index)."""
    spatial = "DHW"[3 - rank :]
    if dimension_numbers is None:
        return f"NC{spatial}", f"OI{spatial}", f"NC{spatial}"
    if all(isinstance(spec, str) for spec in dimension_numbers):
        return tuple(dimension_numbers)
    letters = []
    for spec, names in zip(dimension_numbers, ("NC", "OI", "NC")):  # (batch/out, feature/in, spatial...) indices
        word = [""] * len(spec)
        word[spec[0]], word[spec[1]] = names
        for index, axis in enumerate(spec[2:]):
            word[axis] = spatial[index]
        letters.append("".join(word))
    return tuple(letters)


def _describer(api: str, signature: inspect.Signature):
    def describe(result, *args, **kwargs) -> dict:
        bound = signature.bind(*args, **kwargs)
        values = dict(bound.arguments)
        lhs, rhs = values.pop("lhs"), values.pop("rhs")
        rank = len(getattr(rhs, "shape", ())) - 2
        lhs_letters, rhs_letters, out_letters = _lax_letters(values.get("dimension_numbers"), rank)
        if "dimension_numbers" in values:
            values["dimension_numbers"] = [lhs_letters, rhs_letters, out_letters]
        settings = {name: value for name, value in values.items() if name not in ("precision", "preferred_element_type")}
        return {
            "api": api,
            "settings": settings,
            "input": _array(lhs, lhs_letters),
            "kernel": {**_array(rhs, rhs_letters, kernel=True), "letters": rhs_letters},
            "bias": None,
            "output": _array(result, out_letters),
        }

    return describe


def _describe_tf_nn(api: str, signature: inspect.Signature):
    def describe(result, *args, **kwargs) -> dict:
        values = dict(signature.bind(*args, **kwargs).arguments)
        x, w = values.pop("input"), values.pop("filters")
        rank = len(getattr(w, "shape", ())) - 2
        spatial = "DHW"[3 - rank :]
        data_format = values.get("data_format") or f"N{spatial}C"
        letters = f"N{spatial}C" if data_format.endswith("C") else f"NC{spatial}"
        return {
            "api": api,
            "settings": {name: value for name, value in values.items() if name != "name"},
            "input": _array(x, letters),
            "kernel": {**_array(w, f"{spatial}IO", kernel=True), "letters": f"{spatial}IO"},
            "bias": None,
            "output": _array(result, letters),
        }

    return describe


def _describe_convolve(result, a, v, mode="full", **kwargs) -> dict:
    return {
        "api": "jax.numpy.convolve",
        "settings": {"mode": mode},
        "input": _array(a, ""),
        "kernel": {**_array(v, "", kernel=True), "letters": ""},
        "bias": None,
        "output": _array(result, ""),
    }


def _patch_keras(class_name: str):
    def patch(module, recorder: _Recorder) -> None:
        cls = getattr(module, class_name)
        cls.call = recorder.wrap(cls.call, _describe_keras)

    return patch


def _patch_lax(module, recorder: _Recorder) -> None:
    for name in ("conv_general_dilated", "conv", "conv_with_general_padding"):
        function = getattr(module, name)
        setattr(module, name, recorder.wrap(function, _describer(f"jax.lax.{name}", inspect.signature(function))))


def _patch_numpy(module, recorder: _Recorder) -> None:
    module.convolve = recorder.wrap(module.convolve, _describe_convolve)


def _patch_tf_nn(module, recorder: _Recorder) -> None:
    for name, public in (("conv1d_v2", "conv1d"), ("conv2d_v2", "conv2d"), ("convolution_v2", "convolution")):
        function = getattr(module, name)
        setattr(module, name, recorder.wrap(function, _describe_tf_nn(f"tensorflow.nn.{public}", inspect.signature(function))))


PATCHES = {
    "keras.src.layers.convolutional.base_conv": _patch_keras("BaseConv"),
    # Conv1D has its own call (for causal padding) that does not go through BaseConv.call.
    "keras.src.layers.convolutional.conv1d": _patch_keras("Conv1D"),
    "tensorflow.python.ops.nn_ops": _patch_tf_nn,
    "jax.lax": _patch_lax,
    "jax.numpy": _patch_numpy,
}


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Wraps a module's loader so the module is patched as soon as it has executed."""

    def __init__(self, recorder: _Recorder) -> None:
        self.recorder = recorder

    def find_spec(self, name, path, target=None):
        if name not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader, functools.partial(PATCHES[name], recorder=self.recorder))
                return spec
        return None


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader, patch) -> None:
        self.loader = loader
        self.patch = patch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        self.patch(module)

    def __getattr__(self, name):  # get_source, is_package, resource readers: the real loader's
        return getattr(self.loader, name)


def _report_hard_exits(recorder: _Recorder) -> None:
    """``os._exit`` ends the process without unwinding: tell the parent first, with the line."""
    hard_exit = os._exit

    def reported_exit(status: int) -> None:
        recorder.event("exit", status=status)
        hard_exit(status)

    os._exit = reported_exit


def main() -> None:
    snippet, records, folder = sys.argv[1], sys.argv[2], sys.argv[3]
    recorder = _Recorder(records, snippet)
    # TensorFlow's import asks platform.processor(), which runs `uname -p`; asked now (and
    # cached), it is not a process start the sandbox has to refuse later.
    platform.processor()
    landlocked = Sandbox([folder], lambda reason: recorder.event("refused", reason=reason)).install()
    recorder.event("sandbox", landlock=landlocked)
    _report_hard_exits(recorder)
    sys.meta_path.insert(0, _PatchOnImport(recorder))
    sys.argv = [snippet]
    sys.path[0] = os.path.dirname(os.path.abspath(snippet))  # as `python FILE` would set it
    try:
        runpy.run_path(snippet, run_name="__main__")
    finally:  # reached on return, exception and sys.exit; not on os._exit, a signal or a crash
        recorder.event("finished")


if __name__ == "__main__":
    main()
