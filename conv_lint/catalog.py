"""The convolution APIs conv-lint knows, and the defaults each one fills in, as data.

Every value here was read off the installed framework (``inspect.signature`` and small
experiments; see ``tests/test_catalog_truth.py``, which fails when a release changes one).
Adding an API is one entry in ``APIS``: the analyzer, rules, reports and flake8 plugin are
all driven from this table.

This module imports nothing beyond the standard library: ``check`` and the flake8 plugin
must start fast and never pull in TensorFlow, JAX or NumPy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

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
    # Which table of ALIGN_SOURCES writes this API's settings for `fix --align-with`.
    family: str = ""
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


@dataclass(frozen=True)
class Contrast:
    """How another framework fills the same hazard in, for the second half of a message."""

    api: str
    side: str
    value: str
    kind: str


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _names(prefixes: tuple[str, ...], leaves: str) -> tuple[str, ...]:
    return tuple(f"{prefix}.{leaf}" for leaf in leaves.split() for prefix in prefixes)


LAX_GENERAL = "jax.lax.conv_general_dilated"

# `tf.keras` is Keras 3 in TensorFlow 2.16+ (`tf.keras.layers.Conv1D is keras.layers.Conv1D`);
# `tf_keras` is the Keras 2 package, whose conv layers take the same arguments in the same order.
KERAS_LAYERS = ("keras.layers", "tensorflow.keras.layers", "tf_keras.layers")

_KERAS_PADDING = Default(PADDING, "padding", "'valid'", "valid", pin='"valid"')
_KERAS_LAYOUT = Default(
    LAYOUT,
    "data_format",
    "None",
    "channels_last",
    "keras.config.image_data_format(), 'channels_last' unless configured",
    pin='"channels_last"',
    unsafe="data_format=None follows keras.config.image_data_format(), which the program or ~/.keras/keras.json may set",
)
_KERAS_BIAS = Default(BIAS_INIT, "bias_initializer", "'zeros'", "zeros", pin='"zeros"')


def _keras_init(param: str) -> Default:
    return Default(KERNEL_INIT, param, "'glorot_uniform'", "glorot_uniform", pin='"glorot_uniform"')


_KERAS_CONV = (_KERAS_PADDING, _KERAS_LAYOUT, _keras_init("kernel_initializer"), _KERAS_BIAS)


def _keras(
    leaves: str,
    positional: str,
    defaults: tuple[Default, ...] = _KERAS_CONV,
    weight: Weight | None = None,
    prefixes: tuple[str, ...] = KERAS_LAYERS,
) -> ConvAPI:
    return ConvAPI(
        names=_names(prefixes, leaves),
        side=TENSORFLOW,
        positional=_split(positional),
        defaults=defaults,
        bias_switch="use_bias",
        initializers=("keras.initializers", "tensorflow.keras.initializers", "tf_keras.initializers"),
        family="keras",
        window=Window("kernel_size", "strides", "dilation_rate"),
        weight=weight,
    )


# tf_keras (Keras 2) parts from Keras 3 in two places (checked against tf_keras 2.21): Conv1D's layout
# is a fixed 'channels_last', not image_data_format(), and Conv3DTranspose takes output_padding
# before data_format, as the 1D and 2D transposed layers do.
_KERAS_3_LAYERS = KERAS_LAYERS[:2]
_TF_KERAS_LAYERS = KERAS_LAYERS[2:]
_TF_KERAS_CONV1D = (
    _KERAS_PADDING,
    Default(LAYOUT, "data_format", "'channels_last'", "channels_last", "channels-last", pin='"channels_last"'),
    _keras_init("kernel_initializer"),
    _KERAS_BIAS,
)

# Keras kernels are (*k, in, out); a transposed conv's are (*k, out, in).
_KERAS_KERNEL = Weight("kernel", "SIO")
_KERAS_TRANSPOSE_KERNEL = Weight("kernel", "SOI")


_FLAX_CONV = (
    Default(PADDING, "padding", "'SAME'", "same", pin='"SAME"'),
    # The same function objects Flax uses as defaults, so a pinned call draws the same numbers.
    Default(KERNEL_INIT, "kernel_init", "lecun_normal()", "lecun_normal", pin="{init}.lecun_normal()"),
    Default(BIAS_INIT, "bias_init", "zeros", "zeros", pin="{init}.zeros"),
)
# lax.conv_transpose and Flax's ConvTranspose do not flip the kernel unless told to, so they are
# not the transpose (gradient) of a conv, as Keras' Conv1DTranspose and torch's ConvTranspose1d are.
_NOT_FLIPPED = Default(
    TRANSPOSE_KERNEL,
    "transpose_kernel",
    "False",
    "not_flipped",
    "the kernel is not flipped, so this is not the transpose of a convolution",
    pin="False",
)
_FLAX_TRANSPOSE = (*_FLAX_CONV, _NOT_FLIPPED)
_FLAX_WINDOW = Window("kernel_size", "strides", "kernel_dilation")
_HAIKU_INIT = (
    Default(
        KERNEL_INIT,
        "w_init",
        "None",
        "truncated_normal",
        "TruncatedNormal(1/sqrt(fan_in))",
        no_pin="Haiku computes its default w_init from the input channel count when the layer is called",
    ),
    # Haiku's None means jnp.zeros; Constant(0.0) gives the same zeros in the parameter's dtype.
    Default(BIAS_INIT, "b_init", "None", "zeros", "zeros", pin="{init}.Constant(0.0)"),
)


def _haiku(leaf: str, positional: str, data_format: str) -> ConvAPI:
    parameters = _split(positional)
    return ConvAPI(
        names=(f"haiku.{leaf}",),
        side=JAX,
        positional=parameters,
        defaults=(
            Default(PADDING, "padding", "'SAME'", "same", pin='"SAME"'),
            *_HAIKU_INIT,
            Default(
                LAYOUT,
                "data_format",
                f"'{data_format}'",
                "channels_last",
                "channels-last",
                LAX_GENERAL,
                pin=f'"{data_format}"',
            ),
        ),
        bias_switch="with_bias",
        initializers=("haiku.initializers",),
        family="haiku",
        window=Window("kernel_shape", "stride", "rate" if "rate" in parameters else None),
    )


_HAIKU_CONV = "output_channels kernel_shape stride rate padding with_bias w_init b_init data_format"
_HAIKU_TRANSPOSE = (
    "output_channels kernel_shape stride output_shape padding with_bias w_init b_init data_format"
)
_HAIKU_DEPTHWISE = "channel_multiplier kernel_shape stride rate padding with_bias w_init b_init data_format"

_EQX_CONV = "in_channels out_channels kernel_size stride padding dilation groups use_bias padding_mode dtype"
_EQX_TRANSPOSE = (
    "in_channels out_channels kernel_size stride output_padding padding dilation groups use_bias"
    " padding_mode dtype"
)
# The N-d transpose takes padding before output_padding, unlike ConvTranspose1d/2d/3d.
_EQX_TRANSPOSE_ND = (
    "num_spatial_dims in_channels out_channels kernel_size stride padding output_padding dilation groups"
    " use_bias padding_mode dtype"
)
_TORCH_CONV = (
    "in_channels out_channels kernel_size stride padding dilation groups bias padding_mode device dtype"
)
_TORCH_TRANSPOSE = (
    "in_channels out_channels kernel_size stride padding output_padding groups bias dilation padding_mode"
    " device dtype"
)
_TORCH_FUNCTIONAL = "input weight bias stride padding dilation groups"
_TORCH_FUNCTIONAL_TRANSPOSE = "input weight bias stride padding output_padding groups dilation"


def _zero_padding(side: str, names: tuple[str, ...], positional: str, value: str, **kw) -> ConvAPI:
    parameters = _split(positional)
    functional = "weight" in parameters
    # Modules keep the kernel as .weight: (out, in, *k), or (in, out, *k) for a torch transposed conv.
    layout = "IOS" if side == TORCH and "Transpose" in names[0] else "OIS"
    return ConvAPI(
        names=names,
        side=side,
        positional=parameters,
        defaults=(Default(PADDING, "padding", value, "valid", pin=value),),
        family="equinox" if side == JAX else "torch",
        window=Window(None if functional else "kernel_size", "stride", "dilation"),
        weight=None if functional else Weight("weight", layout),
        **kw,
    )


def _lax_fixed_layout(name: str, positional: str) -> ConvAPI:
    parameters = _split(positional)
    return ConvAPI(
        names=(f"jax.lax.{name}",),
        side=JAX,
        positional=parameters,
        rank_params=("window_strides",),
        window=Window(None, "window_strides", "rhs_dilation" if "rhs_dilation" in parameters else None),
        operands=Operands("lhs", "rhs", CHANNELS_FIRST),
        defaults=(
            Default(
                LAYOUT,
                None,
                "NC...",
                "channels_first",
                "always channels-first (N,C,...)/(O,I,...)",
                no_pin="the layout of this function is fixed; use lax.conv_general_dilated with dimension_numbers",
            ),
        ),
    )


def _convolve(names: tuple[str, ...], side: str, positional: str, keyword_only: str = "") -> ConvAPI:
    return ConvAPI(
        names=names,
        side=side,
        positional=_split(positional),
        keyword_only=_split(keyword_only),
        defaults=(Default(CONVOLVE_MODE, "mode", "'full'", "full", "output length n+k-1", pin='"full"'),),
    )


_TF_NN_WINDOW = Window(None, "strides", "dilations")
_TF_NN_OPERANDS = Operands("input", "filters", CHANNELS_LAST, spec="data_format")

_KERAS_CONV_ARGS = (
    "filters kernel_size strides padding data_format dilation_rate groups activation use_bias"
    " kernel_initializer bias_initializer"
)
_KERAS_TRANSPOSE_ARGS = (
    "filters kernel_size strides padding output_padding data_format dilation_rate activation use_bias"
    " kernel_initializer bias_initializer"
)
# Conv3DTranspose puts data_format before output_padding, unlike the 1D and 2D layers.
_KERAS_TRANSPOSE_3D_ARGS = (
    "filters kernel_size strides padding data_format output_padding dilation_rate activation use_bias"
    " kernel_initializer bias_initializer"
)

APIS: tuple[ConvAPI, ...] = (
    # Keras (also reached as tf.keras and tf_keras).
    _keras("Conv1D Convolution1D", _KERAS_CONV_ARGS, weight=_KERAS_KERNEL, prefixes=_KERAS_3_LAYERS),
    _keras("Conv1D Convolution1D", _KERAS_CONV_ARGS, _TF_KERAS_CONV1D, _KERAS_KERNEL, _TF_KERAS_LAYERS),
    _keras("Conv2D Convolution2D", _KERAS_CONV_ARGS, weight=_KERAS_KERNEL),
    _keras("Conv3D Convolution3D", _KERAS_CONV_ARGS, weight=_KERAS_KERNEL),
    _keras("Conv1DTranspose Convolution1DTranspose", _KERAS_TRANSPOSE_ARGS, weight=_KERAS_TRANSPOSE_KERNEL),
    _keras("Conv2DTranspose Convolution2DTranspose", _KERAS_TRANSPOSE_ARGS, weight=_KERAS_TRANSPOSE_KERNEL),
    _keras(
        "Conv3DTranspose Convolution3DTranspose",
        _KERAS_TRANSPOSE_3D_ARGS,
        weight=_KERAS_TRANSPOSE_KERNEL,
        prefixes=_KERAS_3_LAYERS,
    ),
    _keras(
        "Conv3DTranspose Convolution3DTranspose",
        _KERAS_TRANSPOSE_ARGS,
        weight=_KERAS_TRANSPOSE_KERNEL,
        prefixes=_TF_KERAS_LAYERS,
    ),
    _keras(
        "SeparableConv1D SeparableConvolution1D",
        "filters kernel_size strides padding data_format dilation_rate depth_multiplier activation"
        " use_bias depthwise_initializer pointwise_initializer bias_initializer",
        (
            _KERAS_PADDING,
            _KERAS_LAYOUT,
            _keras_init("depthwise_initializer"),
            _keras_init("pointwise_initializer"),
            _KERAS_BIAS,
        ),
    ),
    _keras(
        "SeparableConv2D SeparableConvolution2D",
        "filters kernel_size strides padding data_format dilation_rate depth_multiplier activation"
        " use_bias depthwise_initializer pointwise_initializer bias_initializer",
        (
            _KERAS_PADDING,
            _KERAS_LAYOUT,
            _keras_init("depthwise_initializer"),
            _keras_init("pointwise_initializer"),
            _KERAS_BIAS,
        ),
    ),
    _keras(
        "DepthwiseConv1D",
        "kernel_size strides padding depth_multiplier data_format dilation_rate activation use_bias"
        " depthwise_initializer bias_initializer",
        (_KERAS_PADDING, _KERAS_LAYOUT, _keras_init("depthwise_initializer"), _KERAS_BIAS),
    ),
    _keras(
        "DepthwiseConv2D",
        "kernel_size strides padding depth_multiplier data_format dilation_rate activation use_bias"
        " depthwise_initializer bias_initializer",
        (_KERAS_PADDING, _KERAS_LAYOUT, _keras_init("depthwise_initializer"), _KERAS_BIAS),
    ),
    # tf.nn: conv1d/conv2d/conv3d have no padding default (it is required), only a layout one.
    ConvAPI(
        names=("tensorflow.nn.conv1d",),
        side=TENSORFLOW,
        positional=_split("input filters stride padding data_format dilations name"),
        defaults=(Default(LAYOUT, "data_format", "'NWC'", "channels_last", "channels-last", pin='"NWC"'),),
        window=Window(None, "stride", "dilations"),
        operands=_TF_NN_OPERANDS,
    ),
    ConvAPI(
        names=("tensorflow.nn.conv2d",),
        side=TENSORFLOW,
        positional=_split("input filters strides padding data_format dilations name"),
        defaults=(Default(LAYOUT, "data_format", "'NHWC'", "channels_last", "channels-last", pin='"NHWC"'),),
        window=_TF_NN_WINDOW,
        operands=_TF_NN_OPERANDS,
    ),
    ConvAPI(
        names=("tensorflow.nn.conv3d",),
        side=TENSORFLOW,
        positional=_split("input filters strides padding data_format dilations name"),
        defaults=(Default(LAYOUT, "data_format", "'NDHWC'", "channels_last", "channels-last", pin='"NDHWC"'),),
        window=_TF_NN_WINDOW,
        operands=_TF_NN_OPERANDS,
    ),
    ConvAPI(
        names=("tensorflow.nn.depthwise_conv2d",),
        side=TENSORFLOW,
        positional=_split("input filter strides padding data_format dilations name"),
        defaults=(Default(LAYOUT, "data_format", "None", "channels_last", "channels-last", pin='"NHWC"'),),
        window=_TF_NN_WINDOW,
    ),
    # The tf.nn transposed convs pad 'SAME' by default, unlike Keras' Conv*DTranspose ('valid').
    *(
        ConvAPI(
            names=(f"tensorflow.nn.{name}",),
            side=TENSORFLOW,
            positional=_split("input filters output_shape strides padding data_format dilations name"),
            defaults=(
                Default(PADDING, "padding", "'SAME'", "same", pin='"SAME"'),
                Default(LAYOUT, "data_format", f"'{layout}'", "channels_last", "channels-last", pin=f'"{layout}"'),
            ),
            window=_TF_NN_WINDOW,
        )
        for name, layout in (("conv1d_transpose", "NWC"), ("conv2d_transpose", "NHWC"))
    ),
    ConvAPI(
        names=("tensorflow.nn.convolution",),
        side=TENSORFLOW,
        positional=_split("input filters strides padding data_format dilations name"),
        defaults=(
            Default(PADDING, "padding", "'VALID'", "valid", pin='"VALID"'),
            Default(
                LAYOUT, "data_format", "None", "channels_last", "channels-last", pin=('"NWC"', '"NHWC"', '"NDHWC"')
            ),
        ),
        rank_params=("strides", "dilations"),
        window=_TF_NN_WINDOW,
        operands=_TF_NN_OPERANDS,
    ),
    # jax.lax: padding is always required; the layout is what is left to a default.
    ConvAPI(
        names=("jax.lax.conv_general_dilated",),
        side=JAX,
        positional=_split(
            "lhs rhs window_strides padding lhs_dilation rhs_dilation dimension_numbers"
            " feature_group_count batch_group_count precision preferred_element_type"
        ),
        defaults=(
            Default(
                LAYOUT,
                "dimension_numbers",
                "None",
                "channels_first",
                "channels-first (N,C,...)/(O,I,...)",
                pin=('("NCH", "OIH", "NCH")', '("NCHW", "OIHW", "NCHW")', '("NCDHW", "OIDHW", "NCDHW")'),
            ),
        ),
        rank_params=("window_strides", "lhs_dilation", "rhs_dilation", "padding"),
        window=Window(None, "window_strides", "rhs_dilation"),
        operands=Operands(
            "lhs", "rhs", CHANNELS_FIRST, spec="dimension_numbers", spec_has_kernel=True, groups="feature_group_count"
        ),
    ),
    _lax_fixed_layout("conv", "lhs rhs window_strides padding precision preferred_element_type"),
    _lax_fixed_layout(
        "conv_with_general_padding",
        "lhs rhs window_strides padding lhs_dilation rhs_dilation precision preferred_element_type",
    ),
    ConvAPI(
        names=("jax.lax.conv_transpose",),
        side=JAX,
        positional=_split(
            "lhs rhs strides padding rhs_dilation dimension_numbers transpose_kernel precision"
            " preferred_element_type"
        ),
        # The opposite of conv_general_dilated: None means channels-last here.
        defaults=(
            Default(
                LAYOUT,
                "dimension_numbers",
                "None",
                "channels_last",
                "channels-last (N,...,C)/(...,I,O)",
                LAX_GENERAL,
                # What jax.lax.conv_transpose substitutes for None, rank by rank.
                pin=('("NHC", "HIO", "NHC")', '("NHWC", "HWIO", "NHWC")', '("NHWDC", "HWDIO", "NHWDC")'),
            ),
            _NOT_FLIPPED,
        ),
        rank_params=("strides", "rhs_dilation", "padding"),
        window=Window(None, "strides", "rhs_dilation"),
    ),
    # Signal-style convolve: a true convolution (kernel flipped), 'full' output by default.
    _convolve(("jax.numpy.convolve",), JAX, "a v mode", "precision preferred_element_type"),
    _convolve(("jax.scipy.signal.convolve",), JAX, "in1 in2 mode method precision"),
    _convolve(("jax.scipy.signal.fftconvolve",), JAX, "in1 in2 mode axes"),
    _convolve(("numpy.convolve",), NUMPY, "a v mode"),
    _convolve(("scipy.signal.convolve",), NUMPY, "in1 in2 mode method"),
    _convolve(("scipy.signal.fftconvolve",), NUMPY, "in1 in2 mode axes"),
    _convolve(("scipy.signal.convolve2d",), NUMPY, "in1 in2 mode boundary fillvalue"),
    _convolve(("jax.scipy.signal.convolve2d",), JAX, "in1 in2 mode boundary fillvalue precision"),
    # Flax: always channels-last, so only padding and initializers are left to defaults.
    ConvAPI(
        names=("flax.linen.Conv", "flax.linen.linear.Conv"),
        side=JAX,
        positional=_split(
            "features kernel_size strides padding input_dilation kernel_dilation feature_group_count"
            " use_bias mask dtype param_dtype precision kernel_init bias_init"
        ),
        defaults=_FLAX_CONV,
        bias_switch="use_bias",
        initializers=("flax.linen.initializers",),
        family="flax",
        window=_FLAX_WINDOW,
    ),
    ConvAPI(
        names=("flax.linen.ConvTranspose", "flax.linen.linear.ConvTranspose"),
        side=JAX,
        positional=_split(
            "features kernel_size strides padding kernel_dilation use_bias mask dtype param_dtype"
            " precision kernel_init bias_init transpose_kernel"
        ),
        defaults=_FLAX_TRANSPOSE,
        bias_switch="use_bias",
        initializers=("flax.linen.initializers",),
        family="flax",
        window=_FLAX_WINDOW,
    ),
    ConvAPI(
        names=("flax.nnx.Conv",),
        side=JAX,
        positional=_split("in_features out_features kernel_size strides"),
        keyword_only=_split(
            "padding input_dilation kernel_dilation feature_group_count use_bias mask dtype"
            " param_dtype precision kernel_init bias_init rngs"
        ),
        defaults=_FLAX_CONV,
        bias_switch="use_bias",
        initializers=("flax.nnx.initializers",),
        family="flax",
        window=_FLAX_WINDOW,
        weight=Weight("kernel", "SIO"),
    ),
    ConvAPI(
        names=("flax.nnx.ConvTranspose",),
        side=JAX,
        positional=_split("in_features out_features kernel_size strides"),
        keyword_only=_split(
            "padding kernel_dilation use_bias mask dtype param_dtype precision kernel_init bias_init"
            " transpose_kernel rngs"
        ),
        defaults=_FLAX_TRANSPOSE,
        bias_switch="use_bias",
        initializers=("flax.nnx.initializers",),
        family="flax",
        window=_FLAX_WINDOW,
        weight=Weight("kernel", "SIO"),
    ),
    # Haiku.
    _haiku("Conv1D", _HAIKU_CONV, "NWC"),
    _haiku("Conv2D", _HAIKU_CONV, "NHWC"),
    _haiku("Conv3D", _HAIKU_CONV, "NDHWC"),
    _haiku("Conv1DTranspose", _HAIKU_TRANSPOSE, "NWC"),
    _haiku("Conv2DTranspose", _HAIKU_TRANSPOSE, "NHWC"),
    _haiku("Conv3DTranspose", _HAIKU_TRANSPOSE, "NDHWC"),
    _haiku("ConvND", f"num_spatial_dims {_HAIKU_CONV}", "channels_last"),
    _haiku("ConvNDTranspose", f"num_spatial_dims {_HAIKU_TRANSPOSE}", "channels_last"),
    _haiku("DepthwiseConv1D", _HAIKU_DEPTHWISE, "NWC"),
    _haiku("DepthwiseConv2D", _HAIKU_DEPTHWISE, "NHWC"),
    # Equinox and PyTorch: fixed channels-first layout and initializers no argument sets,
    # so padding is the one default a call can pin.
    _zero_padding(JAX, ("equinox.nn.Conv1d",), _EQX_CONV, "0", keyword_only=("key",)),
    _zero_padding(JAX, ("equinox.nn.Conv2d",), _EQX_CONV, "(0, 0)", keyword_only=("key",)),
    _zero_padding(JAX, ("equinox.nn.Conv3d",), _EQX_CONV, "(0, 0, 0)", keyword_only=("key",)),
    _zero_padding(JAX, ("equinox.nn.ConvTranspose1d",), _EQX_TRANSPOSE, "0", keyword_only=("key",)),
    _zero_padding(JAX, ("equinox.nn.ConvTranspose2d",), _EQX_TRANSPOSE, "(0, 0)", keyword_only=("key",)),
    _zero_padding(JAX, ("equinox.nn.ConvTranspose3d",), _EQX_TRANSPOSE, "(0, 0, 0)", keyword_only=("key",)),
    _zero_padding(JAX, ("equinox.nn.Conv",), f"num_spatial_dims {_EQX_CONV}", "0", keyword_only=("key",)),
    _zero_padding(JAX, ("equinox.nn.ConvTranspose",), _EQX_TRANSPOSE_ND, "0", keyword_only=("key",)),
    *(_zero_padding(TORCH, (f"torch.nn.Conv{n}d",), _TORCH_CONV, "0") for n in (1, 2, 3)),
    *(_zero_padding(TORCH, (f"torch.nn.ConvTranspose{n}d",), _TORCH_TRANSPOSE, "0") for n in (1, 2, 3)),
    *(
        _zero_padding(TORCH, (f"torch.nn.functional.conv{n}d", f"torch.conv{n}d"), _TORCH_FUNCTIONAL, "0")
        for n in (1, 2, 3)
    ),
    *(
        _zero_padding(TORCH, (f"torch.nn.functional.conv_transpose{n}d", f"torch.conv_transpose{n}d"), _TORCH_FUNCTIONAL_TRANSPOSE, "0")
        for n in (1, 2, 3)
    ),
)

# What the other frameworks do for each hazard, in the order a message prefers them.
CONTRASTS: dict[str, tuple[Contrast, ...]] = {
    PADDING: (
        Contrast("keras.layers.Conv1D", TENSORFLOW, "'valid'", "valid"),
        Contrast("flax.linen.Conv", JAX, "'SAME'", "same"),
        Contrast("haiku.Conv1D", JAX, "'SAME'", "same"),
        Contrast("torch.nn.Conv1d", TORCH, "0 (valid)", "valid"),
    ),
    KERNEL_INIT: (
        Contrast("keras.layers.Conv1D", TENSORFLOW, "'glorot_uniform'", "glorot_uniform"),
        Contrast("flax.linen.Conv", JAX, "lecun_normal()", "lecun_normal"),
        Contrast("haiku.Conv1D", JAX, "TruncatedNormal(1/sqrt(fan_in))", "truncated_normal"),
        Contrast("torch.nn.Conv1d", TORCH, "kaiming_uniform_(a=sqrt(5))", "kaiming_uniform"),
    ),
    BIAS_INIT: (
        Contrast("keras.layers.Conv1D", TENSORFLOW, "'zeros'", "zeros"),
        Contrast("torch.nn.Conv1d", TORCH, "U(-1/sqrt(fan_in), 1/sqrt(fan_in))", "uniform"),
        Contrast("equinox.nn.Conv1d", JAX, "U(-1/sqrt(fan_in), 1/sqrt(fan_in))", "uniform"),
    ),
    LAYOUT: (
        Contrast("keras.layers.Conv1D", TENSORFLOW, "channels-last", "channels_last"),
        Contrast("jax.lax.conv_general_dilated", JAX, "channels-first", "channels_first"),
        Contrast("flax.linen.Conv", JAX, "channels-last", "channels_last"),
        Contrast("torch.nn.Conv1d", TORCH, "channels-first", "channels_first"),
    ),
    CONVOLVE_MODE: (
        Contrast("keras.layers.Conv1D", TENSORFLOW, "'valid' without flipping the kernel", "valid"),
        Contrast("flax.linen.Conv", JAX, "'SAME' without flipping the kernel", "same"),
    ),
    TRANSPOSE_KERNEL: (
        Contrast("keras.layers.Conv1DTranspose", TENSORFLOW, "a flipped kernel (the transpose of Conv1D)", "flipped"),
        Contrast("torch.nn.ConvTranspose1d", TORCH, "a flipped kernel (the transpose of Conv1d)", "flipped"),
        Contrast("jax.lax.conv_transpose", JAX, "transpose_kernel=False (not flipped)", "not_flipped"),
    ),
}


# `conv-lint fix --align-with TARGET` makes a call behave like TARGET's default conv layer:
# what that layer does for each hazard (as a `kind`), ...
ALIGN_TARGETS: dict[str, dict[str, str]] = {
    "tensorflow": {PADDING: "valid", KERNEL_INIT: "glorot_uniform", BIAS_INIT: "zeros"},
    "flax": {PADDING: "same", KERNEL_INIT: "lecun_normal", BIAS_INIT: "zeros"},
    "torch": {PADDING: "valid", KERNEL_INIT: "kaiming_uniform", BIAS_INIT: "uniform"},
}
# JAX's own conv functions have no padding or initializer defaults; its layer library's do.
ALIGN_TARGETS["jax"] = ALIGN_TARGETS["flax"]
ALIGN_CHOICES = tuple(sorted(ALIGN_TARGETS))

# ... and how each family writes that kind. A missing entry means the family cannot express
# it (no Keras initializer draws a bias from U(±1/sqrt(fan_in)) of the kernel's fan-in).
# torch's kaiming_uniform_(a=sqrt(5)) is U(±1/sqrt(fan_in)): variance scaling 1/3, fan_in, uniform.
ALIGN_SOURCES: dict[str, dict[tuple[str, str], str]] = {
    "keras": {
        (PADDING, "valid"): '"valid"',
        (PADDING, "same"): '"same"',
        (KERNEL_INIT, "glorot_uniform"): '"glorot_uniform"',
        (KERNEL_INIT, "lecun_normal"): '"lecun_normal"',
        (KERNEL_INIT, "kaiming_uniform"): '{init}.VarianceScaling(scale=1 / 3, mode="fan_in", distribution="uniform")',
        (BIAS_INIT, "zeros"): '"zeros"',
    },
    "flax": {
        (PADDING, "valid"): '"VALID"',
        (PADDING, "same"): '"SAME"',
        (KERNEL_INIT, "glorot_uniform"): "{init}.glorot_uniform()",
        (KERNEL_INIT, "lecun_normal"): "{init}.lecun_normal()",
        (KERNEL_INIT, "kaiming_uniform"): '{init}.variance_scaling(1 / 3, "fan_in", "uniform")',
        (BIAS_INIT, "zeros"): "{init}.zeros",
    },
    "haiku": {
        (PADDING, "valid"): '"VALID"',
        (PADDING, "same"): '"SAME"',
        (KERNEL_INIT, "glorot_uniform"): '{init}.VarianceScaling(1.0, "fan_avg", "uniform")',
        (KERNEL_INIT, "lecun_normal"): '{init}.VarianceScaling(1.0, "fan_in", "truncated_normal")',
        (KERNEL_INIT, "kaiming_uniform"): '{init}.VarianceScaling(1 / 3, "fan_in", "uniform")',
        (BIAS_INIT, "zeros"): "{init}.Constant(0.0)",
    },
    "equinox": {(PADDING, "valid"): "0", (PADDING, "same"): '"SAME"'},
    # torch's padding="same" exists for stride 1 only.
    "torch": {(PADDING, "valid"): "0", (PADDING, "same"): '"same"'},
}


# -- Arrays and initializers, for following kernel shapes (conv_lint.shapes) and for the
# initializer rules. Positions and keywords are read off the signatures (tests check them).


@dataclass(frozen=True)
class Slot:
    """Where a function takes an argument: by position or keyword; ``varargs``: the shape as
    separate integers (``np.random.randn(3, 1, 1)``, ``torch.zeros(3, 1, 1)``)."""

    position: int
    keyword: str | None = None
    varargs: bool = False


# Functions that create an array of a shape written in the call.
ARRAY_MAKERS: dict[str, Slot] = {
    **{f"jax.random.{name}": Slot(1, "shape") for name in ("normal", "uniform", "laplace", "logistic", "gumbel")},
    "jax.random.truncated_normal": Slot(3, "shape"),
    **{f"{module}.{name}": Slot(0, "shape") for module in ("jax.numpy", "numpy") for name in ("zeros", "ones", "empty", "full")},
    "numpy.random.normal": Slot(2, "size"),
    "numpy.random.uniform": Slot(2, "size"),
    "numpy.random.standard_normal": Slot(0, "size"),
    "numpy.random.randn": Slot(0, varargs=True),
    "numpy.random.rand": Slot(0, varargs=True),
    **{f"tensorflow.{name}": Slot(0, "shape") for name in ("zeros", "ones", "random.normal", "random.uniform", "random.truncated_normal")},
    **{f"torch.{name}": Slot(0, "size", varargs=True) for name in ("zeros", "ones", "empty", "randn", "rand")},
}
# Functions that hand back their first argument's array (same shape, same layout).
ARRAY_COPIES = frozenset(
    {
        *(f"{module}.{name}" for module in ("jax.numpy", "numpy") for name in ("asarray", "array", "copy")),
        "jax.device_put",
        "tensorflow.constant",
        "tensorflow.convert_to_tensor",
        "tensorflow.Variable",
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
    }
)
# array -> new shape
RESHAPES: dict[str, Slot] = {
    "jax.numpy.reshape": Slot(1, "shape"),
    "numpy.reshape": Slot(1, "shape"),
    "tensorflow.reshape": Slot(1, "shape"),
    "torch.reshape": Slot(1, "shape"),
}
# array -> permutation of its axes
PERMUTES: dict[str, Slot] = {
    "jax.numpy.transpose": Slot(1, "axes"),
    "numpy.transpose": Slot(1, "axes"),
    "tensorflow.transpose": Slot(1, "perm"),
    "torch.permute": Slot(1, "dims"),
}
# array -> two axes swapped
SWAPS: dict[str, tuple[Slot, Slot]] = {
    "jax.numpy.swapaxes": (Slot(1, "axis1"), Slot(2, "axis2")),
    "numpy.swapaxes": (Slot(1, "axis1"), Slot(2, "axis2")),
    "torch.transpose": (Slot(1, "dim0"), Slot(2, "dim1")),
    "torch.swapaxes": (Slot(1, "axis0"), Slot(2, "axis1")),
}
# Methods of an array that keep its shape and layout.
SAME_ARRAY_METHODS = frozenset(
    {"astype", "copy", "clone", "detach", "cpu", "numpy", "contiguous", "to", "float", "double", "block_until_ready"}
)
# Where weights exported from a layer keep the kernel, by each framework's naming: PyTorch and
# Equinox call it `weight`, (out, in, *k); Keras and Flax `kernel`, (*k, in, out). The same names
# are the keys of a PyTorch state dict ("conv.weight") and of Flax params ("kernel").
KERNEL_NAMES: dict[str, str] = {"weight": "OIS", "kernel": "SIO"}

# Initializer modules, and where the initializers they make take the shape when called:
# JAX-style (key, shape, dtype), Haiku (shape, dtype).
INITIALIZER_MODULES: dict[str, int] = {
    "jax.nn.initializers": 1,
    "flax.linen.initializers": 1,
    "flax.nnx.initializers": 1,
    "haiku.initializers": 0,
}
# In the JAX-style modules these are initializers themselves, not factories of one.
INITIALIZER_FUNCTIONS = frozenset({"zeros", "ones"})

# Truncated normals whose `stddev` is that of the normal before truncation (at ±2 stddev), with
# no correction: the samples' std is 0.88 stddev. (variance_scaling and lecun_normal correct it.)
TRUNCATED_NORMALS: dict[str, Slot] = {
    "haiku.initializers.TruncatedNormal": Slot(0, "stddev"),
    **{f"{module}.truncated_normal": Slot(0, "stddev") for module in INITIALIZER_MODULES if module != "haiku.initializers"},
    **{f"{prefix}.initializers.TruncatedNormal": Slot(1, "stddev") for prefix in ("keras", "tensorflow.keras", "tf_keras")},
}
# The std of a standard normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978

# Random draws whose spread is written as a formula: uniform(low, high) and normal(std)...
UNIFORM_BOUNDS: dict[str, tuple[Slot, Slot]] = {
    "jax.random.uniform": (Slot(3, "minval"), Slot(4, "maxval")),
    "numpy.random.uniform": (Slot(0, "low"), Slot(1, "high")),
    "tensorflow.random.uniform": (Slot(1, "minval"), Slot(2, "maxval")),
    "torch.nn.init.uniform_": (Slot(1, "a"), Slot(2, "b")),
}
NORMAL_STDS: dict[str, Slot] = {
    "numpy.random.normal": Slot(1, "scale"),
    "tensorflow.random.normal": Slot(2, "stddev"),
    "torch.nn.init.normal_": Slot(2, "std"),
}
# ... or drawn with std 1 and then scaled: `jax.random.normal(key, shape) * std`.
STANDARD_NORMALS = frozenset(
    {"jax.random.normal", "numpy.random.randn", "numpy.random.standard_normal", "torch.randn", "tensorflow.random.normal"}
)


# `frameworks = [...]` in [tool.conv-lint]: the frameworks a team ports between. Each name covers
# top-level packages of the catalog's API names (a test checks every package is covered). `jax`
# is the ecosystem: lax, jax.numpy and jax.scipy and the layer libraries built on them; a layer
# library alone brings JAX itself with it, since every Flax, Haiku or Equinox user can call lax.
TARGET_FRAMEWORKS: dict[str, frozenset[str]] = {
    TENSORFLOW: frozenset({"tensorflow", "keras", "tf_keras"}),
    JAX: frozenset({"jax", "flax", "haiku", "equinox"}),
    "flax": frozenset({"jax", "flax"}),
    "haiku": frozenset({"jax", "haiku"}),
    "equinox": frozenset({"jax", "equinox"}),
    TORCH: frozenset({"torch"}),
    NUMPY: frozenset({"numpy", "scipy"}),
}
# Other spellings of the same frameworks (compared in lower case).
TARGET_ALIASES: dict[str, str] = {
    "tf": TENSORFLOW,
    "keras": TENSORFLOW,
    "tf.keras": TENSORFLOW,
    "tf_keras": TENSORFLOW,
    "pytorch": TORCH,
    "scipy": NUMPY,
}


def package(name: str) -> str:
    """The top-level package of a qualified name: what ``TARGET_FRAMEWORKS`` is written in."""
    return name.split(".", 1)[0]


def target_packages(frameworks: tuple[str, ...]) -> frozenset[str]:
    """Every package the listed target frameworks cover."""
    return frozenset().union(*(TARGET_FRAMEWORKS[name] for name in frameworks))


@dataclass(frozen=True)
class Comparison:
    """What a message says of other frameworks: the defaults that differ from the call's or,
    when no target framework's does, those that agree (so the message can say so)."""

    differ: tuple[Contrast, ...] = ()
    agree: tuple[Contrast, ...] = ()


