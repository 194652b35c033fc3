"""The catalog's vocabulary: hazards, sides, and the records an API entry is made of.

A ``ConvAPI`` is one convolution callable: its names, its signature, and the ``Default`` of each
parameter whose default differs between frameworks (the hazard it carries, what it means, how
``conv-lint fix`` pins it). ``Window``, ``Operands`` and ``Weight`` say where its kernel size,
strides and arrays are, for the rules that read them. ``Slot`` says where any function takes one
argument. Standard library only, like the whole catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The hazards a default can carry. Each rule in ``conv_lint.rules`` covers exactly one.
PADDING = "padding"
KERNEL_INIT = "kernel_init"
BIAS_INIT = "bias_init"
LAYOUT = "layout"
CONVOLVE_MODE = "convolve_mode"
TRANSPOSE_KERNEL = "transpose_kernel"

# Which ecosystem an API belongs to: a message contrasts a default with the other side.
TENSORFLOW = "tensorflow"
JAX = "jax"
TORCH = "torch"
NUMPY = "numpy"


@dataclass(frozen=True)
class Default:
    """One parameter whose default carries a hazard.

    ``value`` is the default as the signature shows it (``'valid'``, ``None``);
    ``means`` is what that default does, in words the message can use (``channels-last``),
    and ``kind`` is a short canonical token so defaults from different frameworks can be
    compared (``valid`` vs ``same``). ``param`` is None when the behaviour is fixed and
    no argument can set it (``lax.conv`` is always channels-first).
    """

    hazard: str
    param: str | None
    value: str
    kind: str
    means: str = ""
    # The API a message should contrast with, when the generic choice would be less useful.
    contrast: str | None = None
    # How `conv-lint fix` writes today's default explicitly: Python source, where
    # `{init}` stands for the framework's initializers module as this file can reach it.
    # A tuple holds one source per spatial rank (1, 2, 3), taken from the call itself.
    pin: str | tuple[str, str, str] | None = None
    # Why writing the pin could change behaviour (then it is applied only with --unsafe-fixes).
    unsafe: str = ""
    # Why no pin can be written (the default is computed at run time, or fixed).
    no_pin: str = ""


@dataclass(frozen=True)
class Window:
    """The parameters that set a conv's window, read where they are literals: the kernel size
    (None when the kernel array gives it, as in functional convs), the strides, the dilation."""

    size: str | None
    strides: str | None
    dilation: str | None


CHANNELS_FIRST = "channels_first"
CHANNELS_LAST = "channels_last"


@dataclass(frozen=True)
class Operands:
    """The arrays a functional conv takes, and the layouts it reads them in.

    Layouts are spelled as lax's dimension numbers: ``N`` and ``C`` (input), ``O`` and ``I``
    (kernel), every other letter a spatial axis. ``spec`` is the argument holding them: lax's
    ``(lhs, rhs, out)`` triple (``spec_has_kernel``), or tf.nn's ``data_format``, which names
    the input's layout only (tf.nn kernels are always ``(*spatial, I, O)``). Without it, or
    with None, the layouts are ``default`` (channels-first: ``NC...``/``OI...``).
    """

    input: str
    kernel: str
    default: str
    spec: str | None = None
    spec_has_kernel: bool = False
    groups: str | None = None


@dataclass(frozen=True)
class Weight:
    """Where a conv layer object keeps its kernel: the attribute, and the axes' order
    (``O``, ``I``, and ``S`` for as many spatial axes as the layer has)."""

    attribute: str
    layout: str


@dataclass(frozen=True)
class ConvAPI:
    """A convolution callable and how its arguments bind.

    ``positional`` lists the parameters that may be passed by position, in order
    (``self`` left out); ``keyword_only`` those after ``*``. ``bias_switch`` names the
    argument that turns the bias off (``use_bias=False``), so no bias-initializer finding
    is made for a call without a bias.
    """

    names: tuple[str, ...]
    side: str
    positional: tuple[str, ...]
    keyword_only: tuple[str, ...] = ()
    defaults: tuple[Default, ...] = ()
    bias_switch: str | None = None
    # Arguments whose literal length gives the spatial rank (`window_strides=(1, 1)` → 2).
    rank_params: tuple[str, ...] = ()
    # Where this framework's initializers live, in order of preference, for `{init}` in pins.
    initializers: tuple[str, ...] = ()
    # The layer library the API belongs to (keras, flax, haiku, equinox, torch; "" for a functional
    # API): which table of ALIGN_SOURCES writes its settings for `fix --align-with`.
    library: str = ""
    window: Window | None = None
    operands: Operands | None = None
    weight: Weight | None = None

    @property
    def name(self) -> str:
        """The canonical qualified name, used in messages."""
        return self.names[0]

    @property
    def transposed(self) -> bool:
        return "transpose" in self.name.lower()

    @property
    def spatial_dims(self) -> int | None:
        """The number of spatial dimensions the name fixes (``conv1d``, ``Conv2D``), if it does."""
        match = re.search(r"(\d)[dD]", self.name.rsplit(".", 1)[1])
        return int(match.group(1)) if match else None

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.positional + self.keyword_only

    @property
    def provider(self) -> str:
        """Who provides the API: its layer library, or the module of a functional API (``jax.lax``, ``tensorflow.nn``)."""
        return self.library or self.name.rpartition(".")[0]


@dataclass(frozen=True)
class Contrast:
    """How another framework fills the same hazard in, for the second half of a message."""

    api: str
    side: str
    value: str
    kind: str


@dataclass(frozen=True)
class Slot:
    """Where a function takes an argument: by position or keyword; ``varargs``: the shape as
    separate integers (``np.random.randn(3, 1, 1)``, ``torch.zeros(3, 1, 1)``)."""

    position: int
    keyword: str | None = None
    varargs: bool = False
