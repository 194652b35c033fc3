"""The loop every verify worker runs: JSON lines in on stdin, JSON lines out on stdout.

The parent writes one line per batch, ``{"batch": [request, ...]}``, each request carrying an
``id`` and an ``op``; the worker answers each request with one line, in order, as soon as it
is done, so a parent that waits with a deadline knows which request hung. The first line a
worker writes is ``{"ready": ...}`` once its framework is imported.

Frameworks print (warnings, progress bars) to stdout; the protocol gets its own copy of the
stdout descriptor and everything else is sent to stderr, so a stray print cannot corrupt it.
This module imports only the standard library: it is loaded before the framework.
"""

from __future__ import annotations

import base64
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable

Handler = Callable[[dict], dict]


def block_imports(*roots: str) -> None:
    """Make the other side's framework look absent in this process.

    TensorFlow imports JAX when it is installed (``tensorflow/lite/python/util.py`` does
    ``from jax import jit`` inside ``try: ... except ImportError``), so without this the
    TensorFlow worker would hold both frameworks. A None in sys.modules makes ``import``
    raise ModuleNotFoundError and ``importlib.util.find_spec`` answer None, as for a package
    that is not installed (JAX's compilation cache asks etils, which asks find_spec).
    """
    for root in roots:
        sys.modules[root] = None


def protocol_stream():
    """A private copy of stdout for the protocol; fd 1 and sys.stdout then go to stderr."""
    stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    return stream


def loaded_frameworks() -> list[str]:
    """Which framework packages this process holds, so a test can prove the workers never share one."""
    roots = {"tensorflow", "keras", "jax", "jaxlib", "flax", "haiku", "equinox", "torch"}
    return sorted({name.split(".", 1)[0] for name, module in sys.modules.items() if module is not None} & roots)


def serve(handlers: dict[str, Handler], stream, ready: dict) -> None:
    """Answer batches until stdin closes."""
    _write(stream, {"ready": True, **ready, "frameworks": loaded_frameworks()})
    for line in sys.stdin:
        if not line.strip():
            continue
        for request in json.loads(line)["batch"]:
            started, cpu = time.perf_counter(), time.process_time()
            answer = _answer(handlers, request)
            answer["id"] = request["id"]
            # Wall and CPU time (all threads): the benchmark reports both, CPU time being the
            # one another process on the machine cannot inflate.
            answer["ms"] = round((time.perf_counter() - started) * 1000, 1)
            answer["cpu_ms"] = round((time.process_time() - cpu) * 1000, 1)
            _write(stream, answer)


def _answer(handlers: dict[str, Handler], request: dict) -> dict:
    try:
        return handlers[request["op"]](request)
    except MemoryError:
        return {"failure": "out of memory (the worker's memory limit; see --memory-limit)"}
    except Exception as error:  # a bug in an adapter or an unsupported request: report it, keep serving
        traceback.print_exc(file=sys.stderr)
        return {"failure": f"{type(error).__name__}: {_first_line(error)}"}


# Errors that say what the host or the framework's build cannot do, not what the call means:
# TensorFlow's CPU kernels have no channels-first (NCW/NCHW) convolution unless oneDNN takes the
# op (it does on recent Intel CPUs, not on AMD EPYC), and raise UnimplementedError; a kernel not
# built for a device or dtype is NotFoundError / "No OpKernel"; XLA says UNIMPLEMENTED. The same
# call runs elsewhere, so such an error is no evidence that a default diverges.
HOST_ERROR_TYPES = frozenset({"UnimplementedError", "NotFoundError"})
HOST_ERROR_MARKS = ("UNIMPLEMENTED", "No OpKernel", "no registered kernel", "Could not find device",
                    "DNN library is not found", "not supported on CPU", "only supports NHWC")


def is_host_error(error: BaseException) -> bool:
    """Whether ``error`` comes from the host or the framework build rather than from the call."""
    text = f"{type(error).__name__}: {error}"
    return type(error).__name__ in HOST_ERROR_TYPES or any(mark in text for mark in HOST_ERROR_MARKS)


def raised(error: BaseException) -> dict:
    """The answer when the framework itself rejects a call: an outcome to compare, not a failure.

    Running out of memory is the worker's failure, not the framework's verdict on the call:
    XLA and TensorFlow report it as their own errors (RESOURCE_EXHAUSTED, bad_alloc). So is a
    library that is not installed, and an operation this host's build of the framework cannot
    run (``is_host_error``): the call could not be computed here, which says nothing of its defaults.
    """
    text = f"{type(error).__name__}: {_first_line(error)}"
    if isinstance(error, MemoryError) or any(mark in text for mark in ("RESOURCE_EXHAUSTED", "bad_alloc", "ut of memory")):
        return {"failure": f"out of memory (the worker's memory limit; see --memory-limit): {text}"}
    if isinstance(error, ImportError):  # Haiku or Equinox not installed: nothing was run
        return {"failure": f"not installed: {text}"}
    if is_host_error(error):
        return {"failure": f"this host's build of the framework cannot run it: {text}"}
    return {"raised": text}


def packed_float32(values) -> str:
    """A NumPy array's values as little-endian float32 bytes in base64, for ``pool.unpack``.

    An initializer's 16384 draws as a JSON list of floats take about 12 ms to encode and 5 ms
    to decode, more than drawing them; packed, well under 1 ms, and the parent reads back the
    very same float32 values.
    """
    return base64.b64encode(values.astype("<f4").tobytes()).decode("ascii")


def draw_count(shape: tuple, count: int) -> int:
    """How many draws of a parameter of ``shape`` make at least ``count`` values (a draw is a whole kernel)."""
    return max(1, -(-count // math.prod(shape)))


_drawn: dict[tuple, dict] = {}


def sample_answer(key: tuple | None, shape: tuple, draws: int, draw: Callable[[], object]) -> dict:
    """The answer to a ``sample`` request: the NumPy array ``draw()`` returns, sorted and packed.

    Made once per ``key`` in a worker (what the draws depend on; None: not known, always drawn):
    calls that differ only where the initializer does not look (padding, strides, names) get the
    very same draws, and each distinct initializer is traced and drawn once per run. Sorted: no
    statistic verify takes depends on the order, and the parent's sorts (KS) are then linear.
    """
    if key is not None and key in _drawn:
        return dict(_drawn[key])
    values = draw().flatten()
    values.sort()
    answer = {"values_float32": packed_float32(values), "shape": list(shape), "draws": draws}
    if key is not None:
        _drawn[key] = answer
    return dict(answer)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else ""


def _write(stream, message: dict) -> None:
    stream.write(json.dumps(message) + "\n")
    stream.flush()
