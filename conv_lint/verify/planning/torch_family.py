"""PyTorch's conv modules (``torch.nn.Conv1d/2d/3d``), run by the torch worker where ``torch`` is
importable. verify does not depend on PyTorch (its wheel pulls gigabytes of CUDA libraries):
without it, a PyTorch call is UNVERIFIABLE with that reason. Looked up, never imported here."""

from __future__ import annotations

import importlib.util

from conv_lint.catalog import ALIGN_SOURCES, PADDING, TORCH, ConvAPI
from dataclasses import replace

from conv_lint.verify.planning.arguments import default_kind, integer, integers, literal, read_padding
from conv_lint.verify.planning.conv import SPATIAL, Call, Conv, Unsupported
from conv_lint.verify.planning.families import Equinox, Family


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

    def write(self, conv, omit=frozenset()):
        kwargs = self._settings(conv, {"strides": "stride", "dilation": "dilation", "groups": "groups"}, omit)
        letters = f"NC{SPATIAL[conv.rank]}"
        return Call(f"torch.nn.functional.conv{conv.rank}d", tuple(kwargs.items()), self.kind, self.worker, letters,
                    letters, kernel_layout=f"OI{SPATIAL[conv.rank]}")


TORCH_MODULES, TORCH_FUNCTIONS = Torch(), TorchFunctional()


def torch_family(api: ConvAPI) -> Family | None:
    """The family that runs a PyTorch conv module, None for another API; Unsupported without torch."""
    if not api.name.startswith("torch.") or api.transposed:
        return None
    family = TORCH_FUNCTIONS if api.name.startswith("torch.nn.functional.conv") else TORCH_MODULES
    if family is TORCH_MODULES and not family.runs(api):
        return None
    if importlib.util.find_spec("torch") is None:
        raise Unsupported("torch is not installed: verify runs PyTorch calls only where torch is importable")
    return family
