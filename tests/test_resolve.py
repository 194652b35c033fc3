"""Name resolution and argument binding: what counts as a framework call, and what is explicit."""

import textwrap

import pytest

from conv_lint.analyzer import analyze


def apis(source: str) -> list[str]:
    """The qualified API of each flagged call, once per call, in source order."""
    seen = {}
    for finding in analyze(textwrap.dedent(source), "x.py"):
        seen.setdefault((finding.line, finding.column), finding.api)
    return list(seen.values())


def codes(source: str) -> set[str]:
    return {finding.code for finding in analyze(textwrap.dedent(source), "x.py")}


@pytest.mark.parametrize(
    ("imports", "call", "api"),
    [
        ("import tensorflow as tf", "tf.keras.layers.Conv1D(8, 3)", "keras.layers.Conv1D"),
        ("import tensorflow", "tensorflow.keras.layers.Conv2D(8, 3)", "keras.layers.Conv2D"),
        ("from tensorflow import keras", "keras.layers.Conv1D(8, 3)", "keras.layers.Conv1D"),
        ("from tensorflow.keras import layers as L", "L.Conv1D(8, 3)", "keras.layers.Conv1D"),
        ("import tensorflow.keras.layers as tfkl", "tfkl.SeparableConv2D(8, 3)", "keras.layers.SeparableConv2D"),
        ("from keras import layers", "layers.Convolution1D(8, 3)", "keras.layers.Conv1D"),
        ("import tensorflow.compat.v2 as tf", "tf.nn.conv1d(x, w, 1, 'SAME')", "tensorflow.nn.conv1d"),
        ("import tensorflow as tf", "tf.compat.v2.keras.layers.Conv2D(8, 3)", "keras.layers.Conv2D"),
        ("from keras.layers import Conv3DTranspose as T", "T(8, 3)", "keras.layers.Conv3DTranspose"),
        ("import tf_keras", "tf_keras.layers.DepthwiseConv2D(3)", "keras.layers.DepthwiseConv2D"),
        ("from jax import lax", "lax.conv_general_dilated(x, w, (1,), 'SAME')", "jax.lax.conv_general_dilated"),
        ("import jax.lax as lax", "lax.conv_transpose(x, w, (1,), 'SAME')", "jax.lax.conv_transpose"),
        ("import jax", "jax.lax.conv(x, w, (1,), 'SAME')", "jax.lax.conv"),
        ("import jax.numpy as jnp", "jnp.convolve(x, k)", "jax.numpy.convolve"),
        ("import jax.numpy", "jax.numpy.convolve(x, k)", "jax.numpy.convolve"),
        ("from jax.scipy import signal", "signal.convolve(x, k)", "jax.scipy.signal.convolve"),
        ("import numpy as np", "np.convolve(x, k)", "numpy.convolve"),
        ("from scipy import signal", "signal.fftconvolve(x, k)", "scipy.signal.fftconvolve"),
        ("import flax.linen as nn", "nn.Conv(4, 3)", "flax.linen.Conv"),
        ("from flax import linen as nn", "nn.ConvTranspose(4, 3)", "flax.linen.ConvTranspose"),
        ("from flax import nnx", "nnx.Conv(2, 4, 3, rngs=r)", "flax.nnx.Conv"),
        ("import haiku as hk", "hk.Conv2D(4, 3)", "haiku.Conv2D"),
        ("import equinox as eqx", "eqx.nn.Conv1d(2, 4, 3, key=k)", "equinox.nn.Conv1d"),
        ("from equinox import nn", "nn.Conv2d(2, 4, 3, key=k)", "equinox.nn.Conv2d"),
        ("from torch import nn", "nn.Conv1d(2, 4, 3)", "torch.nn.Conv1d"),
        ("import torch.nn.functional as F", "F.conv1d(x, w)", "torch.nn.functional.conv1d"),
        ("from keras.layers import *", "Conv1D(8, 3)", "keras.layers.Conv1D"),
        ("import tensorflow as tf\ntfkl = tf.keras.layers", "tfkl.Conv1D(8, 3)", "keras.layers.Conv1D"),
        ("import flax.linen as nn\nConv = nn.Conv", "Conv(4, 3)", "flax.linen.Conv"),
        ("import tensorflow as tf\nL = tf.keras.layers\nC = L.Conv1D", "C(8, 3)", "keras.layers.Conv1D"),
        # Keras 2 and TF1-era code (issue 15): Keras 2's module paths are the tf_keras entries.
        ("from keras.layers.convolutional import Conv1D", "Conv1D(8, 3)", "tf_keras.layers.Conv1D"),
        ("from keras.layers.convolutional.conv2d import Conv2D", "Conv2D(8, 3)", "keras.layers.Conv2D"),
        ("from tensorflow.python.keras.layers import convolutional as C", "C.Conv3DTranspose(8, 3)",
         "tf_keras.layers.Conv3DTranspose"),
        ("import tensorflow.python.keras.layers as L", "L.SeparableConv1D(8, 3)", "keras.layers.SeparableConv1D"),
        ("import tensorflow.compat.v1 as tf", "tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME')", "tensorflow.compat.v1.nn.conv2d"),
        ("import tensorflow as tf", "tf.compat.v1.nn.conv1d(x, w, 1, 'SAME')", "tensorflow.compat.v1.nn.conv1d"),
        ("import tensorflow.compat.v1 as tf", "tf.nn.conv1d_transpose(x, w, s, 1)", "tensorflow.nn.conv1d_transpose"),
        ("import tensorflow.compat.v1 as tf", "tf.keras.layers.Conv2D(8, 3)", "keras.layers.Conv2D"),
        ("import tensorflow.compat.v1 as tf", "tf.layers.conv2d(x, 8, 3)", "tensorflow.compat.v1.layers.conv2d"),
        ("import tensorflow as tf", "tf.compat.v1.layers.conv3d(x, 8, 3)", "tensorflow.compat.v1.layers.conv3d"),
    ],
)
def test_import_spellings_resolve(imports, call, api):
    assert apis(f"{imports}\n{call}\n") == [api]


