"""The catalog against the installed frameworks.

``conv_lint/catalog/`` was read off the frameworks; this module reads them again, with
real imports and small CPU experiments, and fails whenever the two disagree:

1. signatures: every importable catalog name takes the catalog's ``positional``
   parameters first, in order, and its ``keyword_only`` parameters after ``*``;
2. defaults: every catalog ``Default`` with a ``param`` is that parameter's signature
   default (literals compared as values, initializer defaults compared by sampling);
3. behaviour: every ``Default``'s ``kind`` is what a call that leaves it out does
   (output lengths for padding and convolve modes, which input layout a call accepts,
   the distribution of freshly initialised weights);
4. ``CONTRASTS``: what each one says of another framework agrees with the catalog entry
   for that API and with an experiment;
5. pins and alignments: the source ``conv-lint fix`` writes for a default (``pin``) gives
   the same numbers as leaving the argument out, and each ``ALIGN_SOURCES`` entry and
   ``ALIGN_TARGETS`` kind is what that framework does;
6. the array and initializer data the kernel-shape tracking reads (where a function takes
   the shape, which axes a layer's kernel has) against real signatures and arrays.

The numbers docs/defaults.md quotes in its worked examples (glorot bound 0.07906 for a (5, 64, 128) kernel,
``lax.conv_transpose`` on [1, 2, 3, 4] and [1, 10, 100], ...) are asserted as well.

TensorFlow, Keras, JAX, Flax, Haiku and Equinox come from the dev group
(``require_framework``: skipped locally when absent, a failure in CI). ``tf_keras`` and
PyTorch are not in the dev group, so their names are checked only where they are installed.
"""

from __future__ import annotations

import os

# Before anything can import TensorFlow.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import ast  # noqa: E402
import functools  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import inspect  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402
from conftest import require_framework  # noqa: E402

from conv_lint.catalog import (  # noqa: E402
    ALIGN_SOURCES,
    ALIGN_TARGETS,
    APIS,
    ARRAY_MAKERS,
    BIAS_INIT,
    CATALOG,
    CONTRASTS,
    CONVOLVE_MODE,
    INITIALIZER_MODULES,
    JAX,
    KERNEL_INIT,
    LAYOUT,
    NORMAL_STDS,
    NUMPY,
    PADDING,
    PERMUTES,
    RESHAPES,
    SWAPS,
    TENSORFLOW,
    TORCH,
    TRANSPOSE_KERNEL,
    TRUNCATED_NORMALS,
    aliased_names,
    KERAS_2_LEGACY_LAYERS,
    TF_V1_LAYERS,
    TF_V1_NN,
    UNIFORM_BOUNDS,
    ConvAPI,
)

pytestmark = pytest.mark.frameworks

# Packages that are not in the dev group: their names are checked where they are installed.
OPTIONAL_ROOTS = {"tf_keras", "torch"}
SIDE_OF_ROOT = {
    "keras": TENSORFLOW,
    "tensorflow": TENSORFLOW,
    "tf_keras": TENSORFLOW,
    "jax": JAX,
    "flax": JAX,
    "haiku": JAX,
    "equinox": JAX,
    "numpy": NUMPY,
    "scipy": NUMPY,
    "torch": TORCH,
}
# Keras 2 as released under the name `keras` (2.6-2.12) lives on as tf_keras, its modules under tf_keras.src:
# the catalog's `keras.layers.convolutional...` names are read there (Keras 3 has no such module).
KERAS_2_RELEASED, KERAS_2_NOW = "keras.layers.convolutional", "tf_keras.src.layers.convolutional"
# TF1's layers exist in TensorFlow 2.16+ only with Keras 2: TF_USE_LEGACY_KERAS=1 before TensorFlow
# loads (and tf_keras installed). This module measures them in such a process of its own
# (test_tf1_layers_in_a_legacy_keras_process), where LEGACY_KERAS is true.
LEGACY_KERAS = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
# Their classes hide the real signature behind a metaclass or a generic __call__.
INIT_SIGNATURE_PREFIXES = ("haiku.", "equinox.", "flax.nnx.")

# The std of a standard normal truncated to [-2, 2]: haiku's TruncatedNormal keeps it,
# variance_scaling (flax lecun_normal) divides it out.
TRUNCATED_STD = 0.87962566103423978


# --------------------------------------------------------------------------------------
# Resolving names and reading signatures
# --------------------------------------------------------------------------------------


def _root(name: str) -> str:
    return name.split(".", 1)[0]


def _import_root(name: str):
    root = _root(name)
    if root in OPTIONAL_ROOTS:
        return pytest.importorskip(root)
    return require_framework(root)


def need(module: str):
    """``module`` (a dev-group framework or a submodule of one), via ``require_framework``."""
    require_framework(_root(module))
    return importlib.import_module(module)


def installed_name(name: str) -> str:
    """Where the installed packages hold ``name``: a Keras 2 ``keras.layers.convolutional`` name in tf_keras."""
    if name.startswith(KERAS_2_RELEASED + "."):
        pytest.importorskip("tf_keras")
        return KERAS_2_NOW + name[len(KERAS_2_RELEASED):]
    return name


def resolve(name: str):
    """Import the longest importable module prefix of ``name`` and getattr the rest."""
    if name.startswith(TF_V1_LAYERS + ".") and not LEGACY_KERAS:
        pytest.skip("TF1 layers need TF_USE_LEGACY_KERAS=1: test_tf1_layers_in_a_legacy_keras_process runs this")
    name = installed_name(name)
    _import_root(name)
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            # Only "this prefix is not a module"; a module that fails inside is a failure.
            if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
                continue
            raise
        break
    for attribute in parts[cut:]:
        obj = getattr(obj, attribute)
    return obj


def _docstring_signature(name: str, obj) -> inspect.Signature:
    """A builtin's signature from the first line of its docstring (torch.nn.functional.conv1d)."""
    leaf = name.rsplit(".", 1)[1]
    match = re.search(rf"^\s*{re.escape(leaf)}\((.*?)\)\s*->", obj.__doc__ or "", re.MULTILINE)
    if not match:
        pytest.skip(f"{name} is a builtin with no inspect.signature and no signature line in its docstring")
    arguments = ast.parse(f"def _({match.group(1)}): pass").body[0].args
    empty = inspect.Parameter.empty
    parameters = []
    ordered = [(a, inspect.Parameter.POSITIONAL_ONLY) for a in arguments.posonlyargs]
    ordered += [(a, inspect.Parameter.POSITIONAL_OR_KEYWORD) for a in arguments.args]
    defaults = [empty] * (len(ordered) - len(arguments.defaults)) + list(arguments.defaults)
    for (argument, kind), default in zip(ordered, defaults):
        value = empty if default is empty else ast.literal_eval(default)
        parameters.append(inspect.Parameter(argument.arg, kind, default=value))
    for argument, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        value = empty if default is None else ast.literal_eval(default)
        parameters.append(inspect.Parameter(argument.arg, inspect.Parameter.KEYWORD_ONLY, default=value))
    return inspect.Signature(parameters)


def signature_of(name: str) -> inspect.Signature:
    obj = resolve(name)
    if inspect.isclass(obj) and name.startswith(INIT_SIGNATURE_PREFIXES):
        signature = inspect.signature(obj.__init__)
        parameters = list(signature.parameters.values())
        assert parameters and parameters[0].name == "self", f"{name}.__init__{signature}"
        return signature.replace(parameters=parameters[1:])
    try:
        return inspect.signature(obj)
    except ValueError:
        return _docstring_signature(name, obj)


def _literal(text: str):
    """(True, value) when the catalog's value text is a Python literal, else (False, None)."""
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False, None


ALL_NAMES = [(api, name) for api in APIS for name in api.names]
NAMED_DEFAULTS = [(api, name, d) for api, name in ALL_NAMES for d in api.defaults if d.param is not None]
ALL_DEFAULTS = [(api, d) for api in APIS for d in api.defaults]


