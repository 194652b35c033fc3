"""Target frameworks: the names a team may list in ``frameworks = [...]``, and the packages each covers."""

from __future__ import annotations

from conv_lint.catalog.model import JAX, NUMPY, TENSORFLOW, TORCH

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
