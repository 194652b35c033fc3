"""The convolution APIs conv-lint knows, one ``ConvAPI`` entry each, with the defaults they fill in.

Every value here was read off the installed framework (``inspect.signature`` and small
experiments; see ``tests/test_catalog_truth.py``, which fails when a release changes one).
Adding an API is one entry in ``APIS``: check, fix, the reports, the flake8 plugin and verify
are all driven from this table. ``docs/defaults.md`` is generated from it
(``conv-lint defaults``).
"""

from __future__ import annotations

from conv_lint.catalog.model import (
    BIAS_INIT, CHANNELS_FIRST, CHANNELS_LAST, CONVOLVE_MODE, JAX, KERNEL_INIT, LAYOUT, NUMPY, PADDING, TENSORFLOW,
    TORCH, TRANSPOSE_KERNEL, ConvAPI, Default, Operands, Weight, Window,
)


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


# Where Keras 2 code imports the conv layers from: Keras 2 released as `keras` (`keras.layers.convolutional`,
# in later 2.x releases a package of one module per layer, the layout tf_keras keeps under
# tf_keras.src), and TensorFlow's own copy (`tensorflow.python.keras`, still shipped in 2.21).
# Keras 3 has neither path, so a call through them is Keras 2 and gets tf_keras's defaults.
KERAS_2_LEGACY_LAYERS = (
    "keras.layers.convolutional",
    "tensorflow.python.keras.layers",
    "tensorflow.python.keras.layers.convolutional",
)
# Layers tensorflow.python.keras does not have (TensorFlow 2.21; tests/test_catalog_truth.py imports every name).
_NOT_IN_TENSORFLOW_PYTHON_KERAS = frozenset({"DepthwiseConv1D", "Convolution1DTranspose"})


def _keras_2_legacy_names(leaves: str) -> tuple[str, ...]:
    """The legacy Keras 2 names of ``leaves``: each module path above, and
    ``keras.layers.convolutional.<module>`` (``conv1d``, ``separable_conv2d``) that defines the class."""
    module = leaves.split()[0].lower()
    for word in ("separable", "depthwise"):
        module = module.replace(word, f"{word}_")
    module = module.replace("transpose", "_transpose")
    names = _names((*KERAS_2_LEGACY_LAYERS, f"keras.layers.convolutional.{module}"), leaves)
    return tuple(
        name for name in names
        if not (name.startswith("tensorflow.python.") and name.rpartition(".")[2] in _NOT_IN_TENSORFLOW_PYTHON_KERAS)
    )


