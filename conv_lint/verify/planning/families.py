"""Each framework's spelling of a convolution, read into one neutral description and written back.

``read`` turns a call's known arguments into a ``Conv`` (rank, filters, kernel size, strides,
dilation, padding, layout, bias), filling in what the call leaves out with the defaults the
catalog records (Keras's data_format=None: the user's keras.json, as Keras itself does). ``write`` spells a ``Conv`` as a call of some framework (a ``Call`` a worker
can run), leaving chosen hazards to that framework's defaults: that is how a finding's
counterpart is made, and, with nothing left out, the aligned port a fix describes.
``native`` is the call exactly as written. Pure Python: the parent never imports a framework.
"""

from __future__ import annotations

from dataclasses import replace

from conv_lint.catalog import (
    ALIGN_SOURCES, BIAS_INIT, CATALOG, JAX, KERNEL_INIT, LAYOUT, PADDING, TENSORFLOW, TF_V1_LAYERS, ConvAPI,
)
from conv_lint.verify.planning.values import NotStatic

from conv_lint.verify.planning.arguments import (
    boolean,
    default_kind,
    integer,
    integers,
    literal,
    rank_from,
    read_channels_last,
    read_padding,
)
from conv_lint.verify.planning.conv import SPATIAL, Call, Conv, Padding, Unsupported
from conv_lint.verify.planning.keras_config import keras_image_data_format
from conv_lint.verify.planning.probe import Probe



def layout_letters(rank: int, channels_last: bool) -> str:
    return f"N{SPATIAL[rank]}C" if channels_last else f"NC{SPATIAL[rank]}"


def _tuple(values: tuple[int, ...]) -> str:
    return repr(tuple(values))


def _pairs(pairs: tuple[tuple[int, int], ...]) -> str:
    return repr(tuple(tuple(pair) for pair in pairs))


class Family:
    """One framework's spelling of a convolution."""

    name = ""
    worker = JAX
    kind = "function"
    params: tuple[str, ...] = ()  # the arguments a native run passes on (others do not change the math)
    hazard_params: dict[str, str] = {}  # hazard -> the parameter that sets it
    align = ""  # this family's table in catalog.ALIGN_SOURCES
    initializers = ""  # the module `{init}` stands for in ALIGN_SOURCES

    def runs(self, api: ConvAPI) -> bool:
        """Whether this family models the catalog entry ``api`` (read from the entry, so a new
        entry of a modelled kind needs nothing here)."""
        return False

    def read(self, api: ConvAPI, args: dict, probe: Probe) -> Conv:
        raise NotImplementedError

    def runs_as(self, api: ConvAPI) -> str:
        """Why the call runs as another API than ``api`` (a note for the report); "" when it runs as written."""
        return ""

    def write(self, conv: Conv, omit: frozenset[str] = frozenset()) -> Call:
        """``conv`` as a call of this family, leaving the hazards in ``omit`` to its defaults."""
        raise NotImplementedError

    def ignored(self, api: ConvAPI, args: dict) -> tuple[str, ...]:
        """The initializers the call passes that its API does not take: Keras 2 (``tf_keras``) accepts
        ``kernel_initializer`` for a separable layer and creates no weight with it, Keras 3 refuses it.
        Leaving them out runs what the call computes."""
        initializers = (self.hazard_params.get(KERNEL_INIT), self.hazard_params.get(BIAS_INIT))
        return tuple(name for name in initializers if name in args and name not in api.parameters)

    def native(self, api: ConvAPI, args: dict, conv: Conv) -> Call:
        """The call as written: its own known arguments, fed in its own layout."""
        kwargs = []
        ignored = self.ignored(api, args)
        for name in self.params:
            known = args.get(name)
            if name in ignored:
                continue
            if isinstance(known, NotStatic):
                raise NotStatic(f"{name}: {known}")
            if known is not None:
                kwargs.append((name, known.source))
        return replace(self.write(conv), api=api.name, kwargs=tuple(kwargs))

    def relaid(self, call: Call, conv: Conv, channels_last: bool) -> Call:
        """``call`` once its layout argument says ``channels_last``: what else a user changing it must
        move with it (nothing, but where arguments are written per axis of the data, as in tf.nn)."""
        return call

    def translated(self, conv: Conv, omit: frozenset[str] = frozenset()) -> Call | None:
        """``conv`` in another framework, for a family that cannot spell another framework's default
        itself (PyTorch's transposed convolutions take no 'same'); None where it can."""
        return None

    def padding_source(self, conv: Conv) -> tuple[str, tuple[tuple[int, int], ...]]:
        """How this family writes ``conv``'s padding: an argument, and any separate zero-padding step."""
        if conv.padding.kind in ("valid", "same") and self.align:
            return ALIGN_SOURCES[self.align][(PADDING, conv.padding.kind)], ()
        padding = conv.explicit_padding()
        if padding.kind == "explicit":
            return _pairs(padding.pairs), ()
        raise Unsupported(f"{self.name} has no padding {padding.kind!r}")

    def align_source(self, hazard: str, kind: str) -> str | None:
        """What ``conv-lint fix --align-with`` writes for a hazard of this family (None: it cannot)."""
        template = ALIGN_SOURCES.get(self.align, {}).get((hazard, kind))
        return None if template is None else template.replace("{init}", self.initializers)

    def _settings(self, conv: Conv, names: dict[str, str], omit: frozenset[str]) -> dict[str, str]:
        """Strides, dilation, groups and bias under this family's names; padding unless left to the default."""
        kwargs = {}
        for setting, values in (("strides", conv.strides), ("dilation", conv.dilation)):
            if any(v != 1 for v in values):
                kwargs[names[setting]] = _tuple(values)
        if conv.groups != 1:
            kwargs[names["groups"]] = str(conv.groups)
        if "bias" in names:
            kwargs[names["bias"]] = str(conv.use_bias)
        if PADDING not in omit:
            kwargs["padding"], _ = self.padding_source(conv)
        return kwargs


