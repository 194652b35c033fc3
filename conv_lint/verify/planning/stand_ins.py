"""Stand-in values for arguments a finding's hazard does not depend on.

A layer's channel counts (``features=self.features``, ``nnx.Conv(din, dout, ...)``) are often
parameters of the model, not known without running it. Whether a padding, layout or
transposed-kernel default diverges does not depend on how many channels the layer has, so the
call is run with a stand-in count and the evidence says so. An initializer's spread does depend
on them (its fans), but whether two defaults differ does not where their draws have different
forms (a uniform against a normal, zeros against random draws); two uniforms of different fans
(Keras' glorot_uniform against PyTorch's kaiming_uniform) coincide at some channel counts, so
there the argument stays unknown. The same holds of an unknown kernel size (it sets the fans too),
and an initializer's draws do not depend on the strides or dilation at all. Any other unknown
argument (a kernel size or stride for padding, a layout for a layout finding) stays unknown: the
hazard depends on it. A layer's unknown layout argument (``data_format=data_format``)
is left out, so the call runs in its default layout, where the hazard is not the layout itself: which
axes are spatial changes neither whether two paddings differ nor what an initializer draws. An unknown
initializer is left to the default where the hazard is another one: the runs compared hold the same
weights.
"""

from __future__ import annotations

from conv_lint.catalog import (
    BIAS_INIT,
    CONVOLVE_MODE,
    KERNEL_INIT,
    LAYOUT,
    PADDING,
    TRANSPOSE_KERNEL,
    contrast_for,
)
from conv_lint.verify.planning.families import FAMILIES, Layer
from conv_lint.verify.planning.values import Known, NotStatic
from conv_lint.verify.planning.variants import WEIGHTS

STAND_IN_CHANNELS = 4
# Every channel count a conv layer takes: each layer family's filter and input-channel parameters
# (filters, features, out_features, in_features, output_channels, out_channels, in_channels), and
# the depthwise layers' filters per input channel.
CHANNEL_PARAMS = frozenset(
    {family.names[setting] for family in FAMILIES if isinstance(family, Layer)
     for setting in ("filters", "in_channels") if setting in family.names}
    | {"depth_multiplier", "channel_multiplier"}
)
STAND_IN_KERNEL = 3
# Each layer family's kernel-size parameter, and those of its window's strides and dilation.
KERNEL_PARAMS = frozenset(family.names["kernel"] for family in FAMILIES if isinstance(family, Layer) and "kernel" in family.names)
STEP_PARAMS = frozenset(family.names[setting] for family in FAMILIES if isinstance(family, Layer)
                        for setting in ("strides", "dilation") if setting in family.names)
# Each layer family's layout parameter (Keras' and Haiku's data_format).
LAYOUT_PARAMS = frozenset(family.names["layout"] for family in FAMILIES if isinstance(family, Layer) and "layout" in family.names)
# Hazards whose divergence is the same at every channel count.
_CHANNEL_FREE = {PADDING: "the padding default", LAYOUT: "the layout default",
                 TRANSPOSE_KERNEL: "the kernel flip", CONVOLVE_MODE: "the convolve mode"}
# Each family's initializer parameters, by the hazard they set (a separable layer's two kernels too).
INITIALIZER_PARAMS = {
    hazard: frozenset(family.hazard_params[hazard] for family in FAMILIES if hazard in family.hazard_params)
    | (frozenset(WEIGHTS) if hazard == KERNEL_INIT else frozenset())
    for hazard in (KERNEL_INIT, BIAS_INIT)
}
# Hazards whose divergence is the same in either layout.
_LAYOUT_FREE = {PADDING: "the padding default does", KERNEL_INIT: "the initializer's draws do",
                BIAS_INIT: "the initializer's draws do", TRANSPOSE_KERNEL: "the kernel flip does"}


def _form(kind: str) -> str | None:
    """The form of an initializer's draws, from the catalog's kind token (``glorot_uniform``)."""
    if kind == "zeros":
        return "zeros"
    if kind.endswith("uniform"):
        return "uniform"
    if kind.endswith("normal"):
        return "normal"
    return None


def _why_free(finding) -> str | None:
    """Why the finding's divergence does not depend on the layer's channel counts, or None where it may."""
    spec = finding.spec
    if spec.hazard in _CHANNEL_FREE:
        return f"which {_CHANNEL_FREE[spec.hazard]} does not depend on"
    if spec.hazard in (KERNEL_INIT, BIAS_INIT):
        contrast = contrast_for(finding.call.api, spec)
        forms = (_form(spec.kind), _form(contrast.kind)) if contrast is not None else (None, None)
        if None not in forms and forms[0] != forms[1]:
            return (f"which does not decide whether {spec.kind} ({forms[0]}) and {contrast.api}'s {contrast.kind} "
                    f"({forms[1]}) differ; the spread measured is that at this count")
    return None


def stand_in(finding, args: dict) -> tuple[dict, list[str]]:
    """``args`` with each unknown channel count replaced by a stand-in, and an unknown layout left out,
    where the finding's hazard does not depend on them, and a sentence per replacement; the others as
    they are (a run that needs them stays unverifiable, naming them)."""
    if finding.call is None or finding.spec is None or finding.call.api.operands is not None:
        return args, []  # a functional conv's `filters` is its kernel, its layout fixes its rank
    replaced, sentences = dict(args), []
    channels = sorted(name for name in CHANNEL_PARAMS if isinstance(args.get(name), NotStatic))
    why = _why_free(finding)
    if why is not None:
        for name in channels:
            replaced[name] = Known(repr(STAND_IN_CHANNELS), STAND_IN_CHANNELS)
            sentences.append(f"{name}: {args[name]}; run with a stand-in {STAND_IN_CHANNELS}, {why}")
    hazard = finding.spec.hazard
    if hazard in (KERNEL_INIT, BIAS_INIT):
        # An initializer draws weights whose shape the strides and dilation do not touch; the kernel size
        # sets the fan, so it is stood in for only where the channel counts may be (the forms differ).
        for name in sorted(STEP_PARAMS):
            if isinstance(args.get(name), NotStatic):
                del replaced[name]
                sentences.append(f"{name}: {args[name]}; left to the default, which the drawn weights do not depend on")
        for name in sorted(KERNEL_PARAMS) if why is not None else ():
            if isinstance(args.get(name), NotStatic):
                replaced[name] = Known(repr(STAND_IN_KERNEL), STAND_IN_KERNEL)
                sentences.append(f"{name}: {args[name]}; run with a stand-in {STAND_IN_KERNEL}, {why}")
    for name in sorted(LAYOUT_PARAMS):
        given = args.get(name)
        # Unknown, or known only as an expression (keras_hub's data_format=keras.config.image_data_format()).
        unknown = given if isinstance(given, NotStatic) else (
            f"{given.source} is not a literal" if isinstance(given, Known) and not given.literal else None)
        if unknown is not None and hazard in _LAYOUT_FREE:
            del replaced[name]
            sentences.append(f"{name}: {unknown}; run in the default layout, which {_LAYOUT_FREE[hazard]} not depend on")
    # An initializer sets only the weights, which value checks take from the probe (or draw from one seed on
    # both sides): another hazard's divergence does not depend on it.
    for initializes, names in INITIALIZER_PARAMS.items():
        for name in sorted(names):
            if isinstance(args.get(name), NotStatic) and hazard != initializes:
                del replaced[name]
                sentences.append(f"{name}: {args[name]}; left to the default, since the runs use the same weights "
                                 "on both sides")
    return replaced, sentences