def _keras(
    leaves: str, positional: str, defaults: tuple[Default, ...] = _KERAS_CONV, weight: Weight | None = None,
    prefixes: tuple[str, ...] = KERAS_LAYERS,
) -> ConvAPI:
    names = _names(prefixes, leaves)
    if "tf_keras.layers" in prefixes:  # the Keras 2 entry: also where Keras 2 code imports it from
        names += _keras_2_legacy_names(leaves)
    return ConvAPI(
        names=names,
        side=TENSORFLOW,
        positional=_split(positional),
        defaults=defaults,
        bias_switch="use_bias",
        initializers=("keras.initializers", "tensorflow.keras.initializers", "tf_keras.initializers"),
        library="keras",
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
        library="haiku",
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
        library="equinox" if side == JAX else "torch",
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
TF_V1_NN = "tensorflow.compat.v1.nn"
_TF_V1_NN_OPERANDS = Operands("input", "filter", CHANNELS_LAST, spec="data_format")
TF_V1_LAYERS = "tensorflow.compat.v1.layers"
_TF_V1_LAYERS_CONV_ARGS = (
    "inputs filters kernel_size strides padding data_format dilation_rate activation use_bias"
    " kernel_initializer bias_initializer"
)
_TF_V1_LAYERS_TRANSPOSE_ARGS = (
    "inputs filters kernel_size strides padding data_format activation use_bias kernel_initializer bias_initializer"
)

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
    _keras("Conv3DTranspose Convolution3DTranspose", _KERAS_TRANSPOSE_3D_ARGS, weight=_KERAS_TRANSPOSE_KERNEL, prefixes=_KERAS_3_LAYERS),
    _keras("Conv3DTranspose Convolution3DTranspose", _KERAS_TRANSPOSE_ARGS, weight=_KERAS_TRANSPOSE_KERNEL, prefixes=_TF_KERAS_LAYERS),
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
            names=(f"tensorflow.nn.{name}", *also),
            side=TENSORFLOW,
            positional=_split("input filters output_shape strides padding data_format dilations name"),
            defaults=(
                Default(PADDING, "padding", "'SAME'", "same", pin='"SAME"'),
                Default(LAYOUT, "data_format", f"'{layout}'", "channels_last", "channels-last", pin=f'"{layout}"'),
            ),
            window=_TF_NN_WINDOW,
        )
        for name, layout, also in (
            # tf.compat.v1.nn.conv1d_transpose is this very function (tests/test_catalog_truth.py).
            ("conv1d_transpose", "NWC", ("tensorflow.compat.v1.nn.conv1d_transpose",)),
            ("conv2d_transpose", "NHWC", ()),
        )
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
    # tf.compat.v1.nn (TF1 code: `import tensorflow.compat.v1 as tf`): functions of their own, not
    # tf.nn's, that take the kernel as `filter` (conv1d: `value`, `filters`) and other arguments in
    # another order; conv1d, convolution and depthwise_conv2d default data_format to None, channels-last.
    ConvAPI(
        names=(f"{TF_V1_NN}.conv1d",),
        side=TENSORFLOW,
        positional=_split("value filters stride padding use_cudnn_on_gpu data_format name input dilations"),
        defaults=(Default(LAYOUT, "data_format", "None", "channels_last", "channels-last", pin='"NWC"'),),
        window=Window(None, "stride", "dilations"),
        operands=Operands("value", "filters", CHANNELS_LAST, spec="data_format"),
    ),
    *(
        ConvAPI(
            names=(f"{TF_V1_NN}.{leaf}",),
            side=TENSORFLOW,
            positional=_split(positional),
            defaults=(Default(LAYOUT, "data_format", f"'{layout}'", "channels_last", "channels-last", pin=f'"{layout}"'),),
            window=_TF_NN_WINDOW,
            operands=_TF_V1_NN_OPERANDS,
        )
        for leaf, layout, positional in (
            ("conv2d", "NHWC", "input filter strides padding use_cudnn_on_gpu data_format dilations name filters"),
            ("conv3d", "NDHWC", "input filter strides padding data_format dilations name filters"),
        )
    ),
    ConvAPI(
        names=(f"{TF_V1_NN}.conv2d_transpose",),
        side=TENSORFLOW,
        positional=_split("value filter output_shape strides padding data_format name input filters dilations"),
        defaults=(
            Default(PADDING, "padding", "'SAME'", "same", pin='"SAME"'),
            Default(LAYOUT, "data_format", "'NHWC'", "channels_last", "channels-last", pin='"NHWC"'),
        ),
        window=_TF_NN_WINDOW,
    ),
    # Unlike tf.nn.convolution, v1's takes padding third and requires it.
    ConvAPI(
        names=(f"{TF_V1_NN}.convolution",),
        side=TENSORFLOW,
        positional=_split("input filter padding strides dilation_rate name data_format filters dilations"),
        defaults=(
            Default(
                LAYOUT, "data_format", "None", "channels_last", "channels-last", pin=('"NWC"', '"NHWC"', '"NDHWC"')
            ),
        ),
        rank_params=("strides", "dilation_rate", "dilations"),
        window=Window(None, "strides", "dilation_rate"),
        operands=_TF_V1_NN_OPERANDS,
    ),
    ConvAPI(
        names=(f"{TF_V1_NN}.depthwise_conv2d",),
        side=TENSORFLOW,
        positional=_split("input filter strides padding rate name data_format dilations"),
        defaults=(Default(LAYOUT, "data_format", "None", "channels_last", "channels-last", pin='"NHWC"'),),
        window=Window(None, "strides", "rate"),
    ),
    # TF1's layers as functions (tf.compat.v1.layers.conv2d(inputs, filters, kernel_size)): tf_keras's
    # layers underneath (TensorFlow 2.16+ has them only with TF_USE_LEGACY_KERAS=1 and tf_keras
    # installed). kernel_initializer=None is get_variable's default: the enclosing variable_scope's
    # initializer, glorot_uniform when it sets none. Measured in tests/test_catalog_truth.py.
    *(
        ConvAPI(
            names=(f"{TF_V1_LAYERS}.{leaf}",),
            side=TENSORFLOW,
            positional=_split(positional),
            defaults=(
                _KERAS_PADDING,
                Default(LAYOUT, "data_format", "'channels_last'", "channels_last", "channels-last",
                        pin='"channels_last"'),
                Default(
                    KERNEL_INIT, "kernel_initializer", "None", "glorot_uniform",
                    "glorot_uniform, or the enclosing variable_scope's initializer",
                    no_pin="kernel_initializer=None takes the enclosing tf.variable_scope's initializer, "
                    "glorot_uniform only where no scope sets one",
                ),
                Default(BIAS_INIT, "bias_initializer", "zeros_initializer()", "zeros", pin='"zeros"'),
            ),
            bias_switch="use_bias",
            window=Window("kernel_size", "strides", "dilation_rate" if "dilation_rate" in positional else None),
        )
        for leaf, positional in (
            *((f"conv{n}d", _TF_V1_LAYERS_CONV_ARGS) for n in (1, 2, 3)),
            *((f"conv{n}d_transpose", _TF_V1_LAYERS_TRANSPOSE_ARGS) for n in (2, 3)),
        )
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
        library="flax",
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
        library="flax",
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
        library="flax",
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
        library="flax",
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