class Layer(Family):
    """A conv layer (Keras, Flax, Haiku, Equinox): the same settings under each library's names."""

    names: dict[str, str] = {}  # setting (filters, kernel, strides, dilation, groups, bias, in_channels, layout) -> parameter
    layout = ""  # "channels_last" or "channels_first" when fixed; "" when the `layout` parameter says

    def runs(self, api):
        """A layer of this library (the catalog's ``library``) taking this family's filter count, kernel
        size and, where the family has one, kernel initializer: depthwise and separable layers do not."""
        required = {self.names["filters"], self.names["kernel"], self.hazard_params.get(KERNEL_INIT)} - {None}
        return api.library == self.align and required <= set(api.parameters)

    def rank(self, api: ConvAPI, args: dict) -> int:
        """Conv1D → 1, or ``num_spatial_dims`` for the N-d layers."""
        leaf = api.name.rsplit(".", 1)[1]
        return integer(args, "num_spatial_dims") if not leaf[-2].isdigit() else int(leaf[-2])

    def api_name(self, rank: int) -> str:
        raise NotImplementedError

    def layout_source(self, conv: Conv) -> str:
        """The layout parameter's value for ``conv.channels_last``."""
        raise NotImplementedError

    def omitted_channels_last(self) -> bool:
        """The layout a call that does not pass the layout parameter runs in."""
        return True

    def read(self, api, args, probe):
        names, rank = self.names, self.rank(api, args)
        layout = self.layout or default_kind(api, names.get("layout", ""), "")
        return Conv(
            rank=rank,
            filters=integer(args, names["filters"]),
            kernel_size=integers(args, names["kernel"], rank, default=None),
            strides=integers(args, names["strides"], rank),
            dilation=integers(args, names["dilation"], rank),
            padding=read_padding(literal(args, "padding"), rank, default_kind(api, "padding", "valid")),
            channels_last=read_channels_last(literal(args, names["layout"]) if "layout" in names else None, layout),
            use_bias=boolean(args, names["bias"], True),
            groups=integer(args, names["groups"], 1),
            in_channels=integer(args, names["in_channels"]) if "in_channels" in names else None,
        )

    def write(self, conv, omit=frozenset()):
        names = self.names
        kwargs = {names["in_channels"]: str(conv.in_channels)} if "in_channels" in names else {}
        kwargs.update({names["filters"]: str(conv.filters), names["kernel"]: _tuple(conv.kernel_size)})
        kwargs.update(self._settings(conv, names, omit))
        pad = self.padding_source(conv)[1] if PADDING not in omit else ()
        if "layout" in names and LAYOUT not in omit:
            kwargs[names["layout"]] = self.layout_source(conv)
        if self.layout:
            channels_last = self.layout == "channels_last"
        else:
            channels_last = conv.channels_last if LAYOUT not in omit else self.omitted_channels_last()
        letters = layout_letters(conv.rank, channels_last)
        return Call(self.api_name(conv.rank), tuple(kwargs.items()), self.kind, self.worker, letters, letters,
                    pad=pad, use_bias=conv.use_bias)


