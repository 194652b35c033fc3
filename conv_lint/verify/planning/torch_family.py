"""PyTorch's conv modules (``torch.nn.Conv1d/2d/3d``, ``ConvTranspose1d/2d/3d``) and functions
(``torch.nn.functional.conv1d/2d/3d``, ``conv_transpose1d/2d/3d``), run by the torch worker where ``torch`` is
importable. verify does not depend on PyTorch (its wheel pulls gigabytes of CUDA libraries):
without it, a PyTorch call is UNVERIFIABLE with that reason. Looked up, never imported here."""

from __future__ import annotations

import importlib.util

from dataclasses import replace

from conv_lint.catalog import ALIGN_SOURCES, PADDING, TORCH, ConvAPI
from conv_lint.verify.planning.arguments import default_kind, integer, integers, literal, read_padding
from conv_lint.verify.planning.conv import SPATIAL, Call, Conv, Padding, Unsupported
from conv_lint.verify.planning.families import FLAX, Equinox, Family


class Torch(Equinox):
    """Channels-first modules holding weight (out, in / groups, *kernel), as the worker feeds them;
    Equinox's settings under the same names, but batched, and ``bias`` for the bias."""

    name, worker, kind, align = "torch", TORCH, "torch_module", "torch"
    names = {**Equinox.names, "bias": "bias"}
    params = (*names.values(), "padding", "padding_mode")

    def api_name(self, rank):
        return f"torch.nn.Conv{rank}d"

    def padding_source(self, conv):
        if conv.padding.kind in ("valid", "same"):
            return ALIGN_SOURCES[self.align][(PADDING, conv.padding.kind)], ()
        pairs = conv.explicit_padding().pairs
        if pairs and all(low == high for low, high in pairs):  # PyTorch pads both sides alike
            return repr(tuple(low for low, _ in pairs)), ()
        raise Unsupported(f"PyTorch has no padding {conv.padding} (it pads both sides alike)")


class TorchFunctional(Family):
    """``torch.nn.functional.conv1d/2d/3d(input, weight, bias, stride, padding, dilation, groups)``:
    fed the probe's kernel as (out, in / groups, *kernel), channels-first data."""

    name, worker = "torch.nn.functional", TORCH
    params = ("stride", "padding", "dilation", "groups")
    hazard_params = {PADDING: "padding"}
    padding_source = Torch.padding_source
    align = "torch"

    def read(self, api, args, probe):
        rank = int(api.name[-2])
        return Conv(rank=rank, filters=probe.filters, kernel_size=(probe.kernel_size,) * rank,
                    strides=integers(args, "stride", rank), dilation=integers(args, "dilation", rank),
                    padding=read_padding(literal(args, "padding"), rank, default_kind(api, "padding", "valid")),
                    channels_last=False, use_bias=False, groups=integer(args, "groups", 1))

    def native(self, api, args, conv):
        return replace(super().native(api, args, conv), api=api.name)

    def api_name(self, rank: int) -> str:
        return f"torch.nn.functional.conv{rank}d"

    def write(self, conv, omit=frozenset()):
        kwargs = self._settings(conv, {"strides": "stride", "dilation": "dilation", "groups": "groups"}, omit)
        letters = f"NC{SPATIAL[conv.rank]}"
        return Call(self.api_name(conv.rank), tuple(kwargs.items()), self.kind, self.worker, letters,
                    letters, kernel_layout=f"OI{SPATIAL[conv.rank]}")


class _Transposed:
    """Mixed into a PyTorch family: its transposed convolution, weight (in, out / groups, *kernel), the
    gradient of a convolution (the kernel flipped), cropped by ``padding`` on both sides of each axis
    and grown by ``output_padding`` at the end. It takes no 'same', so a finding's counterpart cannot
    be spelled in it: ``translated`` is the same computation in Flax."""

    def read(self, api, args, probe):
        conv = super().read(api, args, probe)
        if conv.groups != 1:  # the probe's kernel is (*k, in / groups, out); PyTorch's is (in, out / groups, *k)
            raise Unsupported("a grouped transposed convolution is not modelled")
        return replace(conv, output_padding=integers(args, "output_padding", conv.rank, 0))

    def write(self, conv, omit=frozenset()):
        return replace(super().write(conv, omit), kernel_layout=f"IO{SPATIAL[conv.rank]}")

    def align_source(self, hazard, kind):
        return None if (hazard, kind) == (PADDING, "same") else super().align_source(hazard, kind)

    def translated(self, conv: Conv, omit: frozenset[str] = frozenset()) -> Call:
        """``flax.linen.ConvTranspose(transpose_kernel=True)``, which computes what PyTorch does given
        the same kernel read (*k, out, in): PyTorch's padding p and output_padding q are lax's pairs
        ((k-1)*d - p, (k-1)*d - p + q), applied to the strided input before the convolution."""
        if conv.padding.kind not in ("valid", "explicit"):
            raise Unsupported(f"PyTorch's transposed convolutions take no padding {conv.padding!s}")
        pairs = conv.padding.pairs or ((0, 0),) * conv.rank
        if any(low != high for low, high in pairs):
            raise Unsupported(f"PyTorch pads both sides alike, not {conv.padding}")
        output_padding = conv.output_padding or (0,) * conv.rank
        lax_pairs = tuple(((k - 1) * d - low, (k - 1) * d - low + extra)
                          for k, d, (low, _), extra in zip(conv.kernel_size, conv.dilation, pairs, output_padding))
        call = FLAX.write(replace(conv, padding=Padding("explicit", lax_pairs)), omit)
        return replace(call.with_kwargs(transpose_kernel="True"), api="flax.linen.ConvTranspose",
                       kernel_layout=f"{SPATIAL[conv.rank]}OI")


class TorchTranspose(_Transposed, Torch):
    params = (*Torch.params, "output_padding")

    def api_name(self, rank):
        return f"torch.nn.ConvTranspose{rank}d"


class TorchFunctionalTranspose(_Transposed, TorchFunctional):
    params = (*TorchFunctional.params, "output_padding")

    def api_name(self, rank):
        return f"torch.nn.functional.conv_transpose{rank}d"


TORCH_MODULES, TORCH_FUNCTIONS = Torch(), TorchFunctional()
TORCH_TRANSPOSED_MODULES, TORCH_TRANSPOSED_FUNCTIONS = TorchTranspose(), TorchFunctionalTranspose()


def torch_family(api: ConvAPI) -> Family | None:
    """The family that runs a PyTorch conv module or function (transposed or not), None for another
    API; Unsupported without torch."""
    if not api.name.startswith("torch."):
        return None
    functional = api.name.startswith("torch.nn.functional.conv")
    if api.transposed:
        family = TORCH_TRANSPOSED_FUNCTIONS if functional else TORCH_TRANSPOSED_MODULES
    else:
        family = TORCH_FUNCTIONS if functional else TORCH_MODULES
    if family in (TORCH_MODULES, TORCH_TRANSPOSED_MODULES) and not family.runs(api):
        return None
    if importlib.util.find_spec("torch") is None:
        raise Unsupported("torch is not installed: verify runs PyTorch calls only where torch is importable")
    return family