# --------------------------------------------------------------------------------------
# 0. The catalog is consistent with itself
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", APIS, ids=lambda api: api.name)
def test_catalog_entry_is_self_consistent(api):
    assert len(set(api.parameters)) == len(api.parameters), f"{api.name}: a parameter is listed twice"
    for default in api.defaults:
        if default.param is not None:
            assert default.param in api.parameters, f"{api.name}: default for unknown parameter {default.param}"
    if api.bias_switch is not None:
        assert api.bias_switch in api.parameters
    for name in api.names:
        assert SIDE_OF_ROOT.get(_root(name)) == api.side, f"{name} is not on side {api.side}"


def test_catalog_names_are_unique():
    names = [name for api in APIS for name in api.names]
    assert len(names) == len(set(names))


PACKAGE_ALIASED = [(name, alias) for _, name in ALL_NAMES for alias in aliased_names(name)]


@pytest.mark.parametrize("name, alias", PACKAGE_ALIASED, ids=[alias for _, alias in PACKAGE_ALIASED])
def test_package_alias_is_the_same_object(name, alias):
    # `import tensorflow.compat.v2 as tf`: the catalog finds tf.nn.conv1d there because it is that object.
    assert CATALOG.lookup(alias) is CATALOG.lookup(name)
    assert resolve(alias) is resolve(name)


KERAS_2_LEGACY = [(api, name) for api, name in ALL_NAMES if name.startswith(KERAS_2_LEGACY_LAYERS)]


@pytest.mark.parametrize("api, name", KERAS_2_LEGACY, ids=[name for _, name in KERAS_2_LEGACY])
def test_keras_2_module_path_is_in_the_keras_2_entry(api, name):
    # `from keras.layers.convolutional import Conv1D` is Keras 2 code: it gets tf_keras's entry.
    leaf = name.rpartition(".")[2]
    assert f"tf_keras.layers.{leaf}" in api.names
    if name.startswith(KERAS_2_RELEASED):
        assert resolve(name) is resolve(f"tf_keras.layers.{leaf}")  # tf_keras.src.layers.convolutional...
    else:  # TensorFlow's own copy of Keras 2, a class of its own: its signature and behaviour are checked below
        assert resolve(name) is resolve(f"tensorflow.python.keras.layers.{leaf}")


def test_keras_3_has_no_keras_2_module_path():
    # Which is what makes `keras.layers.convolutional` Keras 2 code.
    need("keras")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(KERAS_2_RELEASED)


V1_REEXPORTS = [(api, name) for api, name in ALL_NAMES
                if name.startswith("tensorflow.compat.v1.") and not api.name.startswith("tensorflow.compat.v1.")]


@pytest.mark.parametrize("api, name", V1_REEXPORTS, ids=[name for _, name in V1_REEXPORTS])
def test_compat_v1_name_of_a_tf2_entry_is_that_object(api, name):
    assert resolve(name) is resolve(api.name)


V1_NN = [api for api in APIS if api.name.startswith(TF_V1_NN + ".")]


@pytest.mark.parametrize("api", V1_NN, ids=lambda api: api.name)
def test_compat_v1_nn_entry_is_not_tf_nn(api):
    # Why tf.compat.v1.nn has entries of its own, not a package alias.
    leaf = api.name.rpartition(".")[2]
    assert resolve(api.name) is not resolve(f"tensorflow.nn.{leaf}")
    assert list(signature_of(api.name).parameters) != list(signature_of(f"tensorflow.nn.{leaf}").parameters)


# --------------------------------------------------------------------------------------
# 1. Signatures
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("api, name", ALL_NAMES, ids=[name for _, name in ALL_NAMES])
def test_signature_binds_as_the_catalog_says(api, name):
    signature = signature_of(name)
    parameters = list(signature.parameters.values())
    leading = parameters[: len(api.positional)]
    assert [p.name for p in leading] == list(api.positional), f"{name}{signature}"
    for parameter in leading:
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, f"{name}: {parameter}"
    for keyword in api.keyword_only:
        assert keyword in signature.parameters, f"{name}{signature} has no {keyword}"
        assert signature.parameters[keyword].kind is inspect.Parameter.KEYWORD_ONLY, f"{name}: {keyword}"
    if api.bias_switch is not None:
        # A bias is on by default, so a call that leaves the switch out has a bias initializer.
        assert api.bias_switch in signature.parameters, f"{name}{signature}"
        assert signature.parameters[api.bias_switch].default is True


ALIASES = [(api, name) for api, name in ALL_NAMES if name != api.name and _root(name) != "tf_keras"]


@pytest.mark.parametrize("api, name", ALIASES, ids=[name for _, name in ALIASES])
def test_alias_behaves_as_the_canonical_name(api, name):
    # The behavioural experiments below run the canonical name; an alias that is another
    # object (torch.conv1d beside torch.nn.functional.conv1d) is measured too.
    if resolve(name) is resolve(api.name):
        return
    for hazard in sorted({d.hazard for d in api.defaults}):
        assert measure(name, hazard) == measure(api.name, hazard), f"{name} vs {api.name}: {hazard}"


# --------------------------------------------------------------------------------------
# 2. Signature defaults
# --------------------------------------------------------------------------------------

_SAMPLE_SHAPE = (5, 64, 128)  # (k, in, out): fan_in 320, fan_out 640


def _check_lecun_normal(initializer) -> None:
    jax = need("jax")
    np = need("numpy")
    initializers = need("flax.linen.initializers")
    key = jax.random.PRNGKey(0)
    sample = np.asarray(initializer(key, _SAMPLE_SHAPE), dtype=np.float64)
    reference = np.asarray(initializers.lecun_normal()(key, _SAMPLE_SHAPE), dtype=np.float64)
    np.testing.assert_array_equal(sample, reference)
    assert "lecun_normal" in _init_kinds(sample, fan_in=320, fan_out=640)


def _check_zeros(initializer) -> None:
    jax = need("jax")
    np = need("numpy")
    initializers = need("flax.linen.initializers")
    key = jax.random.PRNGKey(0)
    sample = np.asarray(initializer(key, (3, 4)))
    assert sample.shape == (3, 4)
    assert not sample.any()
    np.testing.assert_array_equal(sample, np.asarray(initializers.zeros(key, (3, 4))))


def _check_tf1_zeros_initializer(initializer) -> None:
    tf = need("tensorflow")
    np = need("numpy")
    assert type(initializer) is tf.compat.v1.zeros_initializer
    assert not np.asarray(initializer((3, 4))).any()


# Catalog values that are not literals, and how to tell the signature default is that.
CALLABLE_DEFAULTS = {
    "lecun_normal()": _check_lecun_normal,
    "zeros": _check_zeros,
    "zeros_initializer()": _check_tf1_zeros_initializer,
}


@pytest.mark.parametrize(
    "api, name, default",
    NAMED_DEFAULTS,
    ids=[f"{name}.{d.param}" for _, name, d in NAMED_DEFAULTS],
)
def test_signature_default_is_the_catalog_value(api, name, default):
    signature = signature_of(name)
    assert default.param in signature.parameters, f"{name}{signature}"
    actual = signature.parameters[default.param].default
    assert actual is not inspect.Parameter.empty, f"{name}: {default.param} is required, catalog says {default.value}"
    is_literal, expected = _literal(default.value)
    if is_literal:
        assert type(actual) is type(expected) and actual == expected, (
            f"{name}: {default.param} defaults to {actual!r}, catalog says {default.value}"
        )
    else:
        check = CALLABLE_DEFAULTS.get(default.value)
        assert check is not None, f"no way to check the non-literal catalog value {default.value!r}"
        check(actual)


# --------------------------------------------------------------------------------------
# 3. Behaviour: what a call that leaves the default out does
# --------------------------------------------------------------------------------------

# Probe sizes: spatial length N, C_IN input and C_OUT output channels, kernel K, stride 1.
# No two of them coincide, so an output shape tells layout and padding apart.
N, C_IN, C_OUT, K = 9, 4, 5, 3


def _lengths(transpose: bool) -> dict[str, int]:
    if transpose:
        return {"valid": N + K - 1, "same": N}
    return {"valid": N - K + 1, "same": N}


