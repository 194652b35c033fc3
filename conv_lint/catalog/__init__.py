"""The catalog: the convolution APIs conv-lint knows and the defaults each one fills in, as data.

Split by concern (standard library only: ``check`` and the flake8 plugin must start fast and
never pull in TensorFlow, JAX or NumPy):

| module | holds |
|---|---|
| ``model`` | hazards, sides, and the records an entry is made of (``ConvAPI``, ``Default``, ``Window``, ``Operands``, ``Weight``, ``Slot``) |
| ``apis`` | ``APIS``, the table of every API: adding an API is one entry there |
| ``contrasts`` | the message-contrast policy: what other frameworks do per hazard, which a message names |
| ``align`` | ``fix --align-with``: each target's defaults and how each layer library writes them |
| ``arrays`` | functions that make, copy, reshape or transpose arrays; initializers and random draws |
| ``frameworks`` | the target frameworks of ``frameworks = [...]`` and the packages each covers |

This package also defines ``Catalog``, the look-ups over ``APIS`` (``CATALOG``), and exports
every name of its modules, so ``from conv_lint.catalog import X`` works for all of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from conv_lint.catalog.align import ALIGN_CHOICES, ALIGN_SOURCES, ALIGN_TARGETS
from conv_lint.catalog.apis import APIS, KERAS_2_LEGACY_LAYERS, KERAS_LAYERS, LAX_GENERAL, TF_V1_LAYERS, TF_V1_NN
from conv_lint.catalog.arrays import (
    ARRAY_COPIES, ARRAY_MAKERS, INITIALIZER_FUNCTIONS, INITIALIZER_MODULES, KERNEL_NAMES, NORMAL_STDS, PERMUTES,
    RESHAPES, SAME_ARRAY_METHODS, STANDARD_NORMALS, SWAPS, TRUNCATED_NORMALS, TRUNCATED_STD, UNIFORM_BOUNDS,
)
from conv_lint.catalog.contrasts import CONTRASTS, MessageContrasts, contrast_for, message_contrasts
from conv_lint.catalog.frameworks import TARGET_ALIASES, TARGET_FRAMEWORKS, package, target_packages
from conv_lint.catalog.model import (
    BIAS_INIT, CHANNELS_FIRST, CHANNELS_LAST, CONVOLVE_MODE, JAX, KERNEL_INIT, LAYOUT, NUMPY, PADDING, TENSORFLOW,
    TORCH, TRANSPOSE_KERNEL, Contrast, ConvAPI, Default, Operands, Slot, Weight, Window,
)


def _word_pattern(words: set[str]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(word.encode()) for word in sorted(words, key=len, reverse=True))
    return re.compile(rb"\b(?:" + alternatives + rb")\b")


# Packages that re-export another's API object for object (``tf.compat.v2.nn.conv1d is tf.nn.conv1d``,
# checked by tests/test_catalog_truth.py): each catalog name under the target is also found under the alias.
# ``tensorflow.compat.v1`` is not one: its tf.nn functions take other arguments in another order (they
# are catalog entries of their own); only its ``keras`` is ``tf.keras`` itself.
PACKAGE_ALIASES = {"tensorflow.compat.v2": "tensorflow", "tensorflow.compat.v1.keras": "tensorflow.keras"}
# Names no alias re-exports: TensorFlow's implementation modules, and the compat packages themselves.
_NOT_ALIASED = ("tensorflow.python.", "tensorflow.compat.")


def aliased_names(name: str) -> tuple[str, ...]:
    """The names ``name`` is also reached by through ``PACKAGE_ALIASES``."""
    if name.startswith(_NOT_ALIASED):
        return ()
    return tuple(
        f"{alias}{name[len(target):]}" for alias, target in PACKAGE_ALIASES.items() if name.startswith(f"{target}.")
    )


@dataclass
class Catalog:
    """Look-ups over ``APIS`` by qualified name (and the names ``PACKAGE_ALIASES`` gives them)."""

    apis: tuple[ConvAPI, ...] = APIS
    by_name: dict[str, ConvAPI] = field(init=False)
    leaf_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {name: api for api in self.apis for name in api.names}
        self.by_name.update({alias: api for name, api in list(self.by_name.items()) for alias in aliased_names(name)})
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

__all__ = [
    "ALIGN_CHOICES",
    "ALIGN_SOURCES",
    "ALIGN_TARGETS",
    "APIS",
    "ARRAY_COPIES",
    "ARRAY_MAKERS",
    "BIAS_INIT",
    "CATALOG",
    "CHANNELS_FIRST",
    "CHANNELS_LAST",
    "CONTRASTS",
    "CONVOLVE_MODE",
    "Catalog",
    "Contrast",
    "ConvAPI",
    "Default",
    "INITIALIZER_FUNCTIONS",
    "INITIALIZER_MODULES",
    "JAX",
    "KERAS_2_LEGACY_LAYERS",
    "KERAS_LAYERS",
    "KERNEL_INIT",
    "KERNEL_NAMES",
    "LAX_GENERAL",
    "LAYOUT",
    "MessageContrasts",
    "NORMAL_STDS",
    "NUMPY",
    "Operands",
    "PACKAGE_ALIASES",
    "PADDING",
    "PERMUTES",
    "RESHAPES",
    "SAME_ARRAY_METHODS",
    "STANDARD_NORMALS",
    "SWAPS",
    "Slot",
    "TARGET_ALIASES",
    "TARGET_FRAMEWORKS",
    "TENSORFLOW",
    "TF_V1_LAYERS",
    "TF_V1_NN",
    "TORCH",
    "TRANSPOSE_KERNEL",
    "TRUNCATED_NORMALS",
    "TRUNCATED_STD",
    "UNIFORM_BOUNDS",
    "aliased_names",
    "Weight",
    "Window",
    "contrast_for",
    "message_contrasts",
    "package",
    "target_packages",
]