class Keras(Layer):
    name, worker, kind, align, initializers = "keras", TENSORFLOW, "keras_layer", "keras", "keras.initializers"
    names = {"filters": "filters", "kernel": "kernel_size", "strides": "strides", "dilation": "dilation_rate",
             "groups": "groups", "bias": "use_bias", "layout": "data_format"}
    params = (*names.values(), "padding", "kernel_initializer", "bias_initializer")
    hazard_params = {PADDING: "padding", LAYOUT: "data_format", KERNEL_INIT: "kernel_initializer",
                     BIAS_INIT: "bias_initializer"}

    def api_name(self, rank):
        return f"keras.layers.Conv{rank}D"

    def read(self, api, args, probe):
        conv = super().read(api, args, probe)
        if literal(args, self.names["layout"]) is None:
            return replace(conv, channels_last=self.omitted_channels_last())
        return conv

    def omitted_channels_last(self) -> bool:
        """data_format=None follows ``image_data_format`` in the user's keras.json, as the worker's Keras does."""
        return keras_image_data_format() == "channels_last"

    def layout_source(self, conv):
        return repr("channels_last" if conv.channels_last else "channels_first")

    def padding_source(self, conv):
        if conv.padding.kind == "causal" and conv.rank == 1:
            return repr("causal"), ()
        padding = conv.explicit_padding()
        if padding.kind == "explicit":  # Keras pads explicitly with a ZeroPadding layer before a 'valid' conv
            return ALIGN_SOURCES["keras"][(PADDING, "valid")], padding.pairs
        return super().padding_source(conv)


class TfV1Layers(Keras):
    """TF1's layer functions (``tf.compat.v1.layers.conv2d(inputs, filters, kernel_size)``), run as
    tf_keras's layer of the same rank: they are tf_keras's conv layers underneath (TensorFlow 2.16+ has
    them only with TF_USE_LEGACY_KERAS=1), with the same defaults, measured in both by
    tests/test_catalog_truth.py (kernel_initializer=None: glorot_uniform where no variable_scope sets one)."""

    name = "tf.compat.v1.layers"

    def runs(self, api):
        required = {self.names["filters"], self.names["kernel"], self.hazard_params[KERNEL_INIT]}
        return api.provider == TF_V1_LAYERS and required <= set(api.parameters)

    def api_name(self, rank):
        return f"tf_keras.layers.Conv{rank}D"

    def read(self, api, args, probe):
        return Layer.read(self, api, args, probe)  # a fixed 'channels_last', not keras.json's

    def native(self, api, args, conv):
        return replace(super().native(api, args, conv), api=self.api_name(conv.rank))

    def runs_as(self, api):
        return (f"{api.name} is run as {self.api_name(api.spatial_dims)}, the layer it builds (TensorFlow has TF1's "
                "layers only with TF_USE_LEGACY_KERAS=1): tests/test_catalog_truth.py measures the same defaults in both")


