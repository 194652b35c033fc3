"""Name resolution per file: which framework API does a call's callee name?

libcst's ``QualifiedNameProvider`` answers this correctly but costs several times the parse
itself. Conv calls only need imports and simple aliases, so one pass over the module builds
a scope tree of bindings (imports, ``alias = tf.keras.layers``, and everything that shadows a
name: definitions, parameters, other assignments) and records every call with the scope it
sits in. Calls are resolved after the pass, so a function may use a name imported further down.

Bare names are never matched against the catalog: ``Conv1D(...)`` counts only when this file
binds ``Conv1D`` to a framework object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from conv_lint.catalog import ConvAPI

# A name bound by something conv-lint cannot see through (a def, a parameter, `x = f()`).
LOCAL = "<local>"


@dataclass
class Scope:
    parent: Scope | None
    is_class: bool = False
    # name -> what binds it: a qualified name (str) from an import, or the aliased expression.
    # None records `x = None`, the usual fallback of an optional import: it hides nothing.
    bindings: dict[str, list[str | cst.BaseExpression | None]] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)
    global_names: set[str] = field(default_factory=set)

    def bind(self, name: str, value: str | cst.BaseExpression | None) -> None:
        self.bindings.setdefault(name, []).append(value)

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


class ModuleNames(cst.CSTVisitor):
    """Collects bindings per scope and every call with its scope, in one walk."""

    def __init__(self) -> None:
        self.module_scope = Scope(parent=None)
        self._stack: list[Scope] = [self.module_scope]
        self.calls: list[tuple[cst.Call, Scope]] = []

    @classmethod
    def of(cls, module: cst.Module) -> ModuleNames:
        names = cls()
        module.visit(names)
        return names

    @property
    def scope(self) -> Scope:
        return self._stack[-1]

    # -- scopes ---------------------------------------------------------------------------
    def _push(self, is_class: bool = False) -> Scope:
        scope = Scope(parent=self.scope, is_class=is_class)
        self._stack.append(scope)
        return scope

    def _pop(self, _node: cst.CSTNode) -> None:
        self._stack.pop()

    def _bind_parameters(self, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            self.scope.bind(param.name.value, LOCAL)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.scope.bind(star.name.value, LOCAL)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FunctionDef):
            self._walk_function(node)
            return False
        return super().on_visit(node)

    def _walk_function(self, node: cst.FunctionDef) -> None:
        # Decorators and defaults are evaluated in the enclosing scope; the body gets its own.
        self.scope.bind(node.name.value, LOCAL)
        for decorator in node.decorators:
            decorator.visit(self)
        node.params.visit(self)
        if node.returns is not None:
            node.returns.visit(self)
        self._push()
        self._bind_parameters(node.params)
        node.body.visit(self)
        self._stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.scope.bind(node.name.value, LOCAL)
        self._push(is_class=True)

    leave_ClassDef = _pop

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._push()
        self._bind_parameters(node.params)

    leave_Lambda = _pop

    def _visit_comprehension(self, _node: cst.CSTNode) -> None:
        self._push()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comprehension
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _pop

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.global_names.update(item.name.value for item in node.names)

    # -- bindings -------------------------------------------------------------------------
    def _target_scope(self, name: str) -> Scope:
        return self.scope.module() if name in self.scope.global_names else self.scope

    def _bind_target(self, target: cst.BaseExpression, value: str | cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Name):
            self._target_scope(target.value).bind(target.value, value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_target(element.value, LOCAL)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, LOCAL)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted_name(alias.name)
            if module is None:
                continue
            if alias.asname is not None:
                self._bind_target(alias.asname.name, module)
            else:
                # `import jax.numpy` binds `jax`, through which jax.numpy is reached.
                head = module.split(".", 1)[0]
                self._bind_target(cst.Name(head), head)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else None
        relative = bool(node.relative)
        if isinstance(node.names, cst.ImportStar):
            # A relative star import may define anything: record it as opaque.
            self.scope.module().star_imports.append(LOCAL if relative or module is None else module)
            return
        for alias in node.names:
            target = alias.asname.name if alias.asname is not None else alias.name
            imported = dotted_name(alias.name)
            if relative or module is None or imported is None:
                self._bind_target(target, LOCAL)  # the project's own module
            else:
                self._bind_target(target, f"{module}.{imported}")

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_assignment(target.target, node.value)

    def _bind_assignment(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        # `Conv, Dense = nn.Conv, nn.Dense` aliases element by element.
        if (
            isinstance(target, (cst.Tuple, cst.List))
            and isinstance(value, (cst.Tuple, cst.List))
            and len(target.elements) == len(value.elements)
            and not any(isinstance(e, cst.StarredElement) for e in (*target.elements, *value.elements))
        ):
            for target_element, value_element in zip(target.elements, value.elements):
                self._bind_assignment(target_element.value, value_element.value)
        else:
            self._bind_target(target, self._alias_value(value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, self._alias_value(node.value))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target, LOCAL)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, LOCAL)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, LOCAL)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, LOCAL)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node.asname.name, LOCAL)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name, LOCAL)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self.scope))

    @staticmethod
    def _alias_value(value: cst.BaseExpression) -> str | cst.BaseExpression | None:
        """What an assignment binds: an alias for a dotted name, or something opaque.

        ``tf = None`` (the usual fallback for an optional import) binds nothing we track.
        """
        if _is_none(value):
            return None
        if dotted_name(value) is not None:
            return value
        return LOCAL


class Resolver:
    """Answers "which qualified names can this expression be?" for one module."""

    def __init__(self, names: ModuleNames) -> None:
        self.names = names

    def qualified_names(self, node: cst.BaseExpression, scope: Scope) -> tuple[str, ...]:
        dotted = dotted_name(node)
        if dotted is None:
            return ()
        return self._resolve_dotted(dotted, scope, frozenset())

    def _resolve_dotted(self, dotted: str, scope: Scope, seen: frozenset) -> tuple[str, ...]:
        head, _, rest = dotted.partition(".")
        bases = self._lookup(head, scope, seen)
        return tuple(f"{base}.{rest}" if rest else base for base in bases)

    def _lookup(self, name: str, scope: Scope, seen: frozenset) -> tuple[str, ...]:
        key = (name, id(scope))
        if key in seen:
            return ()
        seen = seen | {key}
        current: Scope | None = scope
        if name in scope.global_names:
            current = scope.module()
        first = True
        while current is not None:
            # Class bodies are not visible from the functions nested in them.
            if current.is_class and not first:
                current = current.parent
                continue
            first = False
            bound = [value for value in current.bindings.get(name, ()) if value is not None]
            if bound:
                return self._from_bindings(bound, current, seen)
            if current.parent is None and current.star_imports:
                # A later star import overrides an earlier one, as at run time; past one
                # whose module we cannot see (a relative import), nothing can be claimed.
                candidates = []
                for module in reversed(current.star_imports):
                    if module == LOCAL:
                        break
                    candidates.append(f"{module}.{name}")
                return tuple(candidates)
            current = current.parent
        return ()

    def _from_bindings(
        self, bound: Sequence[str | cst.BaseExpression], scope: Scope, seen: frozenset
    ) -> tuple[str, ...]:
        # A name the module also binds to something opaque (its own `class Conv1D`,
        # `Conv1D = make_layer()`) is not a framework object, whatever else it imports.
        if any(value == LOCAL for value in bound):
            return ()
        results: list[str] = []
        for value in reversed(bound):  # the last binding first: it is the one in force after the module ran
            if isinstance(value, str):
                results.append(value)
                continue
            aliased = self._resolve_dotted(dotted_name(value), scope, seen)
            if not aliased:  # `Conv1D = make_layer`: an alias of something we cannot see
                return ()
            results.extend(aliased)
        return tuple(dict.fromkeys(results))


@dataclass(frozen=True)
class BoundCall:
    """A call bound to an API's signature: which parameters it passes, and how."""

    api: ConvAPI
    arguments: dict[str, cst.Arg]
    # *args or **kwargs: any parameter may be set, so no default can be claimed.
    dynamic: bool

    def passes(self, parameter: str) -> bool:
        return parameter in self.arguments

    def literal_false(self, parameter: str) -> bool:
        arg = self.arguments.get(parameter)
        return arg is not None and isinstance(arg.value, cst.Name) and arg.value.value == "False"


def bind_arguments(api: ConvAPI, call: cst.Call) -> BoundCall:
    """Bind a call's arguments by position and keyword, as Python would for ``api``."""
    arguments: dict[str, cst.Arg] = {}
    dynamic = False
    position = 0
    for arg in call.args:
        if arg.star:
            dynamic = True
        elif arg.keyword is not None:
            arguments[arg.keyword.value] = arg
        else:
            if position < len(api.positional):
                arguments[api.positional[position]] = arg
            position += 1
    return BoundCall(api, arguments, dynamic)
