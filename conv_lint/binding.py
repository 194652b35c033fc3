"""Binding: which parameter each argument of a resolved conv call sets, as Python would bind it.

``bind_arguments`` reads the catalog's signature of the API (positional parameters in order,
keyword-only ones), so ``Conv1D(32, 3, 1, "same")`` passes ``padding`` as surely as
``padding="same"`` does; a ``ResolvedCall`` is a call with its API, scope and bound arguments.
``slot_argument`` finds one argument of any call by keyword or position
(the catalog's ``Slot``); ``argument_node`` says where a bound argument stands, for findings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from conv_lint.catalog import ConvAPI, Default, Slot
from conv_lint.resolve import Scope, is_constant



@dataclass(frozen=True)
class Argument:
    """An argument as passed: its expression, and its place among the call's arguments in source order."""

    value: ast.expr
    index: int


@dataclass(frozen=True)
class BoundCall:
    """A call bound to an API's signature: which parameters it passes, and how."""

    api: ConvAPI
    arguments: dict[str, Argument]
    # *args or **kwargs: any parameter may be set, so no default can be claimed.
    dynamic: bool

    def passes(self, parameter: str) -> bool:
        return parameter in self.arguments

    def passes_constant(self, parameter: str, value: object) -> bool:
        arg = self.arguments.get(parameter)
        return arg is not None and is_constant(arg.value, value)

    def relies_on_none(self, parameter: str) -> bool:
        """The call leaves ``parameter`` at None: not passed, or passed as the constant None."""
        return not self.passes(parameter) or self.passes_constant(parameter, None)

    def spatial_rank(self) -> int | None:
        """The number of spatial dimensions, read off a literal tuple such as ``window_strides=(1, 1)``,
        or, for a layer whose name fixes no rank (``flax.linen.Conv``, ``haiku.ConvND``), off its
        literal ``num_spatial_dims`` or kernel-size tuple (``kernel_size=(3, 3)`` → 2)."""
        parameters = self.api.rank_params
        if self.api.spatial_dims is None and self.api.window is not None and self.api.window.size is not None:
            dims = self.arguments.get("num_spatial_dims")
            if dims is not None and isinstance(dims.value, ast.Constant) and dims.value.value in (1, 2, 3):
                return dims.value.value
            parameters = (*parameters, self.api.window.size)
        for parameter in parameters:
            arg = self.arguments.get(parameter)
            if arg is not None and isinstance(arg.value, (ast.Tuple, ast.List)):
                rank = len(arg.value.elts)
                if 1 <= rank <= 3:
                    return rank
        return None


def bind_arguments(api: ConvAPI, call: ast.Call) -> BoundCall:
    """Bind a call's arguments by position and keyword, as Python would for ``api``."""
    arguments: dict[str, Argument] = {}
    dynamic = any(isinstance(arg, ast.Starred) for arg in call.args)
    for position, arg in enumerate(call.args):
        if position < len(api.positional) and not dynamic:
            arguments[api.positional[position]] = Argument(arg, position)
    for offset, keyword in enumerate(call.keywords):
        if keyword.arg is None:
            dynamic = True
        else:
            # Without *args every positional argument precedes the keywords in the source.
            arguments[keyword.arg] = Argument(keyword.value, len(call.args) + offset)
    return BoundCall(api, arguments, dynamic)


def slot_argument(call: ast.Call, slot: Slot) -> ast.expr | None:
    """The argument ``call`` passes for ``slot``: by keyword, or by position if no ``*args`` comes first."""
    if slot.keyword is not None:
        for keyword in call.keywords:
            if keyword.arg == slot.keyword:
                return keyword.value
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return None
        if index == slot.position:
            return arg
    return None


def argument_node(call: ast.Call, argument: Argument) -> ast.AST:
    """Where an argument stands in the source: its keyword (``padding=...``), or its value if positional."""
    offset = argument.index - len(call.args)
    return call.keywords[offset] if 0 <= offset < len(call.keywords) else argument.value


@dataclass(frozen=True)
class ResolvedCall:
    """A call of a catalog API, with the scope it sits in and its arguments bound."""

    node: ast.Call
    scope: Scope
    bound: BoundCall
    qualified_name: str  # as this file reaches it, e.g. tensorflow.keras.layers.Conv1D
    callee: str  # as written, e.g. tf.keras.layers.Conv1D
    column: int  # 1-based, in characters
    # The other APIs the callee may be (`layer = Conv2DTranspose if up else Conv2D`), each bound to
    # the same arguments: a default is reported only when every one of them relies on it.
    alternatives: tuple[BoundCall, ...] = ()
    # `conv = functools.partial(API, ...)` when the callee is such a name: ``node`` is then the call with
    # the partial's arguments first (at the call's position), and ``partial`` the functools.partial call.
    partial: ast.Call | None = None

    @property
    def api(self) -> ConvAPI:
        return self.bound.api

    @property
    def line(self) -> int:
        return self.node.lineno

    def pin_differs(self, default: Default) -> str:
        """Why pinning ``default`` could change what another API the callee may be does ("" if it cannot)."""
        for other in self.alternatives:
            pins = {(d.param, d.pin, d.unsafe) for d in other.api.defaults if d.hazard == default.hazard}
            if pins != {(default.param, default.pin, default.unsafe)}:
                return (
                    f"the callee {self.callee} may be {self.api.name} or {other.api.name}, whose {default.param}"
                    " defaults are not the same pin: pass the value meant for each"
                )
        return ""