class FlaxLinen(Layer):
    name, kind, align, initializers, layout = "flax", "flax_linen", "flax", "flax.linen.initializers", "channels_last"
    names = {"filters": "features", "kernel": "kernel_size", "strides": "strides", "dilation": "kernel_dilation",
             "groups": "feature_group_count", "bias": "use_bias"}
    params = (*names.values(), "padding", "kernel_init", "bias_init")
    hazard_params = {PADDING: "padding", KERNEL_INIT: "kernel_init", BIAS_INIT: "bias_init"}

    def rank(self, api, args):
        kernel_size = literal(args, "kernel_size")
        if kernel_size is None:
            raise NotStatic("kernel_size is not passed")
        return len(kernel_size) if isinstance(kernel_size, (tuple, list)) else 1

    def read(self, api, args, probe):
        rank = self.rank(api, args)
        if integers(args, "input_dilation", rank) != (1,) * rank:
            raise Unsupported("input_dilation (a transposed convolution) is not modelled")
        return super().read(api, args, probe)

    def api_name(self, rank):
        return "flax.linen.Conv"


class FlaxNNX(FlaxLinen):
    name, kind, initializers = "flax.nnx", "flax_nnx", "flax.nnx.initializers"
    names = {**FlaxLinen.names, "filters": "out_features", "in_channels": "in_features"}
    params = (*names.values(), "padding", "kernel_init", "bias_init")

    def api_name(self, rank):
        return "flax.nnx.Conv"


class Haiku(Layer):
    name, kind, align, initializers = "haiku", "haiku", "haiku", "haiku.initializers"
    names = {"filters": "output_channels", "kernel": "kernel_shape", "strides": "stride", "dilation": "rate",
             "groups": "feature_group_count", "bias": "with_bias", "layout": "data_format"}
    params = (*names.values(), "num_spatial_dims", "padding", "w_init", "b_init")
    hazard_params = {PADDING: "padding", LAYOUT: "data_format", KERNEL_INIT: "w_init", BIAS_INIT: "b_init"}

    def api_name(self, rank):
        return f"haiku.Conv{rank}D"

    def layout_source(self, conv):
        return repr(layout_letters(conv.rank, conv.channels_last))


class Equinox(Layer):
    """Equinox layers are channels-first and unbatched; the worker maps them over the batch."""

    name, kind, align, layout = "equinox", "equinox", "equinox", "channels_first"
    names = {"filters": "out_channels", "kernel": "kernel_size", "strides": "stride", "dilation": "dilation",
             "groups": "groups", "bias": "use_bias", "in_channels": "in_channels"}
    params = (*names.values(), "num_spatial_dims", "padding")
    hazard_params = {PADDING: "padding"}

    def read(self, api, args, probe):
        mode = literal(args, "padding_mode")
        if mode not in (None, "ZEROS", "zeros"):
            raise Unsupported(f"padding_mode={mode!r} is not modelled")
        return super().read(api, args, probe)

    def api_name(self, rank):
        return f"equinox.nn.Conv{rank}d"


def functional_conv(probe: Probe, rank: int, **settings) -> Conv:
    """A functional call's kernel is an array argument: the probe's (size 3, one filter)."""
    return Conv(rank=rank, filters=probe.filters, kernel_size=(probe.kernel_size,) * rank, use_bias=False, **settings)


def _dimension_letters(value, rank: int) -> tuple[str, str, str]:
    """lax dimension_numbers as (lhs, rhs, out) letters; None means channels-first."""
    if value is None:
        spatial = SPATIAL[rank]
        return f"NC{spatial}", f"OI{spatial}", f"NC{spatial}"
    if isinstance(value, (tuple, list)) and len(value) == 3 and all(isinstance(v, str) for v in value):
        return value[0], value[1], value[2]
    raise Unsupported(f"dimension_numbers={value!r} is not modelled")