@pytest.mark.parametrize(
    "call",
    [
        "tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME', True, 'NCHW')",  # v1: use_cudnn_on_gpu comes before data_format
        "tf.nn.conv1d(x, w, 1, 'SAME', None, 'NCW')",
        "tf.nn.convolution(x, w, 'SAME', None, None, None, 'NCHW')",  # v1: padding third, data_format seventh
        "tf.layers.conv2d(x, 8, 3, 1, 'same', 'channels_first', kernel_initializer=k, use_bias=False)",
    ],
)
def test_compat_v1_arguments_bind_by_v1_positions(call):
    assert codes(f"import tensorflow.compat.v1 as tf\n{call}\n") == set()


def test_same_alias_means_different_libraries_in_different_files():
    assert apis("import torch.nn as nn\nnn.Conv1d(2, 4, 3)\nnn.Conv(4, 3)\n") == ["torch.nn.Conv1d"]
    assert apis("import flax.linen as nn\nnn.Conv1d(2, 4, 3)\nnn.Conv(4, 3)\n") == ["flax.linen.Conv"]
    assert apis("import equinox.nn as nn\nnn.Conv1d(2, 4, 3, key=k)\nnn.Conv(4, 3)\n") == ["equinox.nn.Conv1d", "equinox.nn.Conv"]