def compare(api: ConvAPI, default: Default, frameworks: tuple[str, ...] = ()) -> Comparison:
    """The frameworks a message about ``default`` names.

    Without target frameworks, the one ``contrast_for`` prefers. With them, one contrast per
    listed framework whose default differs (Keras with ``jax, torch`` names Flax and PyTorch),
    and never a framework outside the list; if none of them differs, the listed frameworks on
    the other side that agree, since "the same in PyTorch" is what a team porting to PyTorch
    needs to know about this default. Nothing when the catalog knows no listed framework's default.
    """
    if not frameworks:
        contrast = contrast_for(api, default)
        return Comparison(differ=(contrast,) if contrast else ())
    differ = _one_per_framework(default, frameworks, lambda c: c.kind != default.kind)
    if differ:
        return Comparison(differ=differ)
    agree = _one_per_framework(default, frameworks, lambda c: c.kind == default.kind and c.side != api.side)
    return Comparison(agree=agree)


def _one_per_framework(
    default: Default, frameworks: tuple[str, ...], wanted: Callable[[Contrast], bool]
) -> tuple[Contrast, ...]:
    chosen: list[Contrast] = []
    for name in frameworks:
        candidates = [c for c in CONTRASTS[default.hazard] if package(c.api) in TARGET_FRAMEWORKS[name] and wanted(c)]
        preferred = [c for c in candidates if c.api == default.contrast] or candidates
        if preferred and preferred[0] not in chosen:
            chosen.append(preferred[0])
    return tuple(chosen)


