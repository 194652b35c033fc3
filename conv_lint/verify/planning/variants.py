"""Transposed, separable and depthwise layers, and ``lax.conv_transpose``: run as written, and with
the flagged setting given the other framework's default in this call's own spelling.

Their kernels are laid out and applied differently in every framework (a transposed Keras kernel
is (*k, out, in) and flipped; Flax's is (*k, in, out) and not, unless ``transpose_kernel``), so
verify does not translate them into another framework: a finding's counterpart is the call
itself with the setting ``conv-lint fix --align-with`` writes for the other framework's default
(``padding='VALID'`` in a Flax ``ConvTranspose`` for Keras' 'valid', ``kernel_initializer=
'lecun_normal'`` for Flax's ``lecun_normal()``). Layers initialize their own weights from the
probe's seed on both sides (the flagged setting never changes a kernel's shape); functions take
the probe's kernel. Each family is its plain counterpart with these layers' names.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from conv_lint.catalog import PADDING, TF_V1_LAYERS, ConvAPI
from conv_lint.verify.planning import probe as probes
from conv_lint.verify.planning.arguments import default_kind, integers, literal, read_channels_last, read_padding
from conv_lint.verify.planning.conv import SPATIAL, Padding, Unsupported
from conv_lint.verify.planning.families import (
    EQUINOX,
    FLAX,
    HAIKU,
    KERAS,
    Equinox,
    FlaxLinen,
    FlaxNNX,
    Haiku,
    Keras,
    Lax,
    TfNN,
    TfV1Layers,
    functional_conv,
    layout_letters,
)
from conv_lint.verify.planning.probe import Probe
from conv_lint.verify.planning.values import Known

# The arguments a run passes on besides the plain layer's: they change what the layer computes.
EXTRA_PARAMS = ("output_padding", "depth_multiplier", "channel_multiplier", "depthwise_initializer",
                "pointwise_initializer", "transpose_kernel", "output_shape")
# The weight a parameter initializes, as the workers name it.
WEIGHTS = {"depthwise_initializer": "depthwise_kernel", "pointwise_initializer": "pointwise_kernel"}


class _Variant:
    """Mixed into a plain family: these layers' ranks, and a filter count they may not take."""

    def rank(self, api, args):
        return api.spatial_dims or super().rank(api, args)

    def read(self, api, args, probe):
        filters = self.names["filters"]
        if filters not in api.parameters:  # depthwise layers: one filter per input channel and multiplier
            args = {**args, filters: Known("1", 1)}
        return super().read(api, args, probe)


class KerasVariant(_Variant, Keras):
    params = (*Keras.params, *EXTRA_PARAMS)


class TfV1LayersVariant(_Variant, TfV1Layers):
    """TF1's transposed layer functions (``tf.compat.v1.layers.conv2d_transpose``), run as tf_keras's."""

    params = (*TfV1Layers.params, *EXTRA_PARAMS)

    def api_name(self, rank):
        return f"tf_keras.layers.Conv{rank}DTranspose"


class FlaxVariant(_Variant, FlaxLinen):
    params = (*FlaxLinen.params, *EXTRA_PARAMS)


class FlaxNNXVariant(_Variant, FlaxNNX):
    params = (*FlaxNNX.params, *EXTRA_PARAMS)


class HaikuVariant(_Variant, Haiku):
    params = (*Haiku.params, *EXTRA_PARAMS)


class EquinoxVariant(_Variant, Equinox):
    params = (*Equinox.params, *EXTRA_PARAMS)


class LaxTranspose(Lax):
    """``lax.conv_transpose(lhs, rhs, strides, padding, rhs_dilation, dimension_numbers, transpose_kernel)``:
    channels-last by default."""

    name = "jax.lax.conv_transpose"
    params = ("strides", "padding", "rhs_dilation", "dimension_numbers", "transpose_kernel")

    def read(self, api, args, probe):
        given = literal(args, "dimension_numbers")
        if given is None:
            args = {**args, "dimension_numbers": Known("None", _channels_last_numbers(args, probe))}
        renamed = {**args, "window_strides": args.get("strides")}
        return super().read(api, {k: v for k, v in renamed.items() if v is not None}, probe)

    def native(self, api, args, conv):
        if literal(args, "dimension_numbers") is None:
            spatial = "DHW"[3 - conv.rank:]
            args = {**args, "dimension_numbers": Known("None", (f"N{spatial}C", f"{spatial}IO", f"N{spatial}C"))}
            call = super().native(api, args, conv)
            return call.with_kwargs(dimension_numbers=None)
        return super().native(api, args, conv)


    def layout_source(self, conv):
        spatial = "DHW"[3 - conv.rank:]
        if conv.channels_last:
            return repr((f"N{spatial}C", f"{spatial}IO", f"N{spatial}C"))
        return repr((f"NC{spatial}", f"OI{spatial}", f"NC{spatial}"))