@pytest.mark.parametrize(
    "source",
    [
        "Conv1D(8, 3)\n",
        "layers.Conv1D(8, 3)\n",
        "from keras.layers import Conv1D\nclass Conv1D:\n    pass\nConv1D(8, 3)\n",
        "from keras.layers import Conv1D\nConv1D = make_layer\nConv1D(8, 3)\n",
        "from keras.layers import Conv1D\ndef Conv1D(*a):\n    pass\nConv1D(8, 3)\n",
        "def build(tf):\n    return tf.keras.layers.Conv1D(8, 3)\n",
        "import flax.linen as nn\ndef build(nn):\n    return nn.Conv(4, 3)\n",
        "from . import layers\nlayers.Conv1D(8, 3)\n",
        "from .layers import Conv1D\nConv1D(8, 3)\n",
        "import numpy as np\nnp.correlate(x, k)\n",
        "import keras\nkeras.layers.Dense(8)\n",
        "import keras\nfor keras in models:\n    keras.layers.Conv1D(8, 3)\n",
        "import keras\nwith open(f) as keras:\n    keras.layers.Conv1D(8, 3)\n",
        "keras_layers.Conv1D(8, 3)\n",
        "import flax.linen as nn\nclass M(nn.Module):\n    nn = other\n    def f(self):\n        return self.nn.Conv(4, 3)\n",
    ],
)
def test_look_alikes_are_not_framework_calls(source):
    assert apis(source) == []


def test_import_inside_function_is_seen_only_there():
    source = """
        def build():
            import haiku as hk
            return hk.Conv1D(4, 3)

        def other():
            return hk.Conv1D(4, 3)
    """
    assert apis(source) == ["haiku.Conv1D"]


def test_function_may_use_a_name_imported_further_down():
    source = """
        def build():
            return tfkl.Conv1D(8, 3)

        import tensorflow as tf
        tfkl = tf.keras.layers
    """
    assert apis(source) == ["keras.layers.Conv1D"]


def test_optional_import_fallbacks():
    source = """
        try:
            import tensorflow as tf
        except ImportError:
            tf = None
        try:
            from tensorflow import keras
        except ImportError:
            import keras
        tf.keras.layers.Conv1D(8, 3)
        keras.layers.Conv2D(8, 3)
    """
    assert apis(source) == ["keras.layers.Conv1D", "keras.layers.Conv2D"]


def test_class_body_names_are_not_visible_in_methods():
    source = """
        import flax.linen as nn
        class Block:
            nn = None
            def setup(self):
                self.conv = nn.Conv(4, 3)
    """
    assert apis(source) == ["flax.linen.Conv"]


def test_global_declaration_binds_module_name():
    source = """
        def setup():
            global L
            from keras import layers as L
        def build():
            return L.Conv1D(8, 3)
    """
    assert apis(source) == ["keras.layers.Conv1D"]


def test_lambda_and_comprehension_parameters_shadow():
    assert apis("import keras\nf = lambda keras: keras.layers.Conv1D(8, 3)\n") == []
    assert apis("import keras\n[keras.layers.Conv1D(8, 3) for keras in mods]\n") == []


def test_positional_and_keyword_arguments_count_as_explicit():
    assert "CNV001" not in codes('import keras\nkeras.layers.Conv1D(8, 3, 1, "same")\n')
    assert "CNV001" not in codes('import keras\nkeras.layers.Conv1D(8, 3, padding="same")\n')
    assert "CNV001" in codes('import keras\nkeras.layers.Conv1D(8, 3, 1)\n')
    # Conv3DTranspose takes data_format before output_padding, unlike Conv2DTranspose.
    assert "CNV004" not in codes("import keras\nkeras.layers.Conv3DTranspose(8, 3, 1, 'same', 'channels_last')\n")
    assert "CNV004" in codes("import keras\nkeras.layers.Conv2DTranspose(8, 3, 1, 'same', None)\n")
    # nnx.Conv takes padding by keyword only: a fifth positional argument cannot be it.
    assert "CNV001" in codes("from flax import nnx\nnnx.Conv(2, 4, 3, 1, rngs=r)\n")


