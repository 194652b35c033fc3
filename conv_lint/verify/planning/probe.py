"""The probe a check runs on: input sizes, and the input, kernel and bias arrays both sides share.

Arrays are made here, in the parent, from a seeded ``random.Random`` and sent to both workers,
so the two frameworks see the very same numbers (a worker only transposes them into its
layout). They are channels-last: inputs ``(N, spatial..., C)``, kernels ``(spatial..., in, out)``.

Sizes: with the default probe a value check runs at spatial size 7 (the seed post's length)
and at every next size up to the largest stride, so each residue of the length modulo the
stride is tried: 'SAME' padding splits its padding differently for different residues (at
stride 2, TF's 'SAME' pads (0, 1) at length 8 and (1, 1) at length 9 for a 3-wide kernel),
and a divergence that shows only at some lengths is found and named. ``--input-shape`` gives
one exact size instead.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
import struct
from dataclasses import dataclass

from conv_lint.verify.planning.conv import Conv


@dataclass(frozen=True)
class Probe:
    """What a call runs on where the call does not say: the documented defaults, or the user's."""

    seed: int = 0
    input_shape: tuple[int, ...] | None = None  # channels-last (N, spatial..., C), from --input-shape
    length: int = 7  # the spatial size of the default input (1, 7, 1), as in the seed post
    channels: int = 1
    kernel_size: int = 3  # the kernel of functional calls (lax, tf.nn, convolve), per spatial axis
    filters: int = 1

    def rank(self) -> int | None:
        return len(self.input_shape) - 2 if self.input_shape else None


@dataclass(frozen=True)
class ProbeArray:
    """An array a request carries as itself, sent to a worker as its ``payload`` and keyed by its ``digest``."""

    shape: tuple[int, ...]
    values: tuple[float, ...]

    def payload(self) -> dict:
        return {"shape": list(self.shape), "values": list(self.values)}

    @functools.cached_property
    def digest(self) -> str:
        """A hash of the shape and the exact values: a request's key without writing thousands of floats as text."""
        data = struct.pack(f"<{len(self.shape)}q{len(self.values)}d", *self.shape, *self.values)
        return hashlib.sha256(data).hexdigest()

    def zeros(self) -> ProbeArray:
        return ProbeArray(self.shape, (0.0,) * len(self.values))


def sizes(conv: Conv, probe: Probe) -> list[tuple[int, ...]]:
    """The spatial sizes a value check runs at."""
    if probe.input_shape:
        return [tuple(probe.input_shape[1:-1])]
    base = max(probe.length, max(conv.effective_kernel) + 1)
    return [(base + residue,) * conv.rank for residue in range(max(conv.strides))]


def channels(conv: Conv, probe: Probe) -> int:
    """Input channels: what the call names, else the probe's (at least one per group)."""
    if conv.in_channels:
        return conv.in_channels
    if probe.input_shape:
        return probe.input_shape[-1]
    return max(probe.channels, conv.groups)


def input_shape(conv: Conv, probe: Probe, size: tuple[int, ...]) -> tuple[int, ...]:
    batch = probe.input_shape[0] if probe.input_shape else 1
    return (batch, *size, channels(conv, probe))


@functools.lru_cache(maxsize=4096)  # a probe's arrays recur across a run's findings: draw each once
def normal(shape: tuple[int, ...], scale: float, *key) -> ProbeArray:
    """Seeded N(0, scale²) values of ``shape``, the same for the same key in every run."""
    rng = random.Random("/".join(map(str, key)))  # a str seed is hashed with SHA-512: stable across runs
    return ProbeArray(shape, tuple(rng.gauss(0.0, scale) for _ in range(math.prod(shape))))


def arrays(conv: Conv, probe: Probe, size: tuple[int, ...]) -> tuple[ProbeArray, ProbeArray, ProbeArray | None]:
    """The input, kernel and bias of one probe (the same for both sides of a comparison)."""
    x = normal(input_shape(conv, probe, size), 1.0, probe.seed, "input", size)
    fan_in = math.prod(conv.kernel_size) * channels(conv, probe) // conv.groups
    kernel_shape = (*conv.kernel_size, channels(conv, probe) // conv.groups, conv.filters)
    kernel = normal(kernel_shape, 1 / math.sqrt(fan_in), probe.seed, "kernel", kernel_shape)
    bias = normal((conv.filters,), 0.5, probe.seed, "bias", conv.filters) if conv.use_bias else None
    return x, kernel, bias