class TfNNVariant(TfNN):
    """``tf.nn.conv1d_transpose``/``conv2d_transpose`` (filters (*k, out, in)) and ``tf.nn.depthwise_conv2d``
    (filter (*k, in, multiplier)), given the probe's kernel. A transposed call's ``output_shape`` is
    written for its own input, not the probe's: the TensorFlow worker gives the size its padding
    makes of the probe (see ``tf_worker._with_output_shape``)."""

    params = ("strides", "padding", "data_format", "dilations", "rate")  # rate: tf.compat.v1's depthwise dilation

    def read(self, api, args, probe):
        rank = api.spatial_dims
        conv = functional_conv(
            probe,
            rank,
            strides=integers(args, api.window.strides, rank),
            dilation=integers(args, api.window.dilation, rank),
            padding=read_padding(literal(args, "padding"), rank, default_kind(api, "padding", "valid")),
            channels_last=read_channels_last(literal(args, "data_format"), "channels_last"),
        )
        if api.transposed and conv.padding.kind not in ("valid", "same"):
            raise Unsupported(f"padding={conv.padding} of a transposed tf.nn convolution (it crops the output) is not modelled")
        return conv

    def native(self, api, args, conv):
        call = super().native(api, args, conv)
        return replace(call, kernel_layout=f"{SPATIAL[conv.rank]}OI") if api.transposed else call

    def align_source(self, hazard, kind):
        return repr(kind.upper()) if hazard == PADDING and kind in ("valid", "same") else None

    def relaid(self, call, conv, channels_last):
        # Strides or dilations written for every axis ([1, 2, 2, 1]) name the batch and channel axes too:
        # in the other layout they are [1, 1, 2, 2], or TensorFlow refuses strides in the channel axis.
        moved = {}
        for name, source in call.kwargs:
            spatial = {"strides": conv.strides, "dilations": conv.dilation}.get(name)
            value = ast.literal_eval(source) if spatial is not None else None
            if isinstance(value, (list, tuple)) and len(value) == conv.rank + 2:
                moved[name] = repr([1, *spatial, 1] if channels_last else [1, 1, *spatial])
        return call.with_kwargs(**moved)


def _channels_last_numbers(args: dict, probe: Probe):
    strides = literal(args, "strides")
    rank = len(strides) if isinstance(strides, (tuple, list)) else probe.rank() or 1
    spatial = "DHW"[3 - rank:]
    return (f"N{spatial}C", f"{spatial}IO", f"N{spatial}C")


_VARIANTS = {KERAS.align: KerasVariant(), HAIKU.align: HaikuVariant(), EQUINOX.align: EquinoxVariant()}


def variant_of(api: ConvAPI):
    """The family that runs a transposed, separable or depthwise API as written, or None."""
    if api.name == "jax.lax.conv_transpose":
        return LaxTranspose()
    if api.name.startswith(("tensorflow.nn.", "tensorflow.compat.v1.nn.")):  # tf.nn's transposed and depthwise functions
        return TfNNVariant()
    if api.provider == TF_V1_LAYERS:
        return TfV1LayersVariant()
    if api.library == FLAX.align:
        return FlaxNNXVariant() if api.name.startswith("flax.nnx.") else FlaxVariant()
    return _VARIANTS.get(api.library)


def weight_of(parameter: str) -> str:
    return WEIGHTS.get(parameter, "kernel")



def _swapped(letters: str) -> str:
    return letters.translate(str.maketrans("IO", "OI"))


def plan_transpose_kernel(planner, check, args: dict) -> None:
    """CNV105: ``transpose_kernel=False`` vs ``True`` (the gradient of a convolution, as Keras and
    PyTorch compute) on the same kernel: each side is given the probe's kernel in the axis order it
    reads (``True`` swaps in and out). Keras' ``Conv*DTranspose`` holding that kernel is the fix."""
    api = check.finding.call.api
    family = variant_of(api)
    if family is None or not isinstance(family, (LaxTranspose, FlaxLinen)):
        raise Unsupported(f"{api.name} has no transpose_kernel verify runs")
    conv = family.read(api, args, planner.probe)
    conv = check.conv = replace(conv, in_channels=probes.channels(conv, planner.probe))
    native = family.native(api, args, conv)
    layout = native.kernel_layout or f"{SPATIAL[conv.rank]}IO"
    check.native = native = replace(native, kernel_layout=layout)
    flipped = replace(native.with_kwargs(transpose_kernel="True"), kernel_layout=_swapped(layout))
    check.counterpart = flipped
    names = ("transpose_kernel=False", "transpose_kernel=True")
    check.divergence = planner.values("divergence", conv, native, flipped, names)
    padding = {"same": "'same'", "valid": "'valid'"}.get(conv.padding.kind)
    if padding is None or not conv.channels_last:
        check.fix_note = f"Keras has no transposed convolution with padding {conv.padding} in this layout to compare with"
        return
    keras = KerasVariant()
    written = keras.write(replace(conv, padding=Padding(conv.padding.kind)))
    kwargs = {**dict(written.kwargs), "padding": padding}
    keras_call = replace(written, api=f"keras.layers.Conv{conv.rank}DTranspose", kwargs=tuple(kwargs.items()),
                         use_bias=native.layer and conv.use_bias, kernel_layout=f"{SPATIAL[conv.rank]}OI")
    check.fix = planner.values("fix", conv, flipped, keras_call, (names[1], keras_call.api))
    check.fix_note = f"transpose_kernel=True vs {keras_call.api} holding the same kernel"
