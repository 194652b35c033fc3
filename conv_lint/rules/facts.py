"""What a rule knew when it flagged a call, as typed data: a finding's ``facts``.

The message says it in words for people; these records say it for programs (``conv-lint
verify`` plans its runs from them), so rewording a message changes nothing a program reads. A
rule fills them in where its message states a fact a program needs; a finding of any other
rule has none. Each record is frozen and holds only strings, numbers and tuples, so a finding
stays hashable, and ``encode``/``decode`` carry it through JSON (the results cache).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar


@dataclass(frozen=True)
class KernelReading:
    """CNV101, CNV107: a functional conv reads a kernel in an order it is not laid out in.
    Axis orders are lax's letters: ``O``/``I`` for out/in channels, the call's spatial letters."""

    KIND: ClassVar[str] = "kernel_reading"

    reads: str  # the order the call reads the kernel in: its rhs spec, or the API's fixed kernel layout
    spec_written: bool  # ``reads`` is the rhs spec written in the call (not a fixed layout)
    laid_out: str | None  # the order the array is in (CNV101: the usual one that fits; None when none does)
    shape: tuple[int, ...] | None = None  # the kernel's shape (CNV101; a layer's exported weight has none known)
    # The input whose channel count the reading contradicts (CNV101; None when the reading is flagged
    # for its size-1 spatial axes instead); None for a size the module does not write down.
    input_shape: tuple[int | None, ...] | None = None

    @property
    def transpose(self) -> tuple[int, ...] | None:
        """The axes that transpose the array from ``laid_out`` into the order the call reads."""
        return tuple(self.laid_out.index(letter) for letter in self.reads) if self.laid_out else None


@dataclass(frozen=True)
class LabelledFormula:
    """CNV108: a draw whose spread formula is labelled with another initializer's name. Schemes are
    the keys of ``conv_lint.rules.initializers.FORMULAS``: glorot, he, lecun, torch."""

    KIND: ClassVar[str] = "labelled_formula"

    distribution: str  # "uniform" or "normal"
    drawn: str  # the scheme the formula is
    label: str  # the scheme the label names


@dataclass(frozen=True)
class TruncatedNormalStd:
    """CNV106: a truncated-normal initializer called with stddev 1/sqrt(fan_in)."""

    KIND: ClassVar[str] = "truncated_normal_std"

    initializer: str  # its qualified name
    instead: str  # the initializer to write instead: lecun_normal's spelling in that library


# The defaults a layer's kernel initializer is compared with (InitializerContrast.compared_with).
FLAX_LECUN_NORMAL = "flax lecun_normal"
TORCH_CONV_DEFAULT = "torch conv default"  # kaiming_uniform_(a=sqrt(5)): U(±1/sqrt(fan_in))
KERAS_RANDOM_UNIFORM = "keras RandomUniform"


@dataclass(frozen=True)
class InitializerContrast:
    """CNV106, CNV108: a conv layer's kernel initializer, as written or by default, draws otherwise
    than another framework's initializer it is easily taken for."""

    KIND: ClassVar[str] = "initializer_contrast"

    compared_with: str  # FLAX_LECUN_NORMAL, TORCH_CONV_DEFAULT or KERAS_RANDOM_UNIFORM
    instead: str | None  # the initializer to pass to draw as that one does, where one can be written


Facts = KernelReading | LabelledFormula | TruncatedNormalStd | InitializerContrast
_BY_KIND: dict[str, type] = {kind.KIND: kind for kind in (KernelReading, LabelledFormula, TruncatedNormalStd, InitializerContrast)}


def encode(facts: Facts | None) -> dict | None:
    """``facts`` as a JSON object: ``{"kind": ..., field: value, ...}`` (tuples become lists)."""
    return None if facts is None else {"kind": facts.KIND, **asdict(facts)}


def decode(data: dict | None) -> Facts | None:
    """The facts ``encode`` wrote. Raises KeyError or TypeError for an object it did not write."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise TypeError(f"facts are a JSON object, not {data!r}")
    fields = {name: tuple(value) if isinstance(value, list) else value for name, value in data.items() if name != "kind"}
    return _BY_KIND[data["kind"]](**fields)