def test_bias_initializer_only_when_a_bias_exists():
    assert "CNV003" not in codes("import keras\nkeras.layers.Conv1D(8, 3, use_bias=False)\n")
    assert "CNV003" in codes("import keras\nkeras.layers.Conv1D(8, 3, use_bias=flag)\n")
    assert "CNV003" not in codes("import haiku as hk\nhk.Conv1D(8, 3, with_bias=False)\n")


def test_star_arguments_make_the_call_unknowable():
    for call in ("Conv1D(**cfg)", "Conv1D(*args)", "Conv1D(8, 3, **extra)"):
        assert codes(f"from keras.layers import Conv1D\n{call}\n") == {"CNV901"}
    assert codes("import functools\nimport flax.linen as nn\nfunctools.partial(nn.Conv, padding='SAME')\n") == {
        "CNV901"
    }
    assert codes("from functools import partial\nfrom keras import layers\npartial(layers.Conv1D, 8)\n") == {"CNV901"}
    assert codes("from keras import layers\nlayers.Conv2D.from_config(cfg)\n") == {"CNV901"}
    assert codes("import functools\nfunctools.partial(print, 1)\n") == set()


def test_finding_position_is_the_call():
    (first, *_) = analyze("import keras\n\nmodel = [\n    keras.layers.Conv1D(8, 3),\n]\n", "x.py")
    assert (first.line, first.column) == (4, 5)


def test_later_bindings_and_star_imports_win():
    assert apis("from numpy import *\nfrom jax.numpy import *\nconvolve(x, k)\n") == ["jax.numpy.convolve"]
    assert apis("from typing import *\nfrom keras.layers import *\nConv1D(8, 3)\n") == ["keras.layers.Conv1D"]
    assert apis("from keras.layers import *\nfrom .blocks import *\nConv1D(8, 3)\n") == []
    assert apis("from .blocks import *\nfrom keras.layers import *\nConv1D(8, 3)\n") == ["keras.layers.Conv1D"]


def test_tuple_assignment_aliases():
    assert apis("import flax.linen as nn\nConv, Dense = nn.Conv, nn.Dense\nConv(16, (3, 3))\n") == ["flax.linen.Conv"]
    assert apis("import flax.linen as nn\nConv, Dense = make()\nConv(16, (3, 3))\n") == []


def test_explicit_none_where_none_is_the_default_still_relies_on_it():
    assert "CNV004" in codes("import keras\nkeras.layers.Conv1D(8, 3, data_format=None)\n")
    assert "CNV004" in codes("from jax import lax\nlax.conv_general_dilated(x, w, (1,), 'SAME', dimension_numbers=None)\n")
    assert "CNV002" in codes("import haiku as hk\nhk.Conv1D(4, 3, w_init=None)\n")
    assert "CNV001" not in codes("import keras\nkeras.layers.Conv1D(8, 3, padding=None)\n")


# -- what the shape tracking reads from the same walk ------------------------------------------------


def test_scopes_record_each_write_with_its_value_and_the_packages_imported():
    import ast

    from conv_lint.resolve import ModuleNames

    module = ast.parse(
        textwrap.dedent(
            """
            import torch.nn as tnn
            from jax import lax
            from . import helpers
            w = make(3)
            a, b = 1, 2
            class Net:
                w = 1
                def forward(self, x, w=None):
                    for i in x:
                        pass
                    return w
            """
        )
    )
    names = ModuleNames.of(module)
    assert names.packages == {"torch", "jax"}
    top = names.module_scope
    assert [ast.unparse(write.value) for write in top.writes["w"]] == ["make(3)"]
    assert [ast.unparse(write.value) for write in top.writes["a"] + top.writes["b"]] == ["1", "2"]
    forward = next(scope for scope in names.scopes if getattr(scope.node, "name", None) == "forward")
    assert isinstance(forward.writes["w"][0].node, ast.arg) and forward.writes["w"][0].value is None
    assert forward.writes["i"][0].value is None  # a loop target: no value
    # The class body's `w` is not visible from its methods; the parameter is.
    assert forward.binding_scope("w") is forward and forward.binding_scope("make") is None
    method_body = next(scope for scope in names.scopes if getattr(scope.node, "name", None) == "Net")
    assert method_body.binding_scope("w") is method_body


