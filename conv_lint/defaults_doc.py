"""``docs/defaults.md``: every catalog API and the defaults it fills in, generated from the catalog.

``conv-lint defaults`` prints it; ``tests/test_docs.py`` keeps the file equal to the output, so
the table cannot drift from what ``check`` and ``fix`` use. The worked examples at the end are
the numbers ``tests/test_catalog_truth.py`` measures in the installed frameworks.
"""

from __future__ import annotations

from conv_lint.catalog import CATALOG, CONTRASTS, KERAS_2_LEGACY_LAYERS, Catalog, ConvAPI, Default
from conv_lint.rules import RULES_BY_HAZARD

HEADER = """# Framework defaults

Every convolution API conv-lint knows, and each default it fills in that differs between
frameworks. Generated from the catalog (`conv_lint/catalog/`) by `conv-lint defaults`; a test
keeps this file equal to that output. Every value was read off the installed frameworks, and
`tests/test_catalog_truth.py` reads them again (it fails when a release changes one).

Columns: the parameter (*fixed* where no argument sets the behaviour), the default as the
signature shows it, what it does, the rule that flags a call relying on it, and what
`conv-lint fix` writes (`{init}` is the framework's initializers module as the file reaches it;
*unsafe* pins are written with `--unsafe-fixes` only: the default depends on a global setting).
"""

EXAMPLES = """## Worked examples

The numbers the rules' messages and docs quote, measured by `tests/test_catalog_truth.py`:

- `keras.layers.Conv1D(2, 3)` on a `(1, 7, 4)` input gives `(1, 5, 2)` (`'valid'`); Flax `nn.Conv(2, 3)` and
  Haiku `hk.Conv1D(2, 3)` give `(1, 7, 2)` (`'SAME'`); Equinox `Conv1d(4, 2, 3)` on `(4, 7)` gives `(2, 5)`.
- Keras' `glorot_uniform` kernel of `Conv1D(128, 5)` on 64 channels, shape `(5, 64, 128)`: bound
  `sqrt(6 / (320 + 640))` = 0.07906, std 0.0456; the bias starts at zero.
- `lax.conv_transpose` of x = [1, 2, 3, 4] with the kernel [1, 10, 100], `'VALID'`: [100, 210, 321, 432, 43, 4]
  (not flipped); Keras' `Conv1DTranspose`, PyTorch's `ConvTranspose1d` and `transpose_kernel=True`:
  [1, 12, 123, 234, 340, 400].
- `np.convolve([1, ..., 7], [1, 2, -3])` (and every signal-style convolve): [1, 4, 4, 4, 4, 4, 4, -4, -21],
  length n + k - 1 with the kernel flipped.
- `'same'` with stride 2 and a kernel of 3 on n = 8 pads (0, 1); PyTorch's `padding='same'` raises for a stride
  above 1.
"""


def defaults_markdown(catalog: Catalog = CATALOG) -> str:
    """The whole of ``docs/defaults.md``."""
    sections = [HEADER]
    providers: dict[str, list[ConvAPI]] = {}
    for api in catalog.apis:
        providers.setdefault(api.provider, []).append(api)
    for provider, apis in providers.items():
        rows = ["| API | parameter | default | means | rule | `fix` writes |", "|---|---|---|---|---|---|"]
        modules = _modules(apis)
        rows += [_row(api, default, modules) for api in apis for default in api.defaults]
        sections.append(f"## {provider}\n\n" + _also_reached(apis) + "\n".join(rows) + "\n")
    sections.append(_contrasts())
    sections.append(EXAMPLES)
    return "\n".join(sections)


def _row(api: ConvAPI, default: Default, section_modules: tuple[str, ...]) -> str:
    names = " / ".join(dict.fromkeys(f"`{name.rpartition('.')[2]}`" for name in api.names))
    if _modules([api]) != section_modules:  # an entry for some of the modules only (tf_keras's own defaults)
        names += " in " + ", ".join(f"`{module}`" for module in _modules([api]))
    parameter = f"`{default.param}`" if default.param else "*fixed*"
    rule = RULES_BY_HAZARD[default.hazard]
    return (
        f"| {names} | {parameter} | `{default.value}` | {default.means or default.kind} |"
        f" {rule.code} {rule.name} | {_pin(default)} |"
    )


def _pin(default: Default) -> str:
    if default.pin is None:
        return f"no pin: {default.no_pin}" if default.no_pin else "no pin"
    pins = default.pin if isinstance(default.pin, tuple) else (default.pin,)
    written = ", ".join(f"`{pin}`" for pin in pins)
    return f"{written} (*unsafe*)" if default.unsafe else written


def _modules(apis: list[ConvAPI]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_module(name) for api in apis for name in api.names))


def _module(name: str) -> str:
    """The module of a catalog name; Keras 2's one module per layer (``keras.layers.convolutional.conv1d``)
    written once, as ``keras.layers.convolutional[.*]``."""
    module = name.rpartition(".")[0]
    package = KERAS_2_LEGACY_LAYERS[0]
    return f"{package}[.*]" if module == package or module.startswith(f"{package}.") else module


def _also_reached(apis: list[ConvAPI]) -> str:
    """The module paths the provider's APIs are reached by (``tensorflow.keras.layers``, ``torch``)."""
    modules = _modules(apis)
    if len(modules) == 1:
        return f"Module: `{modules[0]}`.\n\n"
    return "Modules: " + ", ".join(f"`{module}`" for module in modules) + ".\n\n"


def _contrasts() -> str:
    """What each framework's default conv layer does per hazard: the rows messages contrast with."""
    parts = ["## By hazard\n\nWhat a finding's message compares with, per rule:\n"]
    for hazard, contrasts in CONTRASTS.items():
        rule = RULES_BY_HAZARD[hazard]
        rows = ["| API | default |", "|---|---|", *(f"| `{c.api}` | {c.value} |" for c in contrasts)]
        parts.append(f"### {rule.code} {rule.name}\n\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)
