"""CNV901 (opt-in): a conv call whose arguments cannot be known statically.

The analyzer finds such calls while it resolves and binds them: ``*args``/``**kwargs``, an API
reached through ``functools.partial`` or built with ``from_config``. No default rule runs on them,
since any parameter may be set; this rule lists them for review instead.
"""

from __future__ import annotations

import ast

from conv_lint.catalog import ConvAPI
from conv_lint.rules.base import Flag, Rule


class UnboundCallRule(Rule):
    """A rule whose check is the binding itself: it flags the calls no other rule can read."""

    def check_unbound(self, node: ast.Call, api: ConvAPI) -> Flag:
        return Flag(node, self, f"{api.name} call passes *args/**kwargs or is built indirectly; cannot tell which defaults it uses")


DYNAMIC_CALL = UnboundCallRule(
    code="CNV901",
    name="unresolvable-conv-arguments",
    hazard=None,
    summary="Conv call whose arguments cannot be known statically (opt-in).",
    what_it_does=(
        "Lists conv calls made with `*args`/`**kwargs`, through `functools.partial`, or with"
        " `from_config`. Off by default: select it with `--select CNV9` or"
        " `--extend-select CNV901`."
    ),
    why=(
        "Such a call may set any parameter, so conv-lint does not claim it uses a default. These"
        " are the places to review by hand before a port."
    ),
    example="import keras\n\nlayer = keras.layers.Conv1D(**config)\n",
    use_instead='import keras\n\nlayer = keras.layers.Conv1D(**config, padding="valid")\n',
    fix_safety="No fix.",
    valid=("import keras\nkeras.layers.Conv1D(8, 3, padding='same')\n",),
    invalid=(
        "import keras\nkeras.layers.Conv1D(**config)\n",
        "import functools, keras\nfunctools.partial(keras.layers.Conv1D, padding='same')\n",
        "import keras\nkeras.layers.Conv1D.from_config(cfg)\n",
    ),
)

RULES = (DYNAMIC_CALL,)