class Lax(Family):
    name = "jax.lax"
    params = ("window_strides", "padding", "lhs_dilation", "rhs_dilation", "dimension_numbers", "feature_group_count")
    hazard_params = {LAYOUT: "dimension_numbers"}

    def runs(self, api):
        return api.side == JAX and api.operands is not None  # lax's conv functions: input and kernel operands

    def read(self, api, args, probe):
        rank = rank_from(args, ("window_strides", "rhs_dilation", "padding"), probe, "pass window_strides as a literal tuple")
        if integers(args, "lhs_dilation", rank) != (1,) * rank:
            raise Unsupported("lhs_dilation (a transposed convolution) is not modelled")
        lhs, _, _ = _dimension_letters(literal(args, "dimension_numbers"), rank)
        if lhs[0] != "N" or "C" not in (lhs[1], lhs[-1]):
            raise Unsupported(f"input layout {lhs} is not modelled")
        return functional_conv(
            probe,
            rank,
            strides=integers(args, "window_strides", rank),
            dilation=integers(args, "rhs_dilation", rank),
            padding=read_padding(literal(args, "padding"), rank, "valid"),
            channels_last=lhs[-1] == "C",
            groups=integer(args, "feature_group_count", 1),
        )

    def native(self, api, args, conv):
        call = super().native(api, args, conv)
        lhs, rhs, out = _dimension_letters(literal(args, "dimension_numbers"), conv.rank)
        return replace(call, input_layout=lhs, kernel_layout=rhs, output_layout=out)

    def padding_source(self, conv):
        if conv.padding.kind in ("valid", "same", "same_lower"):
            return repr(conv.padding.kind.upper()), ()
        return super().padding_source(conv)

    def write(self, conv, omit=frozenset()):
        kwargs = {"window_strides": _tuple(conv.strides)}
        kwargs.update(self._settings(conv, {"strides": "window_strides", "dilation": "rhs_dilation",
                                          "groups": "feature_group_count"}, omit))
        spatial = SPATIAL[conv.rank]
        lhs, rhs, out = _dimension_letters(None, conv.rank)
        if LAYOUT not in omit:
            if conv.channels_last:
                lhs, rhs, out = f"N{spatial}C", f"{spatial}IO", f"N{spatial}C"
            kwargs["dimension_numbers"] = repr((lhs, rhs, out))
        return Call("jax.lax.conv_general_dilated", tuple(kwargs.items()), self.kind, self.worker, lhs, out,
                    kernel_layout=rhs)


class TfNN(Family):
    """tf.nn's conv functions, and tf.compat.v1.nn's (their strides and dilation named by the entry's window)."""

    name, worker = "tf.nn", TENSORFLOW
    params = ("stride", "strides", "padding", "data_format", "dilations", "dilation_rate")
    hazard_params = {PADDING: "padding", LAYOUT: "data_format"}

    def runs(self, api):
        return api.side == TENSORFLOW and api.operands is not None  # tf.nn's conv functions

    def read(self, api, args, probe):
        leaf = api.name.rsplit(".", 1)[1]
        data_format = literal(args, "data_format")
        if leaf != "convolution":
            rank = int(leaf[-2])
        elif isinstance(data_format, str) and 3 <= len(data_format) <= 5:
            rank = len(data_format) - 2
        else:
            rank = rank_from(args, api.rank_params, probe, "pass strides as a tuple, or data_format")
        return functional_conv(
            probe,
            rank,
            strides=integers(args, api.window.strides, rank),
            dilation=integers(args, api.window.dilation, rank),
            padding=read_padding(literal(args, "padding"), rank, default_kind(api, "padding", "valid")),
            channels_last=read_channels_last(data_format, "channels_last"),
        )

    def native(self, api, args, conv):
        call = super().native(api, args, conv)
        letters = layout_letters(conv.rank, conv.channels_last)
        return replace(call, input_layout=letters, output_layout=letters)

    def layout_source(self, conv):
        return repr(layout_letters(conv.rank, conv.channels_last))

    def padding_source(self, conv):
        if conv.padding.kind in ("valid", "same"):
            return repr(conv.padding.kind.upper()), ()
        padding = conv.explicit_padding()
        if padding.kind == "explicit":  # tf.nn.convolution takes no pairs: tf.pad, then 'VALID'
            return repr("VALID"), padding.pairs
        raise Unsupported(f"tf.nn has no padding {padding.kind!r}")

    def write(self, conv, omit=frozenset()):
        kwargs = {"strides": _tuple(conv.strides)}
        kwargs.update(self._settings(conv, {"strides": "strides", "dilation": "dilations", "groups": "groups"}, omit))
        pad = self.padding_source(conv)[1] if PADDING not in omit else ()
        if LAYOUT not in omit:
            kwargs["data_format"] = self.layout_source(conv)
        letters = layout_letters(conv.rank, conv.channels_last or LAYOUT in omit)
        return Call("tensorflow.nn.convolution", tuple(kwargs.items()), self.kind, self.worker, letters, letters,
                    kernel_layout=f"{SPATIAL[conv.rank]}IO", pad=pad)


