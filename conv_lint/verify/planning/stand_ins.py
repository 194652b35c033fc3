"""Stand-in values for arguments a finding's hazard does not depend on.

A layer's channel counts (``features=self.features``, ``nnx.Conv(din, dout, ...)``) are often
parameters of the model, not known without running it. Whether a padding, layout or
transposed-kernel default diverges does not depend on how many channels the layer has, so the
call is run with a stand-in count and the evidence says so. An initializer's spread does depend
on them (its fans), but whether two defaults differ does not where their draws have different
forms (a uniform against a normal, zeros against random draws); two uniforms of different fans
(Keras' glorot_uniform against PyTorch's kaiming_uniform) coincide at some channel counts, so
there the argument stays unknown. Any other unknown argument (a kernel size, a stride, a layout)
stays unknown: the hazard depends on it.
"""

from __future__ import annotations

from conv_lint.catalog import BIAS_INIT, CONVOLVE_MODE, KERNEL_INIT, LAYOUT, PADDING, TRANSPOSE_KERNEL, contrast_for
from conv_lint.verify.planning.families import FAMILIES, Layer
from conv_lint.verify.planning.values import Known, NotStatic

STAND_IN_CHANNELS = 4
# Every channel count a conv layer takes: each layer family's filter and input-channel parameters
# (filters, features, out_features, in_features, output_channels, out_channels, in_channels), and
# the depthwise layers' filters per input channel.
CHANNEL_PARAMS = frozenset(
    {family.names[setting] for family in FAMILIES if isinstance(family, Layer)
     for setting in ("filters", "in_channels") if setting in family.names}
    | {"depth_multiplier", "channel_multiplier"}
)
# Hazards whose divergence is the same at every channel count.
_CHANNEL_FREE = {PADDING: "the padding default", LAYOUT: "the layout default",
                 TRANSPOSE_KERNEL: "the kernel flip", CONVOLVE_MODE: "the convolve mode"}


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
    """``args`` with each unknown channel count replaced by a stand-in where the finding's hazard does
    not depend on it, and a sentence per replacement; ``args`` unchanged where it may."""
    unknown = [name for name in CHANNEL_PARAMS if isinstance(args.get(name), NotStatic)]
    why = _why_free(finding) if unknown and finding.spec is not None and finding.call is not None else None
    if why is None:
        return args, []
    replaced = {**args, **{name: Known(repr(STAND_IN_CHANNELS), STAND_IN_CHANNELS) for name in unknown}}
    return replaced, [f"{name}: {args[name]}; run with a stand-in {STAND_IN_CHANNELS}, {why}" for name in sorted(unknown)]
