"""Generated conv calls (argument orders, import spellings, formatting, comments, trailing commas):
the analyzer agrees with an oracle built from the catalog, the flake8 plugin agrees with the
analyzer, and the fix parses, only adds keywords, leaves nothing fixable behind and is idempotent."""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from astdiff import only_keywords_added
from conv_lint.analyzer import analyze
from conv_lint.catalog import BIAS_INIT, CATALOG, PADDING
from conv_lint.config import Settings
from conv_lint.fix import FixOptions, fix_source
from conv_lint.flake8_plugin import ConvLintPlugin
from conv_lint.rules import OPT_IN_PREFIX, RULES_BY_HAZARD

# How files reach each API: (import line, the callee as written).
SPELLINGS = {
    "keras.layers.Conv1D": [
        ("import tensorflow as tf", "tf.keras.layers.Conv1D"),
        ("from tensorflow.keras import layers as L", "L.Conv1D"),
        ("import keras", "keras.layers.Convolution1D"),
        ("from keras.layers import Conv1D as C", "C"),
    ],
    "keras.layers.SeparableConv2D": [("from keras import layers", "layers.SeparableConv2D")],
    "tf_keras.layers.Conv3DTranspose": [("import tf_keras", "tf_keras.layers.Conv3DTranspose")],
    "flax.linen.Conv": [("import flax.linen as nn", "nn.Conv"), ("from flax import linen", "linen.Conv")],
    "flax.nnx.Conv": [("from flax import nnx", "nnx.Conv")],
    "haiku.Conv2D": [("import haiku as hk", "hk.Conv2D")],
    "jax.lax.conv_general_dilated": [("from jax import lax", "lax.conv_general_dilated"), ("import jax", "jax.lax.conv_general_dilated")],
    "jax.lax.conv_transpose": [("import jax.lax as L", "L.conv_transpose")],
    "jax.numpy.convolve": [("import jax.numpy as jnp", "jnp.convolve")],
    "tensorflow.nn.convolution": [("import tensorflow as tf", "tf.nn.convolution")],
    "equinox.nn.Conv1d": [("import equinox as eqx", "eqx.nn.Conv1d")],
    "torch.nn.Conv2d": [("from torch import nn", "nn.Conv2d")],
}
VALUES = ["1", "(1, 1)", "'x'", "w", "f(2)", "[1, 2]"]


@st.composite
def conv_calls(draw):
    api = CATALOG.lookup(draw(st.sampled_from(sorted(SPELLINGS))))
    import_line, callee = draw(st.sampled_from(SPELLINGS[api.name]))
    positional_count = draw(st.integers(0, len(api.positional)))
    passed = list(api.positional[:positional_count])
    rest = [p for p in api.parameters if p not in passed]
    keywords = draw(st.lists(st.sampled_from(rest), unique=True, max_size=len(rest))) if rest else []
    values = {name: draw(st.sampled_from(VALUES)) for name in passed + keywords}
    if api.bias_switch in values and draw(st.booleans()):
        values[api.bias_switch] = "False"
    arguments = [values[name] for name in passed] + [f"{name}={values[name]}" for name in keywords]
    # Formatting: one line or one argument per line, comments, a trailing comma.
    multiline = draw(st.booleans())
    separator = ",\n    " if multiline else draw(st.sampled_from([", ", ",", " , "]))
    body = separator.join(
        argument + (f"  # note {i}\n   " if multiline and draw(st.booleans()) else "") for i, argument in enumerate(arguments)
    )
    trailing = "," if arguments and draw(st.booleans()) else ""
    call = f"{callee}(\n    {body}{trailing}\n)" if multiline else f"{callee}({body}{trailing})"
    source = f"{import_line}\n\nlayer = {call}\n"
    return api, source, set(passed + keywords), values


def _padding_cannot_differ(api, values: dict[str, str]) -> bool:
    """A kernel of 1 in every spatial axis pads nothing, whatever the padding; a transposed one equal to its
    stride (the only ints VALUES holds are ones), undilated and without output_padding, crops nothing."""
    ones = ("1", "(1, 1)")
    window = api.window
    if window is None or values.get(window.size) not in ones:
        return False
    if not api.transposed:
        return True
    return (
        all(values.get(name, "1") in ones for name in (window.strides, window.dilation) if name)
        and "output_padding" not in values
    )


def oracle(api, passed: set[str], values: dict[str, str]) -> Counter:
    expected = Counter()
    for default in api.defaults:
        if default.param in passed:
            continue
        if default.hazard == BIAS_INIT and values.get(api.bias_switch) == "False":
            continue
        if default.hazard == PADDING and _padding_cannot_differ(api, values):
            continue
        expected[RULES_BY_HAZARD[default.hazard].code] += 1
    return expected


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(conv_calls())
def test_findings_match_the_catalog_oracle_and_the_flake8_plugin(case):
    api, source, passed, values = case
    findings = analyze(source, "generated.py")
    # The oracle covers the rules about defaults; porting rules may add findings of their own.
    default_codes = {rule.code for rule in RULES_BY_HAZARD.values()}
    about_defaults = [f for f in findings if f.code in default_codes]
    assert Counter(f.code for f in about_defaults) == oracle(api, passed, values), source
    assert all(f.api == api.name and f.line == 3 for f in about_defaults)
    plugin = list(ConvLintPlugin(None, "generated.py", source.splitlines(keepends=True)).run())
    # The plugin leaves opt-in codes out unless they are selected precisely.
    assert [(line, column + 1, text) for line, column, text, _ in plugin] == [
        (f.line, f.column, f"{f.code} {f.message}") for f in findings if not f.code.startswith(OPT_IN_PREFIX)
    ]


@SETTINGS
@given(conv_calls())
def test_fix_only_adds_keywords_and_is_idempotent(case):
    api, source, passed, values = case
    options = FixOptions(unsafe=True)
    first = fix_source(source.encode(), "generated.py", Settings(), options)
    fixed = first.fixed.decode()
    assert only_keywords_added(source, fixed) == [], fixed
    default_codes = {rule.code for rule in RULES_BY_HAZARD.values()}
    left = {f.code for f in analyze(fixed, "generated.py") if f.code in default_codes}
    assert left == {item.finding.code for item in first.not_fixed}, fixed
    assert fix_source(first.fixed, "generated.py", Settings(), options).fixed == first.fixed