def _shape(layout: str, dims: int, channels: int, length: int = N) -> tuple[int, ...]:
    spatial = (length,) * dims
    return (1, *spatial, channels) if layout == "channels_last" else (1, channels, *spatial)


def _probe(run, dims: int, *, c_out: int = C_OUT, transpose: bool = False) -> tuple[str, str]:
    """Feed a channels-last and a channels-first input; return the one (layout, padding) that fits.

    ``run(layout)`` builds inputs (and kernels, for functional APIs) in ``layout`` and
    returns the output shape. The other layout's input must fail or give a shape that
    fits no reading, or the probe cannot tell and the test fails.
    """
    found, outputs = [], {}
    for layout in ("channels_last", "channels_first"):
        try:
            out = tuple(int(s) for s in run(layout))
        except Exception as error:  # each framework raises its own type for a shape mismatch
            outputs[layout] = f"{type(error).__name__}: {str(error)[:200]}"
            continue
        outputs[layout] = out
        for padding, length in _lengths(transpose).items():
            if out == _shape(layout, dims, c_out, length):
                found.append((layout, padding))
    assert len(found) == 1, f"cannot read layout and padding from {outputs}"
    return found[0]


def _init_kinds(values, fan_in: int, fan_out: int) -> frozenset[str]:
    """Which default initializers a sample of freshly initialised weights fits."""
    np = need("numpy")
    w = np.asarray(values, dtype=np.float64).ravel()
    peak, std = float(np.abs(w).max()), float(w.std())
    if peak == 0:
        return frozenset({"zeros"})
    tol = 0.03 if w.size >= 10_000 else 0.15

    def uniform(bound: float) -> bool:
        return bound * (1 - tol) <= peak <= bound * (1 + 1e-5) and abs(std / (bound / math.sqrt(3)) - 1) < tol

    def truncated_normal(stddev: float, limit: float) -> bool:
        return limit * (1 - tol) <= peak <= limit * (1 + 1e-5) and abs(std / stddev - 1) < tol

    root = 1 / math.sqrt(fan_in)
    kinds = set()
    if uniform(math.sqrt(6 / (fan_in + fan_out))):
        kinds.add("glorot_uniform")
    if uniform(root):
        # torch's kaiming_uniform_(a=sqrt(5)): bound sqrt(6 / ((1 + 5) fan_in)) = 1/sqrt(fan_in).
        kinds |= {"uniform", "kaiming_uniform"}
    if uniform(math.sqrt(6) * root):
        kinds.add("he_uniform")
    if truncated_normal(root, 2 * root / TRUNCATED_STD):
        kinds.add("lecun_normal")  # variance_scaling(1, fan_in, truncated_normal)
    if truncated_normal(TRUNCATED_STD * root, 2 * root):
        kinds.add("truncated_normal")  # haiku TruncatedNormal(1/sqrt(fan_in))
    if not kinds:
        kinds.add(f"unknown(n={w.size}, peak={peak:.5g}, std={std:.5g}, 1/sqrt(fan_in)={root:.5g})")
    return frozenset(kinds)


