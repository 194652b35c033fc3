"""The message-contrast policy: which other framework a finding's message names, and what it does.

``CONTRASTS`` holds, per hazard, what the other frameworks' default conv layers do, in the
order a message prefers them; ``message_contrasts`` picks those a message names, following the
configured target frameworks. The rules' "Defaults by framework" tables are these rows too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conv_lint.catalog.apis import APIS
from conv_lint.catalog.frameworks import TARGET_FRAMEWORKS, package
from conv_lint.catalog.model import (
    BIAS_INIT, CONVOLVE_MODE, JAX, KERNEL_INIT, LAYOUT, PADDING, TENSORFLOW, TORCH, TRANSPOSE_KERNEL, Contrast,
    ConvAPI, Default,
)

# What the other frameworks do for each hazard, in the order a message prefers them.
CONTRASTS: dict[str, tuple[Contrast, ...]] = {
    PADDING: (
        Contrast("keras.layers.Conv1D", TENSORFLOW, "'valid'", "valid"),
        Contrast("flax.linen.Conv", JAX, "'SAME'", "same"),
        Contrast("haiku.Conv1D", JAX, "'SAME'", "same"),
        Contrast("torch.nn.Conv1d", TORCH, "0 (valid)", "valid"),
        Contrast("equinox.nn.Conv1d", JAX, "0 (valid)", "valid"),
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
        # Rows that agree with Keras: a team listing only Flax or Haiku has no bias finding on Keras.
        Contrast("flax.linen.Conv", JAX, "zeros", "zeros"),
        Contrast("haiku.Conv1D", JAX, "zeros", "zeros"),
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


# Each contrast's API in the call's kind: layer, transposed layer, functional, functional transposed
# (``{n}`` the spatial rank).
_KERAS_KINDS = ("keras.layers.Conv{n}D", "keras.layers.Conv{n}DTranspose", "tensorflow.nn.conv{n}d", "tensorflow.nn.conv{n}d_transpose")
_TORCH_KINDS = ("torch.nn.Conv{n}d", "torch.nn.ConvTranspose{n}d", "torch.nn.functional.conv{n}d", "torch.nn.functional.conv_transpose{n}d")
_LAX = ("jax.lax.conv_general_dilated", "jax.lax.conv_transpose")
_COUNTERPARTS: dict[str, tuple[str, str, str, str]] = {
    "keras.layers.Conv1D": _KERAS_KINDS,
    "keras.layers.Conv1DTranspose": _KERAS_KINDS,
    "flax.linen.Conv": ("flax.linen.Conv", "flax.linen.ConvTranspose", *_LAX),
    "haiku.Conv1D": ("haiku.Conv{n}D", "haiku.Conv{n}DTranspose", *_LAX),
    "equinox.nn.Conv1d": ("equinox.nn.Conv{n}d", "equinox.nn.ConvTranspose{n}d", *_LAX),
    "torch.nn.Conv1d": _TORCH_KINDS,
    "torch.nn.ConvTranspose1d": _TORCH_KINDS,
}
_CATALOG_NAMES = frozenset(name for api in APIS for name in api.names)
_DEFAULT_KINDS = {(name, d.hazard): d.kind for api in APIS for name in api.names for d in api.defaults}


def _counterpart(contrast: Contrast, api: ConvAPI, hazard: str, rank: int | None) -> Contrast:
    """``contrast`` named by the API of the call's kind and rank (Conv2D is compared with torch.nn.Conv2d,
    a transposed conv with a transposed one, a functional conv with a functional one), when the catalog
    gives that API the contrast's default (a layer of the same library: the same as the contrast's own
    entry says); else ``contrast`` as it is. ``rank`` is the call's spatial rank when the call
    writes it (a rank-agnostic ``flax.linen.Conv`` given ``kernel_size=(3, 3)``); else the API's."""
    names = _COUNTERPARTS.get(contrast.api)
    if names is None:
        return contrast
    functional = api.window is None or api.window.size is None
    name = names[2 * functional + api.transposed].format(n=rank or api.spatial_dims or 1)
    kind = _DEFAULT_KINDS.get((name, hazard))
    same = kind == contrast.kind or (not functional and kind == _DEFAULT_KINDS.get((contrast.api, hazard)))
    return Contrast(name, contrast.side, contrast.value, contrast.kind) if name in _CATALOG_NAMES and same else contrast


@dataclass(frozen=True)
class MessageContrasts:
    """What a message says of other frameworks: the defaults that differ from the call's or,
    when no target framework's does, those that agree (then there is nothing to report)."""

    differ: tuple[Contrast, ...] = ()
    agree: tuple[Contrast, ...] = ()


def message_contrasts(
    api: ConvAPI, default: Default, frameworks: tuple[str, ...] = (), rank: int | None = None
) -> MessageContrasts:
    """The frameworks a message about ``default`` names.

    Without target frameworks, the one ``contrast_for`` prefers. With them, one contrast per
    listed framework whose default differs (Keras with ``jax, torch`` names Flax and PyTorch),
    and never a framework outside the list; if none of them differs, the listed frameworks on
    the other side that agree: a default every compared framework shares is no finding.
    Nothing when the catalog knows no listed framework's default. ``rank`` is the call's spatial
    rank, if it writes one: the named counterparts have it.
    """
    if not frameworks:
        contrast = contrast_for(api, default)
        return MessageContrasts(differ=(_counterpart(contrast, api, default.hazard, rank),) if contrast else ())
    differ = _one_per_framework(default, frameworks, lambda c: c.kind != default.kind)
    if differ:
        return MessageContrasts(differ=tuple(_counterpart(c, api, default.hazard, rank) for c in differ))
    agree = _one_per_framework(default, frameworks, lambda c: c.kind == default.kind and c.side != api.side)
    return MessageContrasts(agree=agree)


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
