"""A convolution in no framework's spelling (``Conv``), and one framework's call of it that a
worker runs (``Call``): what ``families`` reads calls into and writes them back as."""

from __future__ import annotations

from dataclasses import dataclass, replace

SPATIAL = {1: "W", 2: "HW", 3: "DHW"}


class Unsupported(Exception):
    """A call verify cannot run: an API it does not model, or a setting it cannot translate."""


@dataclass(frozen=True)
class Padding:
    """``valid``, ``same``, ``same_lower``, ``causal``, or ``explicit`` (low, high) pairs per spatial axis."""

    kind: str
    pairs: tuple[tuple[int, int], ...] = ()

    def __str__(self) -> str:
        return str(self.pairs) if self.kind == "explicit" else self.kind


@dataclass(frozen=True)
class Conv:
    """What a convolution call computes, in no framework's spelling."""

    rank: int
    filters: int
    kernel_size: tuple[int, ...]
    strides: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: Padding
    channels_last: bool
    use_bias: bool
    groups: int = 1
    in_channels: int | None = None  # only where the call names it (NNX, Equinox)
    flip: bool = False  # a true convolution: the kernel is reversed (signal-style convolve)
    output_padding: tuple[int, ...] = ()  # a PyTorch transposed convolution's, added at the end of each axis

    @property
    def effective_kernel(self) -> tuple[int, ...]:
        return tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation))

    def padding_pairs(self, size: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        """The zero padding (low, high) per axis at a spatial size; 'same' by the rule TF, lax,
        Flax and Haiku share: total = max((ceil(n/s)-1)*s + k - n, 0), the odd one at the end
        (at the start for 'same_lower'). For reports: verify itself runs the frameworks."""
        padding = self.explicit_padding()
        if padding.kind == "explicit":
            return padding.pairs
        pairs = []
        for n, k, s in zip(size, self.effective_kernel, self.strides):
            total = max((-(-n // s) - 1) * s + k - n, 0) if padding.kind != "valid" else 0
            low = total // 2 if padding.kind != "same_lower" else total - total // 2
            pairs.append((low, total - low))
        return tuple(pairs)

    def explicit_padding(self) -> Padding:
        """Causal padding as the pairs the JAX libraries take: ((k-1)*d, 0)."""
        if self.padding.kind == "causal":
            return Padding("explicit", tuple(((k - 1) * d, 0) for k, d in zip(self.kernel_size, self.dilation)))
        return self.padding


@dataclass(frozen=True)
class Call:
    """One call a worker runs: the API, its arguments as source, and how its arrays are laid out."""

    api: str
    kwargs: tuple[tuple[str, str], ...]
    kind: str  # the worker's runner: keras_layer, function, flax_linen, flax_nnx, haiku, equinox
    worker: str
    input_layout: str  # letters the input is fed in ("NWC", "NCW"; "" for a 1-D signal)
    output_layout: str
    kernel_layout: str = ""  # functions take the kernel as an argument, in this layout
    flip: bool = False
    pad: tuple[tuple[int, int], ...] = ()  # explicit zero padding, written as its own step (ZeroPadding1D)
    use_bias: bool = False
    note: str = ""  # how the run differs where its arguments do not show it ("the kernel laid out 'WIO'")

    @property
    def layer(self) -> bool:
        return self.kind != "function"

    def with_kwargs(self, **sources: str | None) -> Call:
        """The same call with arguments set (a source) or removed (None)."""
        kwargs = dict(self.kwargs)
        for name, source in sources.items():
            if source is None:
                kwargs.pop(name, None)
            else:
                kwargs[name] = source
        return replace(self, kwargs=tuple(kwargs.items()))

    def label(self) -> str:
        if self.kind == "initializer":  # an initializer drawn by itself: the expression is the call
            return self.api
        arguments = ", ".join(f"{name}={source}" for name, source in self.kwargs)
        steps = f"zero-pad {[list(pair) for pair in self.pad]}, then " if self.pad else ""
        flipped = " with the kernel reversed" if self.flip else ""
        note = f" ({self.note})" if self.note else ""
        return f"{steps}{self.api}({arguments}){flipped}{note}"