def test_arguments_are_found_by_keyword_or_position_and_pointed_at():
    import ast

    from conv_lint.catalog import Slot
    from conv_lint.binding import Argument, argument_node, slot_argument

    call = ast.parse("f(key, (3, 1, 1), dtype=float)").body[0].value
    assert ast.unparse(slot_argument(call, Slot(1, "shape"))) == "(3, 1, 1)"
    assert ast.unparse(slot_argument(call, Slot(2, "dtype"))) == "float"
    starred = ast.parse("f(*args, (3, 1, 1))").body[0].value
    assert slot_argument(starred, Slot(1, "shape")) is None  # after *args, positions are unknown
    keyword = argument_node(call, Argument(call.keywords[0].value, 2))
    assert isinstance(keyword, ast.keyword) and keyword.col_offset == len("f(key, (3, 1, 1), ")


def test_a_conditional_alias_reports_only_what_every_candidate_relies_on():
    source = textwrap.dedent(
        """\
        import tensorflow as tf
        import flax.linen as nn
        def f(flag, make):
            a = tf.keras.layers.SeparableConv2D if flag else tf.keras.layers.Conv2D
            a(8, 1, padding="same", kernel_initializer="he_normal", data_format="channels_last")
            b = tf.keras.layers.Conv2D if flag else make
            b(8, 3)
            if flag:
                c = nn.Conv
            else:
                c = tf.keras.layers.Conv2D
            c(8, (3, 3))
        """
    )
    findings = analyze(source, "x.py")
    # Line 5: only the bias initializer (Conv2D gets its kernel initializer; no CNV001 on a 1-sized kernel).
    assert [(f.line, f.code) for f in findings] == [(5, "CNV003"), (12, "CNV001"), (12, "CNV002"), (12, "CNV003")]
    assert "the callee a may be keras.layers.SeparableConv2D or keras.layers.Conv2D" in findings[0].message
    assert findings[0].applicability == "safe"  # both default to 'zeros': the pin holds for either
    assert findings[1].applicability is None  # Flax 'SAME' vs Keras 'valid': no pin fits both


def test_a_subclass_that_keeps_the_constructor_is_called_as_its_base():
    source = """\
        from torch import nn
        class Safe(nn.Conv2d):
            '''Splits the input.'''
            def forward(self, x):
                return super().forward(x)
        class Own(nn.Conv2d):
            def __init__(self, c):
                super().__init__(c, c, 3, padding=1)
        class Field(nn.Conv2d):
            padding_mode = "reflect"
        Safe(3, 8, 3)
        Own(3)
        Field(3, 8, 3)
        """
    assert apis(source) == ["torch.nn.Conv2d"]
    assert {f.line for f in analyze(textwrap.dedent(source), "x.py")} == {11}


def test_a_class_field_holding_a_conv_api_resolves_through_self():
    source = """\
        import functools
        import flax.linen as nn
        conv = None
        class Block(nn.Module):
            conv: object = nn.Conv
            def __call__(self, x):
                a = self.conv(8, (3, 3), padding="SAME", kernel_init=k, bias_init=b)(x)
                b = functools.partial(self.conv, padding="SAME")(8, (3, 3), kernel_init=k, use_bias=False)(a)
                return self.norm(b)
        def outside(self):
            return self.conv(8, (3, 3))  # not a method of Block: nothing known
        """
    assert {(f.line, f.code) for f in analyze(textwrap.dedent(source), "x.py") if not f.code.startswith("CNV9")} == set()
    unpinned = textwrap.dedent(source.replace('padding="SAME")(8', ")(8"))
    assert [(f.line, f.api) for f in analyze(unpinned, "x.py") if f.code == "CNV001"] == [(8, "flax.linen.Conv")]
