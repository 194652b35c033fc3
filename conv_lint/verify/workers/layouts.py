"""Arrays between the parent's canonical layout and the layout a framework call is fed (NumPy, workers only).

The parent describes every array channels-last: inputs ``N, spatial..., C`` and kernels
``spatial..., I, O``, flat lists in row-major order. A request names the layout to feed with
letters, as ``lax`` dimension numbers do: ``N``/``C`` (inputs) and ``I``/``O`` (kernels) are
themselves, every other letter is a spatial axis in order, so ``"NCH"``, ``"NCW"`` and
``"OIW"`` all work. The layout ``""`` means a signal-style call (``jnp.convolve``): batch and
channel dimensions of size one dropped.
"""

from __future__ import annotations

import numpy as np

SPECIAL = frozenset("NCIO")


def array(payload: dict, dtype: str = "float32") -> np.ndarray:
    return np.asarray(payload["values"], dtype=dtype).reshape(payload["shape"])


def payload(value) -> dict:
    """An array as the parent reads it: shape, flat values and dtype."""
    value = np.asarray(value)
    return {"shape": list(value.shape), "values": value.astype(np.float64).ravel().tolist(), "dtype": str(value.dtype)}


def _axes(letters: str) -> list[str]:
    """Give spatial letters one name each by position: "NCH" and "NCW" are the same layout."""
    spatial = iter(range(len(letters)))
    return [letter if letter in SPECIAL else f"s{next(spatial)}" for letter in letters]


def _canonical(letters: str) -> str:
    spatial = "".join(letter for letter in letters if letter not in SPECIAL)
    return ("N" + spatial + "C") if "N" in letters else (spatial + "IO")


def to_layout(value: np.ndarray, letters: str, kernel: bool = False) -> np.ndarray:
    """Canonical channels-last → ``letters``; ``""`` drops the size-one batch/channel dimensions."""
    if not letters:
        return value.reshape(value.shape[:-2] if kernel else value.shape[1:-1])
    source, target = _axes(_canonical(letters)), _axes(letters)
    return np.transpose(value, [source.index(axis) for axis in target])


def from_layout(value: np.ndarray, letters: str) -> np.ndarray:
    """An output in ``letters`` → canonical channels-last; ``""`` (a signal) gets size-one batch and channel dimensions."""
    if not letters:
        return value.reshape((1, *value.shape, 1))
    source, target = _axes(letters), _axes(_canonical(letters))
    return np.transpose(value, [source.index(axis) for axis in target])


def answer(output: np.ndarray, output_layout: str, weights: dict) -> dict:
    """A run's answer: the output as the call produced it, and channels-last for comparisons.

    A call fed data in a layout it does not expect can produce an output that is not in
    its declared layout either; then only the output as produced is reported.
    """
    try:
        canonical = payload(from_layout(output, output_layout))
    except ValueError:
        canonical = None
    return {
        "output": payload(output),
        "canonical": canonical,
        "weights": {name: payload(value) for name, value in weights.items()},
    }