def contrast_for(api: ConvAPI, default: Default) -> Contrast | None:
    """The framework whose default differs most usefully from ``default``.

    Prefer a framework on another side (TensorFlow vs JAX), since that is the port our
    users make; fall back to one on the same side (lax.conv_transpose vs
    lax.conv_general_dilated). None when every framework agrees.
    """
    differing = [c for c in CONTRASTS[default.hazard] if c.kind != default.kind]
    for contrast in differing:
        if contrast.api == default.contrast:
            return contrast
    for contrast in differing:
        if contrast.side != api.side:
            return contrast
    return differing[0] if differing else None


def _word_pattern(words: set[str]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(word.encode()) for word in sorted(words, key=len, reverse=True))
    return re.compile(rb"\b(?:" + alternatives + rb")\b")


@dataclass
class Catalog:
    """Look-ups over ``APIS`` by qualified name."""

    apis: tuple[ConvAPI, ...] = APIS
    by_name: dict[str, ConvAPI] = field(init=False)
    leaf_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {name: api for api in self.apis for name in api.names}
        self.leaf_names = frozenset(name.rsplit(".", 1)[1] for name in self.by_name)
        self._leaf_word = _word_pattern(set(self.leaf_names))
        self._package_word = _word_pattern({name.split(".", 1)[0] for name in self.by_name})

    def lookup(self, qualified_name: str) -> ConvAPI | None:
        return self.by_name.get(qualified_name)

    def mentions_any(self, source: bytes) -> bool:
        """Cheap pre-check, sound for conv-lint's resolution: a call can only resolve to a
        catalog API if the file spells the API's name (``Conv1D``, ``conv``) and imports its
        package, whose name it must then spell too (``keras``, ``jax``) as a whole word."""
        return bool(self._leaf_word.search(source)) and bool(self._package_word.search(source))


CATALOG = Catalog()
