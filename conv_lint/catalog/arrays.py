"""Arrays and initializers, as data: the functions that make, copy, reshape or transpose arrays
(for ``conv_lint.dataflow``) and the initializers and random draws the initializer rules read.
Positions and keywords are read off the signatures (tests check them)."""

from __future__ import annotations

from conv_lint.catalog.model import Slot

# Functions that create an array of a shape written in the call.
ARRAY_MAKERS: dict[str, Slot] = {
    **{f"jax.random.{name}": Slot(1, "shape") for name in ("normal", "uniform", "laplace", "logistic", "gumbel")},
    "jax.random.truncated_normal": Slot(3, "shape"),
    **{f"{module}.{name}": Slot(0, "shape") for module in ("jax.numpy", "numpy") for name in ("zeros", "ones", "empty", "full")},
    "numpy.random.normal": Slot(2, "size"),
    "numpy.random.uniform": Slot(2, "size"),
    "numpy.random.standard_normal": Slot(0, "size"),
    "numpy.random.randn": Slot(0, varargs=True),
    "numpy.random.rand": Slot(0, varargs=True),
    **{f"tensorflow.{name}": Slot(0, "shape") for name in ("zeros", "ones", "random.normal", "random.uniform", "random.truncated_normal")},
    **{f"torch.{name}": Slot(0, "size", varargs=True) for name in ("zeros", "ones", "empty", "randn", "rand")},
}
# Functions that hand back their first argument's array (same shape, same layout).
ARRAY_COPIES = frozenset(
    {
        *(f"{module}.{name}" for module in ("jax.numpy", "numpy") for name in ("asarray", "array", "copy")),
        "jax.device_put",
        "tensorflow.constant",
        "tensorflow.convert_to_tensor",
        "tensorflow.Variable",
        "torch.tensor",
        "torch.as_tensor",
        "torch.from_numpy",
    }
)
# array -> new shape
RESHAPES: dict[str, Slot] = {
    "jax.numpy.reshape": Slot(1, "shape"),
    "numpy.reshape": Slot(1, "shape"),
    "tensorflow.reshape": Slot(1, "shape"),
    "torch.reshape": Slot(1, "shape"),
}
# array -> permutation of its axes
PERMUTES: dict[str, Slot] = {
    "jax.numpy.transpose": Slot(1, "axes"),
    "numpy.transpose": Slot(1, "axes"),
    "tensorflow.transpose": Slot(1, "perm"),
    "torch.permute": Slot(1, "dims"),
}
# array -> two axes swapped
SWAPS: dict[str, tuple[Slot, Slot]] = {
    "jax.numpy.swapaxes": (Slot(1, "axis1"), Slot(2, "axis2")),
    "numpy.swapaxes": (Slot(1, "axis1"), Slot(2, "axis2")),
    "torch.transpose": (Slot(1, "dim0"), Slot(2, "dim1")),
    "torch.swapaxes": (Slot(1, "axis0"), Slot(2, "axis1")),
}
# Methods of an array that keep its shape and layout.
SAME_ARRAY_METHODS = frozenset(
    {"astype", "copy", "clone", "detach", "cpu", "numpy", "contiguous", "to", "float", "double", "block_until_ready"}
)
# Where weights exported from a layer keep the kernel, by each framework's naming: PyTorch and
# Equinox call it `weight`, (out, in, *k); Keras and Flax `kernel`, (*k, in, out). The same names
# are the keys of a PyTorch state dict ("conv.weight") and of Flax params ("kernel").
KERNEL_NAMES: dict[str, str] = {"weight": "OIS", "kernel": "SIO"}

# Initializer modules, and where the initializers they make take the shape when called:
# JAX-style (key, shape, dtype), Haiku (shape, dtype).
INITIALIZER_MODULES: dict[str, int] = {
    "jax.nn.initializers": 1,
    "flax.linen.initializers": 1,
    "flax.nnx.initializers": 1,
    "haiku.initializers": 0,
}
# In the JAX-style modules these are initializers themselves, not factories of one.
INITIALIZER_FUNCTIONS = frozenset({"zeros", "ones"})

# Truncated normals whose `stddev` is that of the normal before truncation (at ±2 stddev), with
# no correction: the samples' std is 0.88 stddev. (variance_scaling and lecun_normal correct it.)
TRUNCATED_NORMALS: dict[str, Slot] = {
    "haiku.initializers.TruncatedNormal": Slot(0, "stddev"),
    **{f"{module}.truncated_normal": Slot(0, "stddev") for module in INITIALIZER_MODULES if module != "haiku.initializers"},
    **{f"{prefix}.initializers.TruncatedNormal": Slot(1, "stddev") for prefix in ("keras", "tensorflow.keras", "tf_keras")},
}
# The std of a standard normal truncated to [-2, 2].
TRUNCATED_STD = 0.87962566103423978

# Random draws whose spread is written as a formula: uniform(low, high) and normal(std)...
UNIFORM_BOUNDS: dict[str, tuple[Slot, Slot]] = {
    "jax.random.uniform": (Slot(3, "minval"), Slot(4, "maxval")),
    "numpy.random.uniform": (Slot(0, "low"), Slot(1, "high")),
    "tensorflow.random.uniform": (Slot(1, "minval"), Slot(2, "maxval")),
    "torch.nn.init.uniform_": (Slot(1, "a"), Slot(2, "b")),
}
NORMAL_STDS: dict[str, Slot] = {
    "numpy.random.normal": Slot(1, "scale"),
    "tensorflow.random.normal": Slot(2, "stddev"),
    "torch.nn.init.normal_": Slot(2, "std"),
}
# ... or drawn with std 1 and then scaled: `jax.random.normal(key, shape) * std`.
STANDARD_NORMALS = frozenset(
    {"jax.random.normal", "numpy.random.randn", "numpy.random.standard_normal", "torch.randn", "tensorflow.random.normal"}
)