class Convolve(Family):
    """Signal-style ``convolve(x, k)``: a true convolution (the kernel reversed), 'full' by default."""

    name = "convolve"
    params = ("mode", "method")

    def runs(self, api):
        return api.window is None  # a signal convolve: no strides or dilation to take

    def read(self, api, args, probe):
        leaf = api.name.rsplit(".", 1)[1]
        if leaf == "convolve2d":
            rank = 2
        elif api.name.endswith("numpy.convolve"):
            rank = 1
        else:
            rank = probe.rank() or 1
        mode = literal(args, "mode") or "full"
        k = probe.kernel_size
        # As a cross-correlation with the reversed kernel: 'full' pads k-1 on both sides,
        # 'same' pads k//2 before and (k-1)//2 after (the extra element goes first).
        pairs = {"full": (k - 1, k - 1), "same": (k // 2, (k - 1) // 2), "valid": (0, 0)}.get(mode)
        if pairs is None:
            raise Unsupported(f"mode={mode!r} is not modelled")
        padding = Padding("valid") if mode == "valid" else Padding("explicit", (pairs,) * rank)
        return Conv(rank=rank, filters=1, kernel_size=(k,) * rank, strides=(1,) * rank, dilation=(1,) * rank,
                    padding=padding, channels_last=True, use_bias=False, in_channels=1, flip=True)

    def write(self, conv, omit=frozenset()):
        return Call("", (), self.kind, self.worker, "", "")

    def native(self, api, args, conv):
        # NumPy and SciPy belong to neither framework: they run beside TensorFlow, whose worker
        # has less to do than JAX's (which compiles every new shape).
        call = super().native(api, args, conv)
        return call if api.name.startswith("jax.") else replace(call, worker=TENSORFLOW)


KERAS, TF_V1_LAYERS_FAMILY, FLAX, FLAX_NNX, HAIKU, EQUINOX, LAX, TF_NN, CONVOLVE = (
    Keras(), TfV1Layers(), FlaxLinen(), FlaxNNX(), Haiku(), Equinox(), Lax(), TfNN(), Convolve(),
)

FAMILIES = (KERAS, TF_V1_LAYERS_FAMILY, FLAX, FLAX_NNX, HAIKU, EQUINOX, LAX, TF_NN, CONVOLVE)


def family_table(apis: tuple[ConvAPI, ...]) -> dict[str, Family]:
    """The family that runs each catalog entry verify models, by the entry's name."""
    table = {}
    for api in apis:
        family = next((family for family in FAMILIES if family.runs(api)), None)
        if family is not None and not api.transposed:
            table[api.name] = family
    return table


_BY_NAME = family_table(CATALOG.apis)


def family_of(api_name: str) -> Family:
    """The family that runs an API, or Unsupported saying why none does."""
    family = _BY_NAME.get(api_name)
    if family is not None:
        return family
    if api_name.startswith("torch."):
        raise Unsupported(f"{api_name}: verify runs PyTorch's convs as the calls found, not as another call's counterpart")
    if "Transpose" in api_name or api_name.endswith("conv_transpose") or "transpose" in api_name:
        raise Unsupported("transposed convolutions are not modelled by verify")
    raise Unsupported(f"{api_name} (separable/depthwise) is not modelled by verify")
