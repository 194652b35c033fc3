"""The PyTorch worker of ``conv-lint verify``: runs ``torch.nn`` conv modules and ``torch.nn.functional``
convolutions, where ``torch`` is installed (verify does not depend on it: its wheel is gigabytes).

Started as ``python -m conv_lint.verify.workers.torch_worker`` by the parent, once per run, as the
TensorFlow and JAX workers are; speaks the JSON-lines protocol of ``conv_lint.verify.workers.serve``
and never imports TensorFlow or JAX (blocked before torch loads: it imports neither, but a
plugin could). PyTorch keeps conv weights as (out, in / groups, *kernel) and data channels-first.
"""

from __future__ import annotations

import os

from conv_lint.verify.workers.serve import block_imports, draw_count, protocol_stream, raised, sample_answer, serve

if __name__ == "__main__":
    STREAM = protocol_stream()
    block_imports("tensorflow", "keras", "tf_keras", "jax", "jaxlib", "flax", "haiku", "equinox")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from conv_lint.verify.workers.expressions import evaluate  # noqa: E402
from conv_lint.verify.workers.layouts import answer, array, to_layout  # noqa: E402

# verify compares in full float32: no TF32 on GPUs (the worker runs on the CPU anyway).
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False


def _weight_layout(rank: int) -> str:
    return "OI" + "DHW"[3 - rank:]


def run(request: dict) -> dict:
    target = evaluate(request["api"])
    kwargs = {name: evaluate(source) for name, source in request["kwargs"].items()}
    x = torch.from_numpy(np.ascontiguousarray(to_layout(array(request["input"]), request["input_layout"])))
    try:
        with torch.no_grad():
            if request["kind"] == "function":
                kernel = to_layout(array(request["kernel"]), request["kernel_layout"], kernel=True)
                output, weights = target(x, torch.from_numpy(np.ascontiguousarray(kernel)), **kwargs), {}
            else:
                output, weights = _module(target, kwargs, x, request)
    except Exception as error:  # the framework rejected the call: that is the outcome to report
        return raised(error)
    return answer(output.numpy(), request["output_layout"], weights)


def _module(target, kwargs: dict, x, request: dict):
    """A conv module: given the probe's kernel and bias, or initialized from the seed."""
    if request.get("kernel") is None:
        torch.manual_seed(request.get("seed", 0))
    module = target(**kwargs)
    if request.get("kernel") is not None:
        kernel = array(request["kernel"])
        letters = request.get("kernel_layout") or _weight_layout(kernel.ndim - 2)
        module.weight.copy_(torch.from_numpy(np.ascontiguousarray(to_layout(kernel, letters, kernel=True))))
        if module.bias is not None:
            module.bias.copy_(torch.from_numpy(array(request["bias"])))
    weights = {"kernel": module.weight.numpy(), **({"bias": module.bias.numpy()} if module.bias is not None else {})}
    return module(x), weights


def sample(request: dict) -> dict:
    """Many draws of a conv module's own initialization (``reset_parameters``), one per draw, from the seed."""
    target = evaluate(request["api"])
    module = target(**{name: evaluate(source) for name, source in request["kwargs"].items()})
    attribute = "weight" if request["param"] == "kernel" else "bias"
    shape = tuple(getattr(module, attribute).shape)
    draws = draw_count(shape, request["count"])

    def draw_all():
        torch.manual_seed(request["seed"])
        values = []
        with torch.no_grad():
            for _ in range(draws):
                module.reset_parameters()
                values.append(getattr(module, attribute).numpy().copy())
        return np.stack(values)

    return sample_answer(None, shape, draws, draw_all)


if __name__ == "__main__":
    serve({"run": run, "sample": sample}, STREAM, {"versions": {"torch": torch.__version__, "numpy": np.__version__}})