def _conv_reading(y, x, w) -> tuple[str, bool]:
    """(mode, kernel flipped?) of a 1-D result ``y`` of ``x`` and ``w``; odd kernel."""
    np = need("numpy")
    x, w, y = (np.asarray(a, dtype=np.float64).ravel() for a in (x, w, y))
    k = len(w)
    full = np.pad(x, k - 1)
    for flipped in (False, True):
        kernel = w[::-1] if flipped else w
        correlation = np.array([full[i : i + k] @ kernel for i in range(len(x) + k - 1)])
        modes = {"full": correlation, "same": correlation[(k - 1) // 2 : (k - 1) // 2 + len(x)]}
        modes["valid"] = correlation[k - 1 : len(x)]
        for mode, expected in modes.items():
            if y.shape == expected.shape and np.allclose(y, expected, rtol=1e-5, atol=1e-4):
                return mode, flipped
    return f"unknown {y.tolist()}", False


def _parts(name: str) -> SimpleNamespace:
    """What a catalog name is, as the experiments need it."""
    leaf = name.rsplit(".", 1)[1]
    api = CATALOG.lookup(name)
    # haiku.ConvND, equinox.nn.Conv: the rank is the first argument; the experiments use 1.
    n_d = api is not None and api.positional[:1] == ("num_spatial_dims",)
    match = re.search(r"(\d)[Dd]", leaf)
    return SimpleNamespace(
        obj=resolve(name),
        leaf=leaf,
        dims=int(match.group(1)) if match and not n_d else 1,
        prefix=(1,) if n_d else (),
        transpose="transpose" in leaf.lower(),
        depthwise=leaf.lower().startswith("depthwise"),
        separable=leaf.startswith("Separable"),
        functional=leaf[0].islower(),
    )


def _measure_keras(name: str, kw: dict) -> dict:
    np = need("numpy")
    p = _parts(name)

    def run(layout):
        # depth_multiplier=2 so that a 'same' depthwise output is not the input shape.
        layer = p.obj(K, depth_multiplier=2, **kw) if p.depthwise else p.obj(C_OUT, K, **kw)
        return layer(np.ones(_shape(layout, p.dims, C_IN), "float32")).shape

    layout, padding = _probe(run, p.dims, c_out=2 * C_IN if p.depthwise else C_OUT, transpose=p.transpose)
    return {"padding": padding, "data_format": layout, LAYOUT: layout}


def _measure_keras_init(name: str, kw: dict) -> dict:
    keras = need("keras")
    np = need("numpy")
    p = _parts(name)
    keras.utils.set_random_seed(0)
    # A built layer with 10^4+ weights in each kernel, fan_in != fan_out (glorot is not lecun).
    if p.depthwise or p.separable:
        layer = p.obj(3, **kw) if p.depthwise else p.obj(8, 3, **kw)
        layer.build((None, *(9,) * p.dims, 4096))
    else:
        layer = p.obj(128, 3, **kw)
        layer.build((None, *(9,) * p.dims, 64))
    if p.separable:
        weights = {"depthwise_initializer": layer.depthwise_kernel, "pointwise_initializer": layer.pointwise_kernel}
    elif p.depthwise:  # Keras 3 keeps the depthwise kernel as .kernel, Keras 2 as .depthwise_kernel
        weights = {"depthwise_initializer": layer.depthwise_kernel if hasattr(layer, "depthwise_kernel") else layer.kernel}
    else:
        weights = {"kernel_initializer": layer.kernel, KERNEL_INIT: layer.kernel}
    measured = {}
    for param, variable in weights.items():
        shape = tuple(variable.shape)
        receptive = math.prod(shape[:-2])  # Keras fans: (*kernel, in, out)
        measured[param] = _init_kinds(np.asarray(variable), receptive * shape[-2], receptive * shape[-1])
    measured["bias_initializer"] = measured[BIAS_INIT] = _init_kinds(np.asarray(layer.bias), 1, 1)
    return measured


def _measure_tf_nn(name: str, kw: dict) -> dict:
    tf = need("tensorflow")
    p = _parts(name)
    strides = 1 if p.dims == 1 else [1] * (p.dims + 2)
    if p.transpose:
        # The output shape is an argument: the padding is the one that accepts n (same) or n+k-1 (valid).
        filters = tf.ones((K,) * p.dims + (C_OUT, C_IN))  # (*k, out, in)
        found = []
        for layout in ("channels_last", "channels_first"):
            x = tf.ones(_shape(layout, p.dims, C_IN))
            for padding, length in _lengths(True).items():
                expected = _shape(layout, p.dims, C_OUT, length)
                try:
                    out = p.obj(x, filters, expected, strides, **kw)  # padding left out
                except Exception:  # TensorFlow raises InvalidArgument or Aborted for a mismatch
                    continue
                if tuple(out.shape) == expected:
                    found.append((layout, padding))
        assert len(found) == 1, f"{name}: {found}"
        (layout, padding), = found
        return {"padding": padding, "data_format": layout, LAYOUT: layout}
    c_out = 2 * C_IN if p.depthwise else C_OUT
    # tf.nn filters are (*k, in, out) (depthwise: (*k, in, multiplier)) in either layout.
    filters = tf.ones((K,) * p.dims + ((C_IN, 2) if p.depthwise else (C_IN, C_OUT)))

    def run(layout):
        x = tf.ones(_shape(layout, p.dims, C_IN))
        if p.leaf == "convolution":
            return p.obj(x, filters, **_required_padding(name), **kw).shape  # data_format (and padding) left out
        return p.obj(x, filters, strides, "VALID", **kw).shape

    layout, padding = _probe(run, p.dims, c_out=c_out)
    measured = {"data_format": layout, LAYOUT: layout}
    if p.leaf == "convolution" and not _required_padding(name):
        measured["padding"] = padding
    return measured


def _required_padding(name: str) -> dict:
    """tf.compat.v1.nn.convolution requires padding (third), tf.nn.convolution has a default."""
    return {"padding": "VALID"} if name.startswith(TF_V1_NN + ".") else {}


def _tf1_layer_run(p: SimpleNamespace, x, filters: int, kw: dict) -> list:
    """A TF1 layer function in a graph of its own, seeded: its output, then its variables (kernel, bias)."""
    tf = need("tensorflow")
    tf_keras = need("tf_keras")
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(0)
        tf_keras.utils.set_random_seed(0)  # the layers' initializers draw from it: the same numbers every run
        y = p.obj(tf.constant(x), filters, K, **kw)
        variables = v1.global_variables()
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            return session.run([y, *variables])


def _measure_tf1_layers(name: str, kw: dict) -> dict:
    tf = need("tensorflow")
    p = _parts(name)

    def run(layout):
        return p.obj(tf.ones(_shape(layout, p.dims, C_IN)), C_OUT, K, **kw).shape

    layout, padding = _probe(run, p.dims, transpose=p.transpose)
    return {"padding": padding, "data_format": layout, LAYOUT: layout}


def _measure_tf1_layers_init(name: str, kw: dict) -> dict:
    np = need("numpy")
    p = _parts(name)
    _, kernel, bias = _tf1_layer_run(p, np.ones((1, *(9,) * p.dims, 64), "float32"), 128, kw)
    receptive = math.prod(kernel.shape[:-2])
    kernel_kinds = _init_kinds(kernel, receptive * kernel.shape[-2], receptive * kernel.shape[-1])
    bias_kinds = _init_kinds(bias, 1, 1)
    return {"kernel_initializer": kernel_kinds, KERNEL_INIT: kernel_kinds, "bias_initializer": bias_kinds,
            BIAS_INIT: bias_kinds}


def _measure_lax(name: str, kw: dict) -> dict:
    jnp = need("jax.numpy")
    p = _parts(name)

    def run(layout):
        lhs = jnp.ones(_shape(layout, 1, C_IN))
        # channels-first kernels are (O, I, W); channels-last (W, I, O).
        rhs = jnp.ones((C_OUT, C_IN, K) if layout == "channels_first" else (K, C_IN, C_OUT))
        if p.leaf == "conv_with_general_padding":
            return p.obj(lhs, rhs, (1,), "VALID", None, None, **kw).shape
        return p.obj(lhs, rhs, (1,), "VALID", **kw).shape  # dimension_numbers left out

    layout, _ = _probe(run, 1, transpose=p.transpose)
    return {"dimension_numbers": layout, LAYOUT: layout}


def _measure_convolve(name: str, kw: dict) -> dict:
    np = need("numpy")
    p = _parts(name)
    x = np.arange(1.0, 8.0)
    w = np.array([1.0, 2.0, -3.0])
    if p.dims == 2:  # convolve2d: one row
        y = p.obj(x[None, :], w[None, :], **kw)
    else:
        y = p.obj(x, w, **kw)
    mode, flipped = _conv_reading(np.asarray(y), x, w)
    return {"mode": mode, "flips_kernel": flipped}


def _output_shape(forward, shape) -> tuple[int, ...]:
    """The output shape of a JAX ``forward`` on a float32 input of ``shape``, traced, not run.

    Tracing does every shape check a run does, without compiling (random initializers
    cost a second of compilation per shape).
    """
    jax = need("jax")
    return jax.eval_shape(forward, jax.ShapeDtypeStruct(shape, jax.numpy.float32)).shape


def _measure_flax_linen(name: str, kw: dict) -> dict:
    jax = need("jax")
    p = _parts(name)

    def forward(x):
        module = p.obj(C_OUT, K, **kw)
        return module.apply(module.init(jax.random.PRNGKey(0), x), x)

    layout, padding = _probe(
        lambda layout: _output_shape(forward, _shape(layout, 1, C_IN)), 1, transpose=p.transpose
    )
    return {"padding": padding, LAYOUT: layout}


def _measure_flax_linen_init(name: str, kw: dict) -> dict:
    jax = need("jax")
    np = need("numpy")
    params = resolve(name)(128, 5, **kw).init(jax.random.PRNGKey(0), jax.numpy.ones((1, 9, 64)))["params"]
    kernel = np.asarray(params["kernel"])
    assert kernel.shape == _SAMPLE_SHAPE  # (k, in, features) for Conv and ConvTranspose alike
    return {"kernel_init": _init_kinds(kernel, 320, 640), "bias_init": _init_kinds(params["bias"], 320, 640)}


def _measure_nnx(name: str, kw: dict) -> dict:
    nnx = need("flax.nnx")
    p = _parts(name)

    def forward(x):
        return p.obj(C_IN, C_OUT, K, rngs=nnx.Rngs(0), **kw)(x)

    layout, padding = _probe(
        lambda layout: _output_shape(forward, _shape(layout, 1, C_IN)), 1, transpose=p.transpose
    )
    return {"padding": padding, LAYOUT: layout}


def _measure_nnx_init(name: str, kw: dict) -> dict:
    nnx = need("flax.nnx")
    np = need("numpy")
    module = resolve(name)(64, 128, 5, rngs=nnx.Rngs(0), **kw)
    kernel = np.asarray(module.kernel[...])
    assert kernel.shape == _SAMPLE_SHAPE
    return {"kernel_init": _init_kinds(kernel, 320, 640), "bias_init": _init_kinds(module.bias[...], 320, 640)}


def _haiku_module(p: SimpleNamespace, channels: int, kw: dict):
    """A haiku layer of ``p`` with ``channels`` outputs (depthwise: channel multiplier)."""
    return p.obj(*p.prefix, channels, K, **kw)


def _measure_haiku(name: str, kw: dict) -> dict:
    jax = need("jax")
    hk = need("haiku")
    p = _parts(name)
    # channel_multiplier=2 so that a 'SAME' depthwise output is not the input shape.
    model = hk.transform(lambda x: _haiku_module(p, 2 if p.depthwise else C_OUT, kw)(x))

    def forward(x):
        return model.apply(model.init(jax.random.PRNGKey(0), x), None, x)

    layout, padding = _probe(
        lambda layout: _output_shape(forward, _shape(layout, p.dims, C_IN)),
        p.dims,
        c_out=2 * C_IN if p.depthwise else C_OUT,
        transpose=p.transpose,
    )
    return {"padding": padding, "data_format": layout, LAYOUT: layout}


def _measure_haiku_init(name: str, kw: dict) -> dict:
    jax = need("jax")
    hk = need("haiku")
    np = need("numpy")
    p = _parts(name)
    # Same weight shapes across classes where possible: a compiled initializer is reused.
    # fan_in != fan_out, so that fan_in and fan_avg scalings differ.
    channels = 4096 if p.depthwise else 64
    model = hk.transform(lambda x: _haiku_module(p, 1 if p.depthwise else 128, kw)(x))
    (params,) = model.init(jax.random.PRNGKey(0), jax.numpy.ones((1, *(5,) * p.dims, channels))).values()
    w = np.asarray(params["w"])
    receptive = math.prod(w.shape[:-2])
    # haiku's default fan_in: prod(w.shape[:-1]); transposed kernels are (*k, out, in), fan_in = prod(k) * in.
    fan_in, fan_out = receptive * w.shape[-2], receptive * w.shape[-1]
    if p.transpose:
        fan_in, fan_out = fan_out, fan_in
    w_kind = _init_kinds(w, fan_in, fan_out)
    b_kind = _init_kinds(params["b"], fan_in, fan_out)
    return {"w_init": w_kind, KERNEL_INIT: w_kind, "b_init": b_kind, BIAS_INIT: b_kind}


def _measure_equinox(name: str, kw: dict) -> dict:
    jax = need("jax")
    need("equinox")
    p = _parts(name)

    def forward(x):
        return p.obj(*p.prefix, C_IN, C_OUT, K, key=jax.random.PRNGKey(0), **kw)(x)

    def run(layout):
        # equinox convs take one unbatched example.
        return (1, *_output_shape(forward, _shape(layout, p.dims, C_IN)[1:]))

    layout, padding = _probe(run, p.dims, transpose=p.transpose)
    return {"padding": padding, LAYOUT: layout}


def _measure_equinox_init(name: str, kw: dict) -> dict:
    jax = need("jax")
    need("equinox")
    np = need("numpy")
    p = _parts(name)
    key = jax.random.PRNGKey(0)
    if p.dims == 1:
        module = p.obj(*p.prefix, 64, 512, 5, key=key, **kw)
    else:
        module = p.obj(*p.prefix, 64, 64, 3, key=key, **kw)
    weight = np.asarray(module.weight)  # (out, in/groups, *k)
    fan_in = weight.shape[1] * math.prod(weight.shape[2:])
    return {KERNEL_INIT: _init_kinds(weight, fan_in, fan_in), BIAS_INIT: _init_kinds(module.bias, fan_in, fan_in)}


def _measure_torch(name: str, kw: dict) -> dict:
    torch = pytest.importorskip("torch")
    p = _parts(name)

    def run(layout):
        x = torch.ones(_shape(layout, p.dims, C_IN))
        if p.functional:
            # weight: (out, in, *k); transposed (in, out, *k).
            channels = (C_IN, C_OUT) if p.transpose else (C_OUT, C_IN)
            return p.obj(x, torch.ones((*channels, *(K,) * p.dims)), **kw).shape  # padding left out
        return p.obj(C_IN, C_OUT, K, **kw)(x).shape

    with torch.no_grad():
        layout, padding = _probe(run, p.dims, transpose=p.transpose)
    return {"padding": padding, LAYOUT: layout}


def _measure_torch_init(name: str, kw: dict) -> dict:
    torch = pytest.importorskip("torch")
    p = _parts(name)
    assert not p.functional, f"{name} has no initializers"
    torch.manual_seed(0)
    module = p.obj(64, 2048, 5, **kw) if p.dims == 1 else p.obj(64, 64, 3, **kw)
    weight = module.weight.detach().numpy()
    # torch's fan_in: weight.shape[1] * prod(k), for Conv (out, in, *k) and ConvTranspose (in, out, *k).
    fan_in = weight.shape[1] * math.prod(weight.shape[2:])
    return {
        KERNEL_INIT: _init_kinds(weight, fan_in, fan_in),
        BIAS_INIT: _init_kinds(module.bias.detach().numpy(), fan_in, fan_in),
    }


# name prefix -> (measure of padding, layout and mode; measure of initializers)
_MEASURES = (
    ("keras.layers.", _measure_keras, _measure_keras_init),
    ("tensorflow.keras.layers.", _measure_keras, _measure_keras_init),
    ("tf_keras.layers.", _measure_keras, _measure_keras_init),
    ("tensorflow.python.keras.layers.", _measure_keras, _measure_keras_init),
    ("tensorflow.nn.", _measure_tf_nn, None),
    (TF_V1_NN + ".", _measure_tf_nn, None),
    (TF_V1_LAYERS + ".", _measure_tf1_layers, _measure_tf1_layers_init),
    ("jax.lax.", _measure_lax, None),
    ("jax.numpy.convolve", _measure_convolve, None),
    ("jax.scipy.signal.", _measure_convolve, None),
    ("numpy.convolve", _measure_convolve, None),
    ("scipy.signal.", _measure_convolve, None),
    ("flax.linen.", _measure_flax_linen, _measure_flax_linen_init),
    ("flax.nnx.", _measure_nnx, _measure_nnx_init),
    ("haiku.", _measure_haiku, _measure_haiku_init),
    ("equinox.nn.", _measure_equinox, _measure_equinox_init),
    ("torch.", _measure_torch, _measure_torch_init),
)


@functools.cache
def _measure(name: str, initializers: bool, overrides: tuple) -> dict:
    for prefix, shapes, inits in _MEASURES:
        if name.startswith(prefix):
            function = inits if initializers else shapes
            assert function is not None, f"no initializer experiment for {name}"
            return function(name, dict(overrides))
    raise AssertionError(f"no experiment for {name}: add one to _MEASURES")


def measure(name: str, hazard: str, overrides: tuple = ()) -> dict:
    """What calling ``name`` with its defaults does for ``hazard``, keyed by parameter and hazard.

    ``overrides`` are (parameter, value) pairs passed explicitly instead. Initializers are
    sampled only for the APIs whose initializer a test asks about: each JAX initializer
    shape costs a compilation.
    """
    if hazard == TRANSPOSE_KERNEL:
        kind = _transposed_kernel_kind(name, overrides)
        return {"transpose_kernel": kind, TRANSPOSE_KERNEL: kind}
    return _measure(name, hazard in (KERNEL_INIT, BIAS_INIT), overrides)


# x = [1, 2, 3, 4] through a transposed conv with the kernel [1, 10, 100], 'VALID' (docs/defaults.md).
_FLIPPED = [1, 12, 123, 234, 340, 400]  # the transpose of a convolution: Keras, PyTorch, transpose_kernel=True
_NOT_FLIPPED = [100, 210, 321, 432, 43, 4]


@functools.cache
def _transposed_kernel_kind(name: str, overrides: tuple = ()) -> str:
    """``flipped`` or ``not_flipped``: what a 1-channel transposed conv of ``name`` does to the kernel."""
    np = need("numpy")
    kw = dict(overrides)
    x = np.arange(1.0, 5.0, dtype="float32").reshape(1, 4, 1)
    w = np.array([1.0, 10.0, 100.0], "float32").reshape(3, 1, 1)  # (k, in, out) = (k, out, in)
    if name.startswith("jax.lax."):
        y = resolve(name)(x, w, (1,), "VALID", **kw)
    elif name.startswith("flax.linen."):
        y = resolve(name)(1, 3, padding="VALID", use_bias=False, **kw).apply({"params": {"kernel": w}}, x)
    elif name.startswith("flax.nnx."):
        module = resolve(name)(1, 1, 3, padding="VALID", use_bias=False, rngs=need("flax.nnx").Rngs(0), **kw)
        module.kernel.value = w
        y = module(x)
    elif _root(name) in ("keras", "tensorflow", "tf_keras"):
        layer = resolve(name)(1, 3, use_bias=False, **kw)
        layer.build((None, 4, 1))
        layer.kernel.assign(w)
        y = layer(x)
    elif name.startswith("torch."):
        torch = pytest.importorskip("torch")
        layer = resolve(name)(1, 1, 3, bias=False, **kw)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(w.reshape(1, 1, 3)))  # (in, out, k)
            y = layer(torch.from_numpy(x.transpose(0, 2, 1))).numpy().transpose(0, 2, 1)
    else:
        raise AssertionError(f"no transposed-kernel experiment for {name}")
    values = np.asarray(y, dtype="float64").ravel().round(3).tolist()
    return {tuple(_FLIPPED): "flipped", tuple(_NOT_FLIPPED): "not_flipped"}.get(tuple(values), f"unknown {values}")


def test_transposed_kernel_reference():
    # The worked example of docs/defaults.md: lax does not flip unless told to.
    assert _transposed_kernel_kind("jax.lax.conv_transpose") == "not_flipped"
    assert _transposed_kernel_kind("jax.lax.conv_transpose", (("transpose_kernel", True),)) == "flipped"
    assert _transposed_kernel_kind("keras.layers.Conv1DTranspose") == "flipped"


def _fits(measured, kind: str) -> bool:
    return kind in measured if isinstance(measured, frozenset) else measured == kind


@pytest.mark.parametrize(
    "api, default",
    ALL_DEFAULTS,
    ids=[f"{api.name}.{d.param or d.hazard}" for api, d in ALL_DEFAULTS],
)
def test_default_does_what_the_catalog_says(api, default):
    measured = measure(api.name, default.hazard)
    key = default.param or default.hazard
    assert key in measured, f"the experiment for {api.name} does not measure {key}"
    got = sorted(measured[key]) if isinstance(measured[key], frozenset) else measured[key]
    assert _fits(measured[key], default.kind), f"{api.name}: leaving {key} out gives {got!r}, catalog: {default.kind!r}"


@pytest.mark.parametrize(
    "api",
    [api for api in APIS if any(d.hazard == CONVOLVE_MODE for d in api.defaults)],
    ids=lambda api: api.name,
)
def test_signal_convolve_flips_the_kernel(api):
    # The convolve-mode rule says these are true convolutions, unlike every conv layer.
    assert measure(api.name, CONVOLVE_MODE)["flips_kernel"] is True


# The worked examples of docs/defaults.md, measured directly.


def test_keras_conv1d_reference():
    keras = need("keras")
    np = need("numpy")
    assert keras.config.image_data_format() == "channels_last"
    layer = keras.layers.Conv1D(2, 3)
    assert tuple(layer(np.ones((1, 7, 4), "float32")).shape) == (1, 5, 2)
    assert layer.padding == "valid" and layer.data_format == "channels_last"
    assert tuple(layer.kernel.shape) == (3, 4, 2)
    keras.utils.set_random_seed(0)
    layer = keras.layers.Conv1D(128, 5)
    layer.build((None, 7, 64))
    kernel = np.asarray(layer.kernel)
    bound = math.sqrt(6 / (320 + 640))  # 0.07906
    assert bound * 0.99 < np.abs(kernel).max() <= bound
    assert kernel.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # 0.0456
    assert not np.asarray(layer.bias).any()


def test_tensorflow_keras_is_keras_3():
    tf = need("tensorflow")
    keras = need("keras")
    assert tf.keras.layers.Conv1D is keras.layers.Conv1D


def test_tf_nn_convolution_reference():
    tf = need("tensorflow")
    out = tf.nn.convolution(tf.ones((1, 7, 1)), tf.ones((3, 1, 1)))
    assert tuple(out.shape) == (1, 5, 1)


def test_flax_haiku_equinox_reference():
    jax = need("jax")
    nn = need("flax.linen")
    hk = need("haiku")
    eqx = need("equinox")
    key = jax.random.PRNGKey(0)
    conv = nn.Conv(2, 3)
    assert _output_shape(lambda x: conv.apply(conv.init(key, x), x), (1, 7, 4)) == (1, 7, 2)
    model = hk.transform(lambda inputs: hk.Conv1D(2, 3)(inputs))
    assert _output_shape(lambda x: model.apply(model.init(key, x), None, x), (1, 7, 4)) == (1, 7, 2)
    assert _output_shape(lambda x: eqx.nn.Conv1d(4, 2, 3, key=key)(x), (4, 7)) == (2, 5)


def test_lax_reference():
    jnp = need("jax.numpy")
    lax = need("jax.lax")
    np = need("numpy")
    assert lax.conv(jnp.ones((1, 1, 7)), jnp.ones((1, 1, 3)), (1,), "VALID").shape == (1, 1, 5)
    with pytest.raises((TypeError, ValueError)):
        lax.conv_general_dilated(jnp.ones((1, 7, 2)), jnp.ones((3, 2, 1)), (1,), "VALID")  # NWC / WIO
    x = jnp.arange(1.0, 5.0).reshape(1, 4, 1)
    w = jnp.array([1.0, 10.0, 100.0]).reshape(3, 1, 1)
    out = lax.conv_transpose(x, w, (1,), "VALID")
    assert out.shape == (1, 6, 1)
    np.testing.assert_allclose(np.asarray(out).ravel(), [100, 210, 321, 432, 43, 4])  # kernel not flipped


@pytest.mark.parametrize(
    "name",
    [a.name for a in APIS if any(d.hazard == CONVOLVE_MODE for d in a.defaults)],
)
def test_convolve_reference(name):
    np = need("numpy")
    x, w = np.arange(1.0, 8.0), np.array([1.0, 2.0, -3.0])
    if _parts(name).dims == 2:  # convolve2d: one row
        x, w = x[None, :], w[None, :]
    out = np.asarray(resolve(name)(x, w)).ravel()
    np.testing.assert_allclose(out, [1, 4, 4, 4, 4, 4, 4, -4, -21], atol=1e-4)  # n + k - 1, flipped


# --------------------------------------------------------------------------------------
# 4. CONTRASTS
# --------------------------------------------------------------------------------------

_KIND_SPELLINGS = {"uniform": ("uniform", "u(")}


def _contrast_experiment(api: ConvAPI, hazard: str):
    """What ``api`` does for ``hazard``, measured."""
    if hazard != CONVOLVE_MODE:
        return measure(api.name, hazard)[hazard]
    # A conv layer's answer to a signal convolve: its default padding, kernel flipped or not.
    np = need("numpy")
    x = np.arange(1.0, 8.0, dtype="float32").reshape(1, 7, 1)
    w = np.array([1.0, 2.0, -3.0], "float32").reshape(3, 1, 1)
    if _root(api.name) == "keras":
        layer = resolve(api.name)(1, 3, use_bias=False)
        layer.build((None, 7, 1))
        layer.kernel.assign(w)
        y = layer(x)
    elif api.name == "flax.linen.Conv":
        y = resolve(api.name)(1, 3, use_bias=False).apply({"params": {"kernel": w}}, x)
    else:
        raise AssertionError(f"no convolve-mode experiment for {api.name}")
    mode, flipped = _conv_reading(y, x, w)
    return f"{mode} (flipped)" if flipped else mode


CONTRAST_CASES = [(hazard, contrast) for hazard, contrasts in CONTRASTS.items() for contrast in contrasts]


@pytest.mark.parametrize(
    "hazard, contrast",
    CONTRAST_CASES,
    ids=[f"{hazard}-{contrast.api}" for hazard, contrast in CONTRAST_CASES],
)
def test_contrast_is_true(hazard, contrast):
    assert hazard in (PADDING, KERNEL_INIT, BIAS_INIT, LAYOUT, CONVOLVE_MODE, TRANSPOSE_KERNEL)
    api = CATALOG.lookup(contrast.api)
    assert api is not None, f"{contrast.api} is not a catalog name"
    assert contrast.side == api.side
    # The text shown in a message names the kind it stands for.
    spelled = re.sub(r"[\s_\-']", "", contrast.value.lower())
    assert any(re.sub(r"[_\-]", "", s) in spelled for s in _KIND_SPELLINGS.get(contrast.kind, (contrast.kind,)))
    defaults = [d for d in api.defaults if d.hazard == hazard]
    if defaults:
        assert {d.kind for d in defaults} == {contrast.kind}, f"catalog entry for {api.name}: {defaults}"
    measured = _contrast_experiment(api, hazard)
    assert _fits(measured, contrast.kind), f"{api.name} {hazard}: measured {measured!r}, contrast: {contrast.kind!r}"


# --------------------------------------------------------------------------------------
# 5. Pins and alignments: the source `conv-lint fix` writes does what the catalog says
# --------------------------------------------------------------------------------------


def _initializers_module(api: ConvAPI):
    """The first of ``api.initializers`` that imports: what ``{init}`` stands for."""
    for module in api.initializers:
        if _root(module) in OPTIONAL_ROOTS and importlib.util.find_spec(_root(module)) is None:
            continue
        return resolve(module)  # an attribute path: flax.nnx.initializers is not a module
    raise AssertionError(f"{api.name}: none of {api.initializers} imports")


def _evaluate(api: ConvAPI, source: str):
    """The value of a pin or alignment source, as the fixed call would compute it."""
    if "{init}" not in source:
        is_literal, value = _literal(source)
        assert is_literal, f"{api.name}: {source!r} is neither a literal nor an {{init}} expression"
        return value
    return eval(source.replace("{init}", "_init"), {"__builtins__": {}}, {"_init": _initializers_module(api)})


def _rank_of(name: str) -> int | None:
    match = re.search(r"(\d)[Dd]", name.rsplit(".", 1)[1])
    return int(match.group(1)) if match else None


def _outputs(api: ConvAPI, rank: int, overrides: tuple) -> list:
    """Every number a small call of ``api`` produces: its output and any weights it created.

    The same inputs and random seeds every time, so two calls that differ only in spelling
    a default out give identical lists.
    """
    np = need("numpy")
    name = api.name
    kw = dict(overrides)
    p = _parts(name)
    rng = np.random.default_rng(0)

    def data(shape):
        return rng.standard_normal(shape).astype("float32")

    layout = next((d.kind for d in api.defaults if d.hazard == LAYOUT), "channels_last")
    x = data(_shape(layout, rank, C_IN))
    if name.startswith(("keras.", "tensorflow.keras.", "tf_keras.")):
        keras = need("keras")
        keras.utils.set_random_seed(0)
        layer = p.obj(K, depth_multiplier=2, **kw) if p.depthwise else p.obj(C_OUT, K, **kw)
        return [layer(x), *layer.weights]
    if name.startswith(TF_V1_LAYERS + "."):
        return _tf1_layer_run(p, x, C_OUT, kw)
    if name.startswith(("tensorflow.nn.", TF_V1_NN + ".")):
        strides = 1 if rank == 1 else [1] * (rank + 2)
        if p.transpose:
            output_shape = _shape(layout, rank, C_OUT, _lengths(True)["same"])  # the catalog's 'SAME'
            return [p.obj(x, data((K,) * rank + (C_OUT, C_IN)), output_shape, strides, **kw)]
        filters = data((K,) * rank + ((C_IN, 2) if p.depthwise else (C_IN, C_OUT)))
        if p.leaf == "convolution":
            return [p.obj(x, filters, **_required_padding(name), **kw)]
        return [p.obj(x, filters, strides, "VALID", **kw)]
    if name.startswith("jax.lax."):
        rhs = data((C_OUT, C_IN, *(K,) * rank) if layout == "channels_first" else ((K,) * rank + (C_IN, C_OUT)))
        return [p.obj(x, rhs, (1,) * rank, "VALID", **kw)]
    if any(d.hazard == CONVOLVE_MODE for d in api.defaults):
        shape = (2, 7) if p.dims == 2 else (7,)
        return [p.obj(data(shape), data(shape[:-1] + (3,)), **kw)]
    jax = need("jax")
    key = jax.random.PRNGKey(0)
    if name.startswith("flax.linen."):
        module = p.obj(C_OUT, K, **kw)
        params = module.init(key, x)
        return [module.apply(params, x), *jax.tree.leaves(params)]
    if name.startswith("flax.nnx."):
        module = p.obj(C_IN, C_OUT, K, rngs=need("flax.nnx").Rngs(0), **kw)
        return [module(x), module.kernel[...], module.bias[...]]
    if name.startswith("haiku."):
        hk = need("haiku")
        model = hk.transform(lambda inputs: _haiku_module(p, 2 if p.depthwise else C_OUT, kw)(inputs))
        params = model.init(key, x)
        return [model.apply(params, None, x), *jax.tree.leaves(params)]
    if name.startswith("equinox.nn."):
        module = p.obj(*p.prefix, C_IN, C_OUT, K, key=key, **kw)
        return [module(x[0]), module.weight, module.bias]
    if name.startswith("torch."):
        torch = pytest.importorskip("torch")
        torch.manual_seed(0)
        tx = torch.from_numpy(x)
        if p.functional:
            channels = (C_IN, C_OUT) if p.transpose else (C_OUT, C_IN)
            return [p.obj(tx, torch.from_numpy(data((*channels, *(K,) * rank))), **kw)]
        module = p.obj(C_IN, C_OUT, K, **kw)
        return [module(tx).detach(), module.weight.detach(), module.bias.detach()]
    raise AssertionError(f"no pin experiment for {name}")


def _pin_cases():
    for api in APIS:
        for default in api.defaults:
            if default.pin is None:
                continue
            if isinstance(default.pin, tuple):
                for rank, source in enumerate(default.pin, start=1):
                    yield api, default, rank, source
            else:
                yield api, default, _rank_of(api.name) or 1, default.pin


PIN_CASES = list(_pin_cases())


@pytest.mark.parametrize(
    "api, default, rank, source",
    PIN_CASES,
    ids=[f"{api.name}.{d.param}-{rank}d" for api, d, rank, _ in PIN_CASES],
)
def test_pin_does_what_leaving_the_default_out_does(api, default, rank, source):
    assert default.param is not None and not default.no_pin
    is_literal, value = _literal(default.value)
    pinned = _evaluate(api, source)
    if is_literal and type(pinned) is type(value) and pinned == value:
        return  # the pin spells the signature default itself (checked against the signature above)
    np = need("numpy")
    leaving_out = _outputs(api, rank, ())
    pinning = _outputs(api, rank, ((default.param, pinned),))
    assert len(leaving_out) == len(pinning)
    for left, pinned_out in zip(leaving_out, pinning):
        np.testing.assert_array_equal(np.asarray(pinned_out), np.asarray(left), err_msg=f"{default.param}={source}")


# The conv layer `fix --align-with TARGET` copies, per target.
ALIGN_TARGET_APIS = {
    "tensorflow": "keras.layers.Conv1D",
    "flax": "flax.linen.Conv",
    "jax": "flax.linen.Conv",
    "torch": "torch.nn.Conv1d",
}


ALIGN_TARGET_CASES = [(target, h, kind) for target, table in ALIGN_TARGETS.items() for h, kind in table.items()]


@pytest.mark.parametrize(
    "target, hazard, kind", ALIGN_TARGET_CASES, ids=[f"{t}-{h}" for t, h, _ in ALIGN_TARGET_CASES]
)
def test_align_target_is_that_frameworks_default(target, hazard, kind):
    assert target in ALIGN_TARGET_APIS, f"which conv layer is the {target!r} alignment target?"
    api = CATALOG.lookup(ALIGN_TARGET_APIS[target])
    claims = {d.kind for d in api.defaults if d.hazard == hazard}
    claims |= {c.kind for c in CONTRASTS[hazard] if c.api == api.name}
    assert claims == {kind}, f"{api.name} {hazard}: the catalog says {claims}, ALIGN_TARGETS says {kind!r}"
    assert _fits(measure(api.name, hazard)[hazard], kind)


ALIGN_SOURCE_CASES = [(library, h, k, src) for library, table in ALIGN_SOURCES.items() for (h, k), src in table.items()]


@pytest.mark.parametrize(
    "library, hazard, kind, source",
    ALIGN_SOURCE_CASES,
    ids=[f"{f}-{h}-{k}" for f, h, k, _ in ALIGN_SOURCE_CASES],
)
def test_align_source_gives_that_kind(library, hazard, kind, source):
    api = next(api for api in APIS if api.library == library)  # the library's 1-D conv layer
    (default,) = [d for d in api.defaults if d.hazard == hazard]
    measured = measure(api.name, hazard, ((default.param, _evaluate(api, source)),))
    got = measured[default.param]
    assert _fits(got, kind), f"{api.name}({default.param}={source}) gives {got!r}"


# --------------------------------------------------------------------------------------
# 6. Arrays and initializers: the data the kernel-shape tracking reads
# --------------------------------------------------------------------------------------

SLOTS = [
    *ARRAY_MAKERS.items(),
    *RESHAPES.items(),
    *PERMUTES.items(),
    *((name, slot) for name, pair in SWAPS.items() for slot in pair),
    *((name, slot) for name, pair in UNIFORM_BOUNDS.items() for slot in pair),
    *NORMAL_STDS.items(),
    *TRUNCATED_NORMALS.items(),
]


@pytest.mark.parametrize("name, slot", SLOTS, ids=[f"{name}.{slot.keyword or slot.position}" for name, slot in SLOTS])
def test_argument_slot_is_where_the_signature_takes_it(name, slot):
    """Each (position, keyword) the shape tracking reads an argument from is that parameter's."""
    obj = resolve(name)
    try:
        signature = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
    except ValueError:
        pytest.skip(f"{name} has no inspect.signature")
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    if slot.varargs and parameters[slot.position].kind is inspect.Parameter.VAR_POSITIONAL:
        return  # np.random.randn(*dims)
    assert parameters[slot.position].name == slot.keyword, f"{name}{signature}"


@pytest.mark.parametrize("module, position", INITIALIZER_MODULES.items())
def test_initializers_take_the_shape_where_the_catalog_says(module, position):
    jax = need("jax")
    shape = (3, 4, 8)
    if module == "haiku.initializers":
        hk = need("haiku")
        model = hk.transform(lambda: resolve(f"{module}.TruncatedNormal")()(shape, jax.numpy.float32))
        array = model.apply(model.init(jax.random.PRNGKey(0)), jax.random.PRNGKey(0))
    else:
        arguments = [jax.random.PRNGKey(0)]
        arguments.insert(position, shape)
        array = resolve(f"{module}.lecun_normal")()(*arguments)
        assert resolve(f"{module}.zeros")(jax.random.PRNGKey(0), shape).shape == shape  # an initializer itself
    assert array.shape == shape


WEIGHTED = [api for api in APIS if api.weight is not None and _rank_of(api.name) in (1, None)]


@pytest.mark.parametrize("api", WEIGHTED, ids=lambda api: api.name)
def test_layer_kernel_has_the_catalog_axes(api):
    """A layer with in=4, out=8, kernel 3 keeps its kernel as ``weight.layout`` says."""
    c_in, c_out, k = 4, 8, 3
    name = api.name
    p = _parts(name)
    if name.startswith(("keras.", "tensorflow.keras.", "tf_keras.")):
        layer = p.obj(c_out, k)
        layer.build((None, 9, c_in))
    elif name.startswith("flax.nnx."):
        layer = p.obj(c_in, c_out, k, rngs=need("flax.nnx").Rngs(0))
    elif name.startswith("equinox."):
        layer = p.obj(*p.prefix, c_in, c_out, k, key=need("jax").random.PRNGKey(0))
    elif name.startswith("torch."):
        layer = p.obj(c_in, c_out, k)
    else:
        raise AssertionError(f"no kernel-axes experiment for {name}")
    sizes = {"O": c_out, "I": c_in, "S": k}
    assert tuple(getattr(layer, api.weight.attribute).shape) == tuple(sizes[axis] for axis in api.weight.layout)


def test_truncated_std_is_that_of_a_normal_cut_at_two_sigma():
    from conv_lint.catalog import TRUNCATED_STD

    stats = need("scipy.stats")
    assert TRUNCATED_STD == pytest.approx(stats.truncnorm(-2, 2).std(), rel=1e-12)


# --------------------------------------------------------------------------------------
# 7. TF1's layers, in a process of their own
# --------------------------------------------------------------------------------------

TF1_LAYER_CASES = "tensorflow.compat.v1.layers"  # every test id above naming a TF1 layer contains this


def test_tf1_layers_in_a_legacy_keras_process():
    """The tests above, for the TF1 layer entries, run where those layers exist: TensorFlow with
    TF_USE_LEGACY_KERAS=1 (tf_keras underneath). Each one skips in this process."""
    import subprocess
    import sys

    need("tensorflow")
    pytest.importorskip("tf_keras")
    if LEGACY_KERAS:
        pytest.skip("this is the legacy-Keras process")
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1"}
    command = [sys.executable, "-m", "pytest", __file__, "-q", "-p", "no:cacheprovider", "-k",
               f"{TF1_LAYER_CASES} or tf1_layer_kernel_initializer"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    passed = re.search(r"(\d+) passed", result.stdout)
    names = sum(len(api.names) for api in APIS if api.name.startswith(TF1_LAYER_CASES))
    defaults = sum(len(api.defaults) for api in APIS if api.name.startswith(TF1_LAYER_CASES))
    # signatures and signature defaults per name, behaviour per default, at least
    assert passed and int(passed.group(1)) >= 2 * names + defaults, result.stdout[-3000:]
    assert " skipped" not in result.stdout.splitlines()[-1], result.stdout[-3000:]


def test_tf1_layer_kernel_initializer_is_the_variable_scopes():
    """kernel_initializer=None is get_variable's default: the enclosing variable_scope's initializer
    (the reason the catalog writes no pin for it), glorot_uniform where no scope sets one (measured above)."""
    tf = need("tensorflow")
    np = need("numpy")
    p = _parts(f"{TF1_LAYER_CASES}.conv1d")  # skips outside a TF_USE_LEGACY_KERAS=1 process
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default(), v1.variable_scope("scope", initializer=v1.constant_initializer(0.5)):
        p.obj(tf.ones((1, 9, 4)), C_OUT, K)
        (kernel,) = [v for v in v1.global_variables() if v.name.endswith("kernel:0")]
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            assert np.all(session.run(kernel) == 0.5)


# --------------------------------------------------------------------------------------
# 5. Windows whose padding default cannot differ (conv_lint.rules.defaults._padding_cannot_differ)
# --------------------------------------------------------------------------------------


def test_a_transposed_kernel_equal_to_its_stride_gives_every_default_padding_the_same_output():
    """CNV001 is not reported on a transposed conv whose kernel equals its stride: Keras' 'valid' and
    'same', Flax's 'SAME' and 'VALID' and PyTorch's 0 give the same output, values included; at a
    1-sized kernel and stride 2 PyTorch's is one row shorter, so that one is reported."""
    np = need("numpy")
    keras = need("keras")
    jnp = need("jax.numpy")
    linen = need("flax.linen")
    x = np.random.RandomState(0).randn(1, 5, 7, 3).astype("float32")

    def outputs(k: int, s: int) -> dict:
        kernel = np.random.RandomState(1).randn(k, k, 4, 3).astype("float32")  # (h, w, out, in), Keras' order
        found = {}
        for padding in ("valid", "same"):
            layer = keras.layers.Conv2DTranspose(4, k, strides=s, padding=padding, use_bias=False)
            layer.build(x.shape)
            layer.kernel.assign(kernel)
            found[f"keras {padding}"] = np.asarray(layer(x))
        for padding in ("SAME", "VALID"):
            layer = linen.ConvTranspose(4, (k, k), strides=(s, s), padding=padding, use_bias=False, transpose_kernel=True)
            found[f"flax {padding}"] = np.asarray(layer.apply({"params": {"kernel": jnp.asarray(kernel)}}, x))
        if importlib.util.find_spec("torch") is not None:
            torch = importlib.import_module("torch")
            layer = torch.nn.ConvTranspose2d(3, 4, k, s, bias=False)
            with torch.no_grad():
                layer.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1)))
                found["torch 0"] = layer(torch.from_numpy(x.transpose(0, 3, 1, 2))).numpy().transpose(0, 2, 3, 1)
        return found

    for k in (2, 3):
        same = outputs(k, k)
        reference = same["keras valid"]
        for name, output in same.items():
            assert output.shape == reference.shape and np.allclose(output, reference, atol=1e-5), (k, name)
    if importlib.util.find_spec("torch") is not None:  # Keras and Flax give n * s rows here too; PyTorch n * s - 1
        shapes = {name: output.shape for name, output in outputs(1, 2).items()}
        assert shapes["torch 0"] != shapes["keras valid"] == shapes["flax SAME"], shapes
